"""Auto-layout for the window: left to right by depth, wrapped into rows to fit the view.

The depth columns come from `netbuilder.graph.layout.layered_positions`; a long
chain (a 15-layer CNN) is cut into bands stacked top to bottom so the whole
network reads at a useful zoom instead of as one thin line.
"""

from __future__ import annotations

import math

from netbuilder.graph.layout import COLUMN, ROW, layered_positions
from netbuilder.graph.model import Graph

BAND_GAP = 70.0  # vertical room between bands for the wires that return to the left


def wrapped_positions(graph: Graph, aspect: float = 1.6) -> dict[str, tuple[float, float]]:
    """Depth layout cut into bands so the bounding box comes close to ``aspect`` (width / height)."""
    base = layered_positions(graph)
    if not base:
        return {}
    columns: dict[int, list[str]] = {}
    for nid, (x, _) in base.items():
        columns.setdefault(round(x / COLUMN), []).append(nid)
    n_cols = max(columns) + 1
    tallest = max(len(c) for c in columns.values())
    band_height = tallest * ROW + BAND_GAP

    def mismatch(bands: int) -> float:
        w, h = math.ceil(n_cols / bands) * COLUMN, bands * band_height
        return abs(math.log((w / h) / aspect))

    # Choose the number of bands, then share the columns out evenly, so the last band is not a stub.
    bands = min(range(1, max(1, n_cols // 3) + 1), key=mismatch)
    per_band = math.ceil(n_cols / bands)
    # Each band is as tall as its tallest column, so a plain chain's bands sit close together.
    band_top = [0.0]
    for band in range(math.ceil(n_cols / per_band)):
        cols = [len(columns.get(c, ())) for c in range(band * per_band, (band + 1) * per_band)]
        band_top.append(band_top[-1] + max(cols) * ROW + BAND_GAP)
    positions: dict[str, tuple[float, float]] = {}
    for col in sorted(columns):
        band, slot = divmod(col, per_band)

        # Order a column by where its inputs come from (fewer crossings); nodes fed by nothing
        # placed yet (Targets) go last, under the path they join, as a loss's target port is.
        def key(nid: str) -> tuple[int, float, float]:
            ys = [positions[p][1] for p in graph.nx.predecessors(nid) if p in positions]
            return (0, sum(ys) / len(ys), base[nid][1]) if ys else (1, 0.0, base[nid][1])

        for row, nid in enumerate(sorted(columns[col], key=key)):
            positions[nid] = (slot * COLUMN, band_top[band] + row * ROW)
    return positions
