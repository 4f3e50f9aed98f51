"""Validate a graph and infer every tensor shape: the `Analysis` every part reads.

The work is done by the check passes in `netbuilder.graph.checks`, in order:
structure is checked with networkx (loops, loose ports, unreachable or dead-end
layers); shapes are inferred in topological order from the Input and Target
nodes with a symbolic batch dimension. A rule that cannot apply yields a
`Diagnostic` on its node and leaves everything downstream unknown, so one
mistake gives one message, not a cascade.
"""

from __future__ import annotations

from dataclasses import dataclass

from netbuilder.graph.bulk import collector_paused
from netbuilder.graph.catalog import TensorShape
from netbuilder.graph.checks import CHECKS, REQUIRES, NodeInfo, run_checks
from netbuilder.graph.diagnostics import Diagnostic
from netbuilder.graph.model import Graph

__all__ = ["REQUIRES", "Analysis", "NodeInfo", "analyze"]


@dataclass
class Analysis:
    """The result of `analyze`: diagnostics, a shape per edge, and counts per node."""

    diagnostics: list[Diagnostic]
    nodes: dict[str, NodeInfo]
    edge_shapes: dict[str, TensorShape]
    order: list[str]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_params(self) -> int:
        return sum(i.params for i in self.nodes.values())

    @property
    def total_macs(self) -> int:
        return sum(i.macs for i in self.nodes.values())

    def for_node(self, node_id: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.node_id == node_id]

    def output_shape(self, node_id: str, port: str = "out") -> TensorShape | None:
        info = self.nodes.get(node_id)
        return info.outputs.get(port) if info else None


def analyze(graph: Graph, purpose: str = "train") -> Analysis:
    """Check ``graph`` for ``purpose`` (a key of REQUIRES) and infer all shapes.

    The result is cached on the graph until its revision changes (moving a node
    does not change it), so callers must treat it as read-only.
    """
    cached = graph.analysis_cache.get(purpose)
    if cached is not None and cached[0] == graph.revision:
        return cached[1]
    result = _analyze(graph, purpose)
    graph.analysis_cache[purpose] = (graph.revision, result)
    return result


def _analyze(graph: Graph, purpose: str) -> Analysis:
    with collector_paused():  # a NodeInfo and shapes per node, all kept: see `netbuilder.graph.bulk`
        ctx = run_checks(graph, purpose, CHECKS)
    return Analysis(ctx.diagnostics, ctx.infos, ctx.edge_shapes, ctx.order)
