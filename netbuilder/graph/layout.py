"""Layered layout: left to right by topological depth, long chains cut into bands stacked top to bottom.

Used by the window's Auto-layout, ONNX import, transfer learning and the example projects. Ports sit on a
node's left (inputs) and right (outputs) side, so data reads left to right; a 15-layer CNN laid out in one
row would only fit a window as a thin line of coloured bars, so the columns are shared out into bands
whose bounding box comes close to the canvas's shape.
"""

from __future__ import annotations

import math

import networkx as nx

from netbuilder.graph.model import Graph

# A node is 150 wide and ~70 tall (taller with 3+ ports): a column leaves 80 px between nodes for a wire and
# its shape label; a row leaves 60 px; a band gap leaves room for the wire that returns to the next band's start.
COLUMN = 230.0
ROW = 130.0
NODE_HEIGHT = 70.0
BAND_GAP = 70.0
ASPECT = 1.6  # width / height of a typical canvas: the window's centre between its docks


def layered_positions(graph: Graph, node_ids: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """Positions that put each node one column right of its deepest input, rows centred on 0."""
    ids = set(node_ids or graph.nodes)
    sub = graph.nx.subgraph(ids)
    depth: dict[str, int] = {}
    try:
        order = list(nx.topological_sort(sub))
    except nx.NetworkXUnfeasible:  # a loop: fall back to insertion order
        order = [n for n in graph.nodes if n in ids]
    for nid in order:
        preds = [depth[p] for p in sub.predecessors(nid) if p in depth]
        depth[nid] = max(preds) + 1 if preds else 0
    # Targets sit in the column before the loss they feed, under the data path.
    for nid in order:
        if graph.nodes[nid].spec.role == "target":
            succ = [depth[s] for s in sub.successors(nid)]
            if succ:
                depth[nid] = max(0, min(succ) - 1)
    columns: dict[int, list[str]] = {}
    for nid in order:
        columns.setdefault(depth[nid], []).append(nid)
    positions: dict[str, tuple[float, float]] = {}
    for col, members in columns.items():
        top = -(len(members) - 1) * ROW / 2
        for row, nid in enumerate(members):
            positions[nid] = (col * COLUMN, top + row * ROW)
    return positions


def banded_positions(graph: Graph, aspect: float = ASPECT) -> dict[str, tuple[float, float]]:
    """Depth layout cut into bands so the bounding box comes close to ``aspect`` (width / height)."""
    base = layered_positions(graph)
    if not base:
        return {}
    columns: dict[int, list[str]] = {}
    for nid, (x, _) in base.items():
        columns.setdefault(round(x / COLUMN), []).append(nid)
    n_cols = max(columns) + 1
    tallest = max(len(c) for c in columns.values())

    def height(rows: int) -> float:
        return (rows - 1) * ROW + NODE_HEIGHT + BAND_GAP

    band_height = height(tallest)

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
        band_top.append(band_top[-1] + height(max(cols)))
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


def auto_layout(graph: Graph, aspect: float = ASPECT) -> None:
    """Move every node to its banded layered position (imports, examples)."""
    for nid, pos in banded_positions(graph, aspect).items():
        graph.move(nid, pos)
