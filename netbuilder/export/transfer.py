"""Transfer learning on an imported model: keep its body, give it a new head for a new set of classes."""

from __future__ import annotations

import networkx as nx
import torch

from netbuilder.export.errors import OnnxImportError
from netbuilder.graph.schemes import SUPERVISED
from netbuilder.graph.layout import auto_layout
from netbuilder.graph.model import Graph, Node
from netbuilder.graph.project import Project
from netbuilder.graph.settings import DatasetSettings

# Layers a classifier may put between its last Linear and its Output (they keep the class count).
_HEAD_TAIL = ("Softmax", "LogSoftmax", "Sigmoid", "Dropout")


def find_head(graph: Graph) -> Node:
    """The last Linear before the (single) Output, looking through a final Softmax or similar."""
    outputs = [n for n in graph.nodes.values() if n.spec.role == "output"]
    if len(outputs) != 1:
        raise OnnxImportError(f"a new head needs a graph with one Output; this one has {len(outputs)}")
    edge = graph.edge_into(outputs[0].id, "in")
    node = graph.nodes[edge.source] if edge else None
    while node is not None and node.type in _HEAD_TAIL:
        edge = graph.edge_into(node.id, "in")
        node = graph.nodes[edge.source] if edge else None
    if node is None or node.type != "Linear":
        found = node.type if node is not None else "nothing"
        raise OnnxImportError(f"the Output is fed by {found}, not a Linear layer, so there is no head to replace")
    return node


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
    head = find_head(graph)
    graph.set_param(head.id, "out_features", classes)
    if freeze:
        for nid in nx.ancestors(graph.nx, head.id):
            node = graph.nodes[nid]
            if node.spec.has_weights:
                graph.set_options(nid, trainable=False)
    target = graph.add_node("Target", name="labels", params={"kind": "classes", "classes": classes})
    loss = graph.add_node("CrossEntropyLoss", name="loss")
    graph.connect(head.id, "out", loss.id, "pred")
    graph.connect(target.id, "out", loss.id, "target")
    auto_layout(graph)
    if dataset:
        project.dataset = DatasetSettings(dataset, options=dict(dataset_options or {}))
    project.training.scheme = SUPERVISED.name  # a fine-tuned classifier learns from labels
    head_key = attribute_names(graph)[head.id] + "."
    return project, {k: v for k, v in state.items() if not k.startswith(head_key)}
