"""Small graphs for the compile tests: one per catalog entry, and the parity networks."""

from __future__ import annotations

from typing import Any

from netbuilder.graph import CATALOG, Graph, Node, analyze

IMAGE = {"kind": "image", "channels": 3, "height": 16, "width": 16}
SEQUENCE = {"kind": "sequence", "length": 10, "features": 8}
TOKENS = {"kind": "tokens", "length": 10}
TABULAR = {"kind": "tabular", "features": 8}

_IMAGE_LAYERS = {"Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
                 "Upsample", "BatchNorm2d", "LocalResponseNorm", "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d",
                 "ReplicationPad2d"}
_SEQUENCE_LAYERS = {"RNN", "LSTM", "GRU", "MultiheadAttention", "TransformerEncoderLayer", "Conv1d", "ConvTranspose1d",
                    "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "Permute", "Reduce", "Split",
                    "ClassToken", "Select"}
# Inputs of a particular size: channels a PixelShuffle can fold, a last dimension of 1 to squeeze.
_INPUTS: dict[str, dict[str, Any]] = {
    "PixelShuffle": {"kind": "image", "channels": 8, "height": 5, "width": 6},
    "Squeeze": {"kind": "sequence", "length": 10, "features": 1},
}

# Parameters a layer needs to accept its typical input (defaults elsewhere).
_PARAMS: dict[str, dict[str, Any]] = {"Reshape": {"shape": [2, 4]}, "Embedding": {"num_embeddings": 20}}

# What a loss needs in front of it so the random prediction is valid, and its target.
_LOSS_HEAD: dict[str, tuple[str | None, dict[str, Any]]] = {
    "CrossEntropyLoss": (None, {"kind": "classes", "classes": 3}),
    "NLLLoss": ("LogSoftmax", {"kind": "classes", "classes": 3}),
    "BCELoss": ("Sigmoid", {"kind": "values", "shape": [3]}),
}


def typical_input(layer_type: str) -> dict[str, Any]:
    """The Input parameters of a sample a layer typically takes: image, sequence, tokens or a row."""
    if layer_type in _INPUTS:
        return _INPUTS[layer_type]
    if layer_type in _IMAGE_LAYERS:
        return IMAGE
    if layer_type in _SEQUENCE_LAYERS:
        return SEQUENCE
    if layer_type == "Embedding":
        return TOKENS
    return TABULAR


def add(g: Graph, layer_type: str, name: str | None = None, **params: Any) -> Node:
    return g.add_node(layer_type, name=name, params=params)


def chain(g: Graph, start: Node, *layers: tuple[str, dict[str, Any]] | str) -> Node:
    """Add layers one after another from ``start`` (wiring out -> in); returns the last."""
    prev = start
    for layer in layers:
        kind, params = (layer, {}) if isinstance(layer, str) else layer
        params = dict(params)
        name = params.pop("name", None)
        node = g.add_node(kind, params=params, name=name)
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    return prev


def output(g: Graph, node: Node, name: str = "prediction") -> Node:
    out = g.add_node("Output", name=name)
    g.connect(node.id, "out", out.id, "in")
    return out


def loss_head(g: Graph, pred: Node, loss_type: str, target: dict[str, Any], name: str = "loss") -> Node:
    t = g.add_node("Target", name="labels", params=target)
    loss = g.add_node(loss_type, name=name)
    g.connect(pred.id, "out", loss.id, "pred")
    g.connect(t.id, "out", loss.id, "target")
    return loss


def catalog_graph(layer_type: str, **params: Any) -> tuple[Graph, str]:
    """A minimal valid graph around one layer of ``layer_type``; returns it with its purpose."""
    spec = CATALOG[layer_type]
    g = Graph(layer_type.lower())
    if spec.role == "loss" or layer_type == "Target":
        loss_type = layer_type if spec.role == "loss" else "CrossEntropyLoss"
        before, target = _LOSS_HEAD.get(loss_type, (None, {"kind": "values", "shape": [3]}))
        x = add(g, "Input", "x", **TABULAR)
        pred = chain(g, x, ("Linear", {"out_features": 3}), *([before] if before else []))
        loss_head(g, pred, loss_type, target)
        return g, "train"
    x = add(g, "Input", "x", **typical_input(layer_type))
    if layer_type in ("Input", "Output"):
        output(g, x)
        return g, "inference"
    if spec.role == "layer" and len(spec.inputs) >= 2:  # a merge: a branch of the same shape into every port
        merge = g.add_node(layer_type, params={**_PARAMS.get(layer_type, {}), **params})
        for port in spec.inputs:
            branch = chain(g, x, ("Linear", {"out_features": 6}))
            g.connect(branch.id, "out", merge.id, port.name)
        output(g, merge)
        return g, "inference"
    layer = chain(g, x, (layer_type, {**_PARAMS.get(layer_type, {}), **params}))
    given = analyze(g, "edit").nodes[layer.id].outputs  # the ports these settings give (a Split's parts)
    for port in spec.outputs:  # every part of a layer with several outputs is returned
        if port.name in given:
            out = g.add_node("Output", name="prediction" if port.name == "out" else f"prediction_{port.name}")
            g.connect(layer.id, port.name, out.id, "in")
    return g, "inference"


def inferred_shapes(graph: Graph, analysis) -> dict[str, tuple[int, ...]]:
    """Node name -> inferred per-sample output shape, for every node that has an output."""
    return {graph.nodes[nid].name: info.outputs["out"].dims
            for nid, info in analysis.nodes.items() if "out" in info.outputs}
