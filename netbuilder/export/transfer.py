"""Transfer learning on an imported model: keep its body, give it a new head for a new set of classes."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import torch

from netbuilder.export.errors import OnnxImportError
from netbuilder.graph.analysis import analyze
from netbuilder.graph.layout import auto_layout
from netbuilder.graph.model import Graph, Node
from netbuilder.graph.project import Project
from netbuilder.graph.schemes import SUPERVISED
from netbuilder.graph.settings import DatasetSettings

# Weightless layers a classifier may put between its head and its Output: each keeps the class count (a
# SqueezeNet ends Conv2d → ReLU → global pool → Softmax, a DenseNet on a 1×1 Conv2d, most on Linear → Softmax).
_HEAD_TAIL = frozenset({"Softmax", "LogSoftmax", "Sigmoid", "Dropout", "Flatten", "Identity", "ReLU",
                        "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "AdaptiveAvgPool1d"})
# What turns scores into probabilities: the loss takes the scores from before it.
_PROBABILITIES = frozenset({"Softmax", "LogSoftmax", "Sigmoid"})
# The layers whose output count is the class count: (layer type, the parameter that sets it).
_HEADS = {"Linear": "out_features", "Conv2d": "out_channels", "Conv1d": "out_channels"}


@dataclass
class Head:
    """A classifier's head: the layer that makes one score per class, and what the loss should be fed."""

    layer: Node  # the last weighted layer: its output count is the class count
    scores: Node  # the last layer before any Softmax/Sigmoid: raw scores, what a CrossEntropyLoss takes


def find_classifier_head(graph: Graph) -> Head:
    """The head feeding the (single) Output, looking through weightless tails (Softmax, pools, Flatten...)."""
    outputs = [n for n in graph.nodes.values() if n.spec.role == "output"]
    if len(outputs) != 1:
        raise OnnxImportError(f"a new head needs a graph with one Output; this one has {len(outputs)}")
    chain: list[Node] = []  # from the Output back to the head
    edge = graph.edge_into(outputs[0].id, "in")
    node = graph.nodes[edge.source] if edge else None
    while node is not None and node.type in _HEAD_TAIL and len(graph.edges_into(node.id)) == 1:
        chain.append(node)
        edge = graph.edge_into(node.id, "in")
        node = graph.nodes[edge.source] if edge else None
    if node is None or node.type not in _HEADS:
        found = f"{node.type} '{node.name}'" if node is not None else "nothing"
        raise OnnxImportError(f"the Output is fed by {found}, not a Linear or Conv2d layer (through Softmax, "
                              "pooling or Flatten), so there is no head to replace")
    scores = node
    for tail in reversed(chain):  # forward from the head: the scores end where probabilities begin
        if tail.type in _PROBABILITIES:
            break
        scores = tail
    return Head(node, scores)


def retarget(project: Project, state: dict[str, torch.Tensor], classes: int, *, dataset: str | None = None,
             dataset_options: dict | None = None,
             freeze: bool = True) -> tuple[Project, dict[str, torch.Tensor]]:
    """Replace the head Linear with one of ``classes`` outputs, freeze what comes before it, add a loss.

    The returned checkpoint holds the body's weights only: the new head starts
    fresh, and ``netbuilder train P --init-from CKPT --freeze-loaded`` loads
    (and freezes) exactly the body.
    """
    from netbuilder.compile.builder import attribute_names

    if classes < 2:
        raise ValueError("a classifier needs at least 2 classes")
    graph = project.graphs["model"]
    found = find_classifier_head(graph)
    head = found.layer
    graph.set_param(head.id, _HEADS[head.type], classes)
    if freeze:
        for nid in nx.ancestors(graph.nx, head.id):
            node = graph.nodes[nid]
            if node.spec.has_weights:
                graph.set_options(nid, trainable=False)
    target = graph.add_node("Target", name="labels", params={"kind": "classes", "classes": classes})
    loss = graph.add_node("CrossEntropyLoss", name="loss")
    scores = _flat_scores(graph, found.scores)
    graph.connect(scores.id, "out", loss.id, "pred")
    graph.connect(target.id, "out", loss.id, "target")
    auto_layout(graph)
    if dataset:
        project.dataset = DatasetSettings(dataset, options=dict(dataset_options or {}))
    project.training.scheme = SUPERVISED.name  # a fine-tuned classifier learns from labels
    head_key = attribute_names(graph)[head.id] + "."
    return project, {k: v for k, v in state.items() if not k.startswith(head_key)}


def _flat_scores(graph: Graph, scores: Node) -> Node:
    """The scores as one number per class: a conv head's C×1×1 goes through a Flatten on its way to the loss
    (a class-id target has no spatial axes)."""
    shape = analyze(graph, "train").output_shape(scores.id)
    if shape is None or shape.rank <= 1:
        return scores
    if any(d != 1 for d in shape.dims[1:]):
        raise OnnxImportError(f"the head's scores ('{scores.name}') are {shape.sample}, not one number per class: "
                              "a convolutional head needs a global pool after it")
    flat = graph.add_node("Flatten", name=f"{scores.name}_flat")
    graph.connect(scores.id, "out", flat.id, "in")
    return flat
