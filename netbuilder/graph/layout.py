"""Left-to-right layout by topological depth (auto-layout, ONNX import, examples)."""

from __future__ import annotations

import networkx as nx

from netbuilder.graph.model import Graph

COLUMN = 230.0
ROW = 130.0


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


def auto_layout(graph: Graph) -> None:
    for nid, pos in layered_positions(graph).items():
        graph.move(nid, pos)
