"""Sugiyama-style layered layout of a network: layers by longest path, crossings reduced by barycentre sweeps,
positions that keep chains straight, long graphs wrapped into bands shaped like the window.

A block is laid out as one box: a collapsed one as a node-sized box (its layers placed compactly inside it,
for when it is expanded), an open one as a box holding its layers' own layout, so a band never cuts through a
block and its frame never covers another's layers. Every step is linear or close to it in the number of
nodes and wires, so 1,000 nodes take well under a second. Pure Python: no networkx in the inner loops, no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from netbuilder.graph.block_ports import boundary_ports, collapsed_block_of, members_by_block, outermost_block
from netbuilder.graph.model import Graph

NODE_WIDTH = 150.0
COLUMN = 230.0  # left-to-right: one layer per column, 80 px between boxes for a wire and its shape label
ROW_GAP = 40.0  # between boxes of one layer (across the flow)
LAYER_GAP = 60.0  # top-down: between layers
BAND_GAP = 70.0  # between bands: room for the wires that return to the next band's start
DUMMY = 14.0  # the room a wire passing through a layer takes
SWEEPS = 8
DUMMY_BUDGET = 8  # at most this many wire bends per box (a node feeding every later one would need n²)
BLOCK_PAD = 30.0  # around an open block's layers: its frame, and a title above them
BLOCK_TITLE = 24.0
OPEN_BLOCK_SHARE = 0.25  # an open block laid out as one box holds at most this share of the layers (else the
# band wrapping that keeps a long graph readable could not cut through it)


def box_height(n_in: int, n_out: int) -> float:
    """A node's height on the canvas for its port counts (the canvas draws it with this function)."""
    return 24.0 + max(2, n_in, n_out) * 17.0 + 10.0


@dataclass
class _Unit:
    """A box to place: one node, or a collapsed block (its members)."""

    id: str
    members: list[str]
    height: float
    dummy: bool = False
    block: bool = False
    open: bool = False  # an expanded block: placed as a box holding its own layout
    inner: dict[str, tuple[float, float]] = field(default_factory=dict)  # an open block's layout, from (0, 0)
    along: float = 0.0  # an open block's extent along the flow
    preds: list[str] = field(default_factory=list)
    succs: list[str] = field(default_factory=list)


def _units(graph: Graph, node_ids: Iterable[str], as_blocks: bool) -> dict[str, _Unit]:
    unit_of: dict[str, str] = {}
    units: dict[str, _Unit] = {}
    ids = list(node_ids)
    blocks = members_by_block(graph) if as_blocks and graph.groups else {}
    open_limit = max(12, OPEN_BLOCK_SHARE * len(ids))
    for nid in ids:
        gid = collapsed_block_of(graph, nid) if blocks else None
        is_open = False
        if blocks and gid is None:
            top = outermost_block(graph, nid)
            if top is not None and len(blocks[top]) <= open_limit:
                gid, is_open = top, True
        uid = f"block:{gid}" if gid is not None else nid
        unit_of[nid] = uid
        if uid in units:
            continue
        if gid is not None:
            ins, outs = boundary_ports(graph, blocks[gid])
            units[uid] = _Unit(uid, list(blocks[gid]), box_height(len(ins), len(outs)), block=True, open=is_open)
        else:
            spec = graph.nodes[nid].spec
            units[uid] = _Unit(uid, [nid], box_height(len(spec.inputs), len(spec.outputs)))
    edges = graph.edges.values() if len(unit_of) == len(graph.nodes) else \
        [e for nid in unit_of for e in graph.edges_out_of(nid)]
    for e in edges:
        u, v = unit_of.get(e.source), unit_of.get(e.target)
        if u is None or v is None or u == v or v in units[u].succs:
            continue
        units[u].succs.append(v)
        units[v].preds.append(u)
    return units


def _layers(graph: Graph, units: dict[str, _Unit]) -> dict[str, int]:
    """Longest path from the sources (Kahn's order; a loop, possible only in a damaged file, is cut)."""
    indeg = {u: len(unit.preds) for u, unit in units.items()}
    ready = [u for u in reversed(units) if indeg[u] == 0]
    layer: dict[str, int] = {}
    pending = dict.fromkeys(units)
    while pending:
        if not ready:  # a loop: take the first unit left and ignore its remaining inputs
            ready = [next(iter(pending))]
        u = ready.pop()
        if u not in pending:
            continue
        del pending[u]
        layer[u] = max((layer[p] + 1 for p in units[u].preds if p in layer), default=0)
        for s in units[u].succs:
            indeg[s] -= 1
            if indeg[s] == 0:
                ready.append(s)
    # A loss's target sits in the column before the loss, beside the path it joins.
    for u, unit in units.items():
        if not unit.block and graph.nodes[unit.members[0]].spec.role == "target" and unit.succs:
            layer[u] = max(0, min(layer[s] for s in unit.succs) - 1)
    return layer


