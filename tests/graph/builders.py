"""Small graphs for the graph tests."""

from __future__ import annotations

from netbuilder.graph import Graph


def classifier(features: int = 4, classes: int = 3) -> tuple[Graph, dict[str, str]]:
    """Input -> Linear -> ReLU -> Linear -> (loss with Target, Output). Returns the graph and node ids by name."""
    g = Graph()
    ids = {}
    for name, kind, params in [
        ("x", "Input", {"kind": "tabular", "features": features}),
        ("fc1", "Linear", {"out_features": 8}),
        ("act", "ReLU", {}),
        ("fc2", "Linear", {"out_features": classes}),
        ("y", "Target", {"kind": "classes", "classes": classes}),
        ("loss", "CrossEntropyLoss", {}),
        ("out", "Output", {}),
    ]:
        ids[name] = g.add_node(kind, name=name, params=params).id
    for a, b, port in [("x", "fc1", "in"), ("fc1", "act", "in"), ("act", "fc2", "in"), ("fc2", "loss", "pred"),
                       ("y", "loss", "target"), ("fc2", "out", "in")]:
        g.connect(ids[a], "out", ids[b], port)
    return g, ids
