"""Plain-text reports of an analysis: diagnostics and the shapes table (CLI, logs)."""

from __future__ import annotations

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.diagnostics import Diagnostic
from netbuilder.graph.model import Graph


def human(n: int) -> str:
    """1234567 -> '1.23M'."""
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.3g}{unit}"
    return str(n)


def describe(diag: Diagnostic, graph: Graph, file: str) -> str:
    where = ""
    node_id = diag.node_id
    if node_id is None and diag.edge_id in graph.edges:
        node_id = graph.edges[diag.edge_id].target
    if node_id in graph.nodes:
        node = graph.nodes[node_id]
        where = f"node '{node.name}' ({node.type}): "
    graph_part = f"[{diag.graph}] " if diag.graph and diag.graph != "model" else ""
    return f"{file}: {graph_part}{where}{diag.severity}: {diag.message}"


def shapes_table(graph: Graph, analysis: Analysis) -> str:
    rows = [("node", "type", "output shape", "params", "multiply-adds")]
    for nid in analysis.order:
        node, info = graph.nodes[nid], analysis.nodes[nid]
        shape = ", ".join(str(s) for s in info.outputs.values())
        if not info.outputs:
            shape = "—" if node.spec.outputs else "(end)"
        rows.append((node.name, node.type, shape, f"{info.params:,}", f"{info.macs:,}"))
    rows.append(("total", "", "", f"{analysis.total_params:,}", f"{analysis.total_macs:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for i, r in enumerate(rows):
        cells = [r[j].ljust(widths[j]) if j < 3 else r[j].rjust(widths[j]) for j in range(5)]
        lines.append("  ".join(cells).rstrip())
        if i == 0 or i == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
