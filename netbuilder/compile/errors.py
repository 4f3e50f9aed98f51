"""Why a graph could not be compiled or run, in the user's words."""

from __future__ import annotations

from netbuilder.graph.diagnostics import Diagnostic


class GraphCompileError(ValueError):
    """The graph has errors; ``diagnostics`` lists them (the message repeats them)."""

    def __init__(self, graph_name: str, diagnostics: list[Diagnostic]) -> None:
        self.graph_name = graph_name
        self.diagnostics = diagnostics
        lines = "\n".join(f"  - {d.message}" for d in diagnostics)
        super().__init__(f"the graph '{graph_name}' has {len(diagnostics)} error(s) and cannot be compiled:\n{lines}")


class NodeRuntimeError(RuntimeError):
    """Running the compiled network failed inside one node."""

    def __init__(self, node_name: str, layer_type: str, cause: BaseException) -> None:
        self.node_name, self.layer_type, self.cause = node_name, layer_type, cause
        super().__init__(f"{layer_type} '{node_name}' failed while running: {cause}")