def _split_long_wires(units: dict[str, _Unit], layer: dict[str, int]) -> None:
    """Give a wire spanning several layers one bend per layer in between, so sweeps can route it."""
    budget = DUMMY_BUDGET * len(units)
    for u in list(units):
        for i, s in enumerate(list(units[u].succs)):
            span = layer[s] - layer[u]
            if span <= 1 or span - 1 > budget:
                continue
            budget -= span - 1
            prev = u
            for k in range(1, span):
                d = f"~{u}>{s}#{k}"
                units[d] = _Unit(d, [], DUMMY, dummy=True, preds=[prev])
                layer[d] = layer[u] + k
                if prev == u:
                    units[u].succs[i] = d
                else:
                    units[prev].succs.append(d)
                prev = d
            units[prev].succs.append(s)
            units[s].preds[units[s].preds.index(u)] = prev


def crossings(order: list[list[str]], units: dict[str, _Unit]) -> int:
    """Wire crossings between neighbouring layers (inversions, counted by merge sort)."""
    total = 0
    for a in range(len(order) - 1):
        below = {u: i for i, u in enumerate(order[a + 1])}
        ends = sorted((i, below[s]) for i, u in enumerate(order[a]) for s in units[u].succs if s in below)
        total += _inversions([j for _, j in ends])
    return total


def _inversions(seq: list[int]) -> int:
    """Pairs i < j with seq[i] > seq[j]."""
    if len(seq) < 2:
        return 0
    mid = len(seq) // 2
    left, right = sorted(seq[:mid]), sorted(seq[mid:])
    count = _inversions(seq[:mid]) + _inversions(seq[mid:])
    j = 0
    for x in left:
        while j < len(right) and right[j] < x:
            j += 1
        count += j
    return count


def _order(units: dict[str, _Unit], layer: dict[str, int]) -> list[list[str]]:
    """Barycentre sweeps down and up; the order with the fewest crossings seen is kept."""
    order: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for u in units:  # graph order first: inputs and early layers at the top
        order[layer[u]].append(u)
    best, best_count = [list(r) for r in order], crossings(order, units)
    for sweep in range(SWEEPS):
        if best_count == 0:
            break
        down = sweep % 2 == 0
        rows = range(1, len(order)) if down else range(len(order) - 2, -1, -1)
        for r in rows:
            ref = {u: i for i, u in enumerate(order[r - 1 if down else r + 1])}
            key: dict[str, float] = {}
            for i, u in enumerate(order[r]):
                near = [ref[n] for n in (units[u].preds if down else units[u].succs) if n in ref]
                key[u] = sum(near) / len(near) if near else float(i)
            order[r].sort(key=key.__getitem__)
        count = crossings(order, units)
        if count < best_count:
            best, best_count = [list(r) for r in order], count
    return best


def _pack(row: list[str], want: dict[str, float], size: dict[str, float]) -> dict[str, float]:
    """Centres as close as possible to ``want`` (least squares) keeping the row's order and gaps:
    isotonic regression by pool-adjacent-violators, linear in the row's length."""
    offsets, at = [], 0.0
    for i, u in enumerate(row):
        if i:
            at += (size[row[i - 1]] + size[u]) / 2 + ROW_GAP
        offsets.append(at)
    pools: list[list[float]] = []  # [sum, count] of each pool of boxes pushed against each other
    for u, off in zip(row, offsets):
        pools.append([want[u] - off, 1.0])
        while len(pools) > 1 and pools[-2][0] / pools[-2][1] > pools[-1][0] / pools[-1][1]:
            s, c = pools.pop()
            pools[-1][0] += s
            pools[-1][1] += c
    centres, i = {}, 0
    for s, c in pools:
        for _ in range(int(c)):
            centres[row[i]] = s / c + offsets[i]
            i += 1
    return centres


def _cross_positions(order: list[list[str]], units: dict[str, _Unit], size: dict[str, float]) -> dict[str, float]:
    """Centre of each unit across the flow: rows stacked, then pulled towards their neighbours, down and up."""
    centre: dict[str, float] = {}
    for row in order:
        centre.update(_pack(row, dict.fromkeys(row, 0.0), size))
    for sweep in range(5):
        down = sweep % 2 == 0
        for row in (order[1:] if down else order[-2::-1]):
            want = {}
            for u in row:
                near = [centre[n] for n in (units[u].preds if down else units[u].succs)]
                want[u] = sum(near) / len(near) if near else centre[u]
            centre.update(_pack(row, want, size))
    return centre


