"""Mistakes that are legal shapes but wrong maths, explained the way a teacher would."""

from __future__ import annotations

from collections.abc import Callable

from netbuilder.graph.catalog import CATALOG, TensorShape, target_kind
from netbuilder.graph.diagnostics import ERROR, WARNING, Diagnostic
from netbuilder.graph.model import Edge, Graph, Node

ShapeOf = Callable[[str, str], TensorShape | None]  # (node id, output port) -> the shape inferred there

# loss type -> (layer types that must not feed it, advice)
_DOUBLE_SQUASH = {
    "CrossEntropyLoss": ({"Softmax", "LogSoftmax"}, "CrossEntropyLoss applies softmax itself; remove the {src} "
                         "or the scores get squashed twice and training stalls"),
    "BCEWithLogitsLoss": ({"Sigmoid"}, "BCEWithLogitsLoss applies the sigmoid itself; remove the Sigmoid, or use "
                          "BCELoss instead"),
}
_NEEDS = {
    "NLLLoss": ("LogSoftmax", "NLLLoss expects log-probabilities; put a LogSoftmax before it, or use "
                "CrossEntropyLoss on raw scores"),
    "BCELoss": ("Sigmoid", "BCELoss expects probabilities between 0 and 1; put a Sigmoid before it, or use "
                "BCEWithLogitsLoss on raw scores"),
}


def loss_hints(graph: Graph, shape_of: ShapeOf) -> list[Diagnostic]:
    """Warnings (and class-count errors) about what feeds each loss node."""
    out: list[Diagnostic] = []
    for node in graph.nodes.values():
        if node.type not in _DOUBLE_SQUASH and node.type not in _NEEDS and node.type not in (
                "CrossEntropyLoss", "NLLLoss"):
            continue
        pred_edge = graph.edge_into(node.id, "pred")
        if pred_edge is None or pred_edge.source not in graph.nodes:
            continue
        src: Node = graph.nodes[pred_edge.source]
        label = f"{node.type} '{node.name}'"
        if node.type in _DOUBLE_SQUASH:
            bad, advice = _DOUBLE_SQUASH[node.type]
            if src.type in bad:
                out.append(Diagnostic(WARNING, "hint", f"{label}: " + advice.format(src=f"{src.type} '{src.name}'"),
                                      node.id, graph=graph.name))
        if node.type in _NEEDS:
            needed, advice = _NEEDS[node.type]
            if src.type != needed:
                out.append(Diagnostic(WARNING, "hint", f"{label}: {advice}", node.id, graph=graph.name))
        if node.type in ("CrossEntropyLoss", "NLLLoss"):
            out += _class_count(graph, node, pred_edge, shape_of, label)
    return out


def _class_count(graph: Graph, loss: Node, pred_edge: Edge, shape_of: ShapeOf, label: str) -> list[Diagnostic]:
    target_edge = graph.edge_into(loss.id, "target")
    if target_edge is None or target_edge.source not in graph.nodes:
        return []
    target = graph.nodes[target_edge.source]
    spec = CATALOG.get(target.type)
    if spec is None or spec.role != "target" or target_kind(target.values()) != "classes":
        return []
    pred = shape_of(pred_edge.source, pred_edge.source_port)
    if pred is None or not pred.dims:
        return []
    scores, classes = pred.dims[0], target.values()["classes"]
    if isinstance(classes, bool) or not isinstance(classes, int):
        return []  # a malformed class count: the parameter check already reports it on the Target
    src = graph.nodes[pred_edge.source]
    if scores < classes:
        return [Diagnostic(ERROR, "classes", f"{label}: the Target '{target.name}' has {classes} classes but "
                           f"'{src.name}' gives only {scores} scores — give the last layer {classes} outputs",
                           loss.id, graph=graph.name)]
    if scores > classes:
        return [Diagnostic(WARNING, "classes", f"{label}: '{src.name}' gives {scores} scores for {classes} classes "
                           f"— the extra {scores - classes} are never the right answer; use {classes} outputs",
                           loss.id, graph=graph.name)]
    return []
