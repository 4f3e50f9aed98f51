"""Which ports a new layer is wired through: after a selected node, from a wire dropped on empty canvas,
or into the middle of an existing wire. Pure model questions (no Qt), asked before any edit is made."""

from __future__ import annotations

from dataclasses import dataclass

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.catalog import ShapeError, TensorShape, get_spec
from netbuilder.graph.model import Graph


@dataclass(frozen=True)
class PortRef:
    """One port of one node."""

    node_id: str
    port: str
    is_output: bool


def free_output(graph: Graph, node_id: str) -> str | None:
    """The node's first output port that feeds nothing yet, or None."""
    used = {e.source_port for e in graph.edges_out_of(node_id)}
    return next((p.name for p in graph.nodes[node_id].spec.outputs if p.name not in used), None)


def first_input(layer_type: str) -> str | None:
    spec = get_spec(layer_type)
    return spec.inputs[0].name if spec.inputs else None


def first_output(layer_type: str) -> str | None:
    spec = get_spec(layer_type)
    return spec.outputs[0].name if spec.outputs else None


def takes(layer_type: str, port: str, shape: TensorShape | None) -> bool:
    """Whether a new ``layer_type`` with its default settings accepts ``shape`` on input ``port``.

    Only a shape rule's own refusal counts as "does not fit": a layer with other inputs still unwired
    (a loss waiting for its target) cannot be judged yet, so it fits. An unknown shape fits too.
    """
    if shape is None:
        return True
    spec = get_spec(layer_type)
    try:
        spec.infer(spec.resolved({}), {port: shape})
    except ShapeError:
        return False
    except (KeyError, IndexError, TypeError, ValueError):
        return True  # other inputs missing: nothing to say yet
    return True


def output_shape(analysis: Analysis | None, port: PortRef) -> TensorShape | None:
    if analysis is None or not port.is_output:
        return None
    info = analysis.nodes.get(port.node_id)
    return info.outputs.get(port.port) if info is not None else None


def after_fits(graph: Graph, analysis: Analysis | None, source: PortRef, layer_type: str) -> str | None:
    """The input port of a new ``layer_type`` to wire ``source`` into, when the wire is allowed and the types
    fit; None otherwise."""
    port = first_input(layer_type)
    if port is None or not source.is_output or source.node_id not in graph.nodes:
        return None
    return port if takes(layer_type, port, output_shape(analysis, source)) else None