def _per_band(pitch: list[float], extent: list[tuple[float, float]], aspect: float, across: bool) -> int:
    """Layers per band so the whole picture's width / height comes close to ``aspect``."""
    n = len(pitch)

    def mismatch(per: int) -> float:
        starts = range(0, n, per)
        along = max(sum(pitch[b:b + per]) for b in starts)
        cross = sum(max(e[1] for e in extent[b:b + per]) - min(e[0] for e in extent[b:b + per]) for b in starts)
        cross += BAND_GAP * (len(starts) - 1)
        w, h = (cross, along) if across else (along, cross)
        return abs(math.log(max(w, 1.0) / max(h, 1.0) / aspect))

    candidates = {n} | {max(3, math.ceil(n / k)) for k in range(1, max(1, n // 3) + 1)}
    return min(sorted(candidates, reverse=True), key=mismatch)


def layered_layout(graph: Graph, *, direction: str = "right", aspect: float = 1.6, bands: bool = True,
                   node_ids: Iterable[str] | None = None, as_blocks: bool = True) -> dict[str, tuple[float, float]]:
    """Top-left positions for ``node_ids`` (default: all) flowing ``direction`` ("right" or "down"):
    collapsed blocks placed as single boxes when ``as_blocks``, long graphs wrapped into bands when ``bands``."""
    if direction not in ("right", "down"):
        raise ValueError("direction is 'right' or 'down'")
    units = _units(graph, graph.nodes if node_ids is None else node_ids, as_blocks)
    if not units:
        return {}
    down = direction == "down"
    for unit in units.values():
        if unit.open:
            _lay_out_open_block(graph, unit, direction)
    real = list(units)
    layer = _layers(graph, units)
    _split_long_wires(units, layer)
    order = _order(units, layer)
    size = {u: DUMMY if unit.dummy else (NODE_WIDTH if down and not unit.open else unit.height)
            for u, unit in units.items()}
    centre = _cross_positions(order, units, size)
    gap = LAYER_GAP if down else COLUMN - NODE_WIDTH
    pitch = [max((_along(units[u], down) for u in row if not units[u].dummy), default=0.0) + gap for row in order]
    extent = [(min(centre[u] - size[u] / 2 for u in row), max(centre[u] + size[u] / 2 for u in row))
              for row in order]
    per = _per_band(pitch, extent, aspect, down) if bands else len(order)
    place: dict[str, tuple[float, float]] = {}
    band_start = 0.0
    for b in range(0, len(order), per):
        rows = range(b, min(b + per, len(order)))
        lo = min(extent[i][0] for i in rows)
        along = 0.0
        for i in rows:
            for u in order[i]:
                across = band_start + centre[u] - size[u] / 2 - lo
                place[u] = (across, along) if down else (along, across)
            along += pitch[i]
        band_start += max(extent[i][1] for i in rows) - lo + BAND_GAP
    positions: dict[str, tuple[float, float]] = {}
    for u in real:
        unit = units[u]
        if not unit.block:
            positions[u] = place[u]
            continue
        if unit.open:
            ox, oy = place[u]
            positions.update({n: (ox + x, oy + y) for n, (x, y) in unit.inner.items()})
            continue
        inner, x0, y0 = _inner_layout(graph, unit, direction)
        ox, oy = place[u]
        positions.update({n: (ox + x - x0, oy + y - y0) for n, (x, y) in inner.items()})
    return positions


def _along(unit: _Unit, down: bool) -> float:
    """How much room a unit takes along the flow (its layer's pitch is the largest, plus the gap)."""
    if unit.open:
        return unit.along
    return unit.height if down else NODE_WIDTH


def _inner_layout(graph: Graph, unit: _Unit, direction: str) -> tuple[dict[str, tuple[float, float]], float, float]:
    """A block's members laid out on their own (no bands, no nested blocks) and the top-left of that layout."""
    inner = layered_layout(graph, direction=direction, bands=False, node_ids=unit.members, as_blocks=False)
    return inner, min(p[0] for p in inner.values()), min(p[1] for p in inner.values())


def _lay_out_open_block(graph: Graph, unit: _Unit, direction: str) -> None:
    """An open block's own layout, framed: its box's size across the flow goes in ``height`` (the cross size)."""
    inner, x0, y0 = _inner_layout(graph, unit, direction)
    heights = {n: box_height(len(graph.nodes[n].spec.inputs), len(graph.nodes[n].spec.outputs)) for n in inner}
    width = max(x - x0 for x, _ in inner.values()) + NODE_WIDTH + 2 * BLOCK_PAD
    height = max(y - y0 + heights[n] for n, (_, y) in inner.items()) + 2 * BLOCK_PAD + BLOCK_TITLE
    unit.inner = {n: (x - x0 + BLOCK_PAD, y - y0 + BLOCK_PAD + BLOCK_TITLE) for n, (x, y) in inner.items()}
    down = direction == "down"
    unit.along, unit.height = (height, width) if down else (width, height)
