"""Every layer the catalog imports from ONNX comes back from netbuilder's own export, computing the same.

Each graph chains a family of layers with their less common settings (per-axis sizes, groups, dilation,
ceil_mode, uneven padding, several output ports); it is exported (both exporters), imported, and the
imported graph must give onnxruntime's outputs on the exported file and hold the layers it was drawn with
(or, for layers exporters write as several operators, the layers those import as). LocalResponseNorm is
the exception: torch exports it as a 5-D pad and pool, not as ONNX LRN, so only LRN itself imports.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
import torch

from netbuilder.compile import build
from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.onnx_out import export_onnx
from netbuilder.graph import Graph, Node
from tests.export.conftest import ort_run, random_batch

Layer = tuple[str, dict[str, Any]]


def _chain(g: Graph, start: Node, layers: list[Layer]) -> Node:
    prev = start
    for kind, params in layers:
        node = g.add_node(kind, params=params)
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    return prev


def _graph(input_params: dict[str, Any], layers: list[Layer]) -> Graph:
    g = Graph("model")
    last = _chain(g, g.add_node("Input", params=input_params, name="x"), layers)
    g.connect(last.id, "out", g.add_node("Output", name="y").id, "in")
    return g


IMAGE = {"kind": "image", "channels": 4, "height": 12, "width": 11}
SEQUENCE = {"kind": "sequence", "length": 8, "features": 10}  # as channels × length: 8 channels of 10 steps

CONVOLUTIONS = [
    ("Conv2d", {"out_channels": 8, "groups": 2, "kernel_size": [3, 2], "stride": [1, 2], "padding": [1, 0],
                "dilation": [2, 1]}),
    ("ZeroPad2d", {"padding": [1, 2, 0, 1]}),
    ("MaxPool2d", {"kernel_size": [3, 2], "stride": [2, 1], "dilation": [1, 2], "ceil_mode": True}),
    ("Conv2d", {"out_channels": 8, "groups": 8, "kernel_size": 3, "padding": 1, "bias": False}),  # depthwise
    ("ReflectionPad2d", {"padding": 1}),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ("ReplicationPad2d", {"padding": [0, 1, 1, 0]}),
    ("ConstantPad2d", {"padding": 1, "value": 0.5}),
    ("PReLU", {"per_channel": True}),
    ("Conv2d", {"out_channels": 16, "kernel_size": 1}),
    ("PixelShuffle", {"upscale_factor": 2}),
    ("ConvTranspose2d", {"out_channels": 6, "groups": 2, "kernel_size": [3, 2], "stride": [2, 1], "padding": 1,
                         "output_padding": [1, 0], "dilation": [1, 2]}),
    ("AdaptiveMaxPool2d", {"output_size": 1}),
    ("Flatten", {}),
]

SEQUENCES = [
    ("Conv1d", {"out_channels": 6, "groups": 2, "kernel_size": 3, "dilation": 2, "padding": 2}),
    ("MaxPool1d", {"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2}),
    ("ConvTranspose1d", {"out_channels": 4, "kernel_size": 3, "stride": 2, "output_padding": 1, "groups": 2}),
    ("AvgPool1d", {"kernel_size": 2, "ceil_mode": True}),
    ("AdaptiveAvgPool1d", {"output_size": 1}),
    ("Flatten", {}),
]

ACTIVATIONS = [
    ("Linear", {"out_features": 12}), ("ReLU6", {}), ("Linear", {"out_features": 12}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 2.0}), ("Hardswish", {}), ("Hardsigmoid", {}), ("Mish", {}),
    ("SELU", {}), ("Softplus", {"beta": 2.0, "threshold": 10.0}), ("Softsign", {}), ("Abs", {}), ("Exp", {}),
    ("PReLU", {}), ("GLU", {}), ("Softmin", {}),
]

ARITHMETIC = [
    ("Linear", {"out_features": 6}), ("LayerNorm", {}), ("Negate", {}), ("Power", {"exponent": 2.0}),
    ("Scale", {"per": "feature", "value": 0.5, "learnable": False}), ("Bias", {"per": "one", "value": -1.0}),
    ("Unsqueeze", {"dim": 0}), ("Permute", {"dims": [1, 0]}), ("Reduce", {"op": "max", "dims": [1]}),
]


def _merges() -> Graph:
    """A Split with three parts, joined again by the merges of several inputs."""
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "tabular", "features": 9}, name="x")
    split = _chain(g, x, [("Split", {"sizes": [3]})])
    parts = ["out", "out2", "out3"]
    merged = []
    for kind in ("Sum", "Average", "Maximum", "Minimum"):
        node = g.add_node(kind)
        for port, part in zip("abc", parts):
            g.connect(split.id, part, node.id, port)
        merged.append(node)
    diff, ratio = g.add_node("Subtract"), g.add_node("Divide")
    g.connect(merged[0].id, "out", diff.id, "a")
    g.connect(merged[1].id, "out", diff.id, "b")
    g.connect(merged[2].id, "out", ratio.id, "a")
    positive = _chain(g, merged[3], [("Exp", {})])
    g.connect(positive.id, "out", ratio.id, "b")
    total = g.add_node("Sum")
    g.connect(diff.id, "out", total.id, "a")
    g.connect(ratio.id, "out", total.id, "b")
    g.connect(total.id, "out", g.add_node("Output", name="y").id, "in")
    return g


# graph, the layer types it must import back as (with how many of each, at least)
CASES: dict[str, tuple[Graph, Counter[str]]] = {
    "convolutions": (_graph(IMAGE, CONVOLUTIONS), Counter(
        {"Conv2d": 3, "MaxPool2d": 1, "AvgPool2d": 1, "PReLU": 1, "ConvTranspose2d": 1,
         "ZeroPad2d": 1, "ReflectionPad2d": 1, "ReplicationPad2d": 1, "ConstantPad2d": 1})),
    "sequences": (_graph(SEQUENCE, SEQUENCES), Counter(
        {"Conv1d": 1, "MaxPool1d": 1, "ConvTranspose1d": 1, "AvgPool1d": 1})),
    "activations": (_graph({"kind": "tabular", "features": 5}, ACTIVATIONS), Counter(
        {"ReLU6": 1, "Hardtanh": 1, "Hardswish": 1, "Hardsigmoid": 1, "Mish": 1, "SELU": 1, "Softplus": 1,
         "Softsign": 1, "Abs": 1, "Exp": 1, "PReLU": 1})),
    "arithmetic": (_graph({"kind": "tabular", "features": 5}, ARITHMETIC), Counter(
        {"LayerNorm": 1, "Negate": 1, "Power": 1, "Scale": 1, "Bias": 1, "Unsqueeze": 1, "Permute": 1,
         "Reduce": 1})),
    "merges": (_merges(), Counter({"Split": 1, "Maximum": 1, "Minimum": 1, "Subtract": 1, "Divide": 1})),
}


# Layers an exporter writes as several operators, which import as those (the outputs still agree).
DECOMPOSED = {"auto": ("Softsign",), "torchscript": ("Mish", "Softsign")}


def _imported_outputs(path, arrays: list[np.ndarray]) -> tuple[Counter[str], list[np.ndarray]]:
    project, state = import_onnx(path)
    graph = project.graphs["model"]
    compiled = build(graph, "inference")
    compiled.load_state_dict(state)
    compiled.eval()
    with torch.no_grad():
        out = compiled.model(*[torch.from_numpy(a) for a in arrays])
    outs = list(out) if isinstance(out, tuple) else [out]
    return Counter(n.type for n in graph.nodes.values()), [o.numpy() for o in outs]


@pytest.mark.parametrize("exporter", ["auto", "torchscript"])
@pytest.mark.parametrize("case", CASES)
def test_a_family_of_layers_exports_and_imports_back_computing_the_same(tmp_path, case, exporter):
    graph, expected = CASES[case]
    torch.manual_seed(0)
    first = export_onnx(graph, tmp_path / f"{case}.onnx", exporter=exporter).path
    arrays = random_batch(first, 3, seed=4)
    types, got = _imported_outputs(first, arrays)
    for want, mine in zip(ort_run(first, *arrays), got):
        assert want.shape == mine.shape
        assert np.abs(want - mine).max() <= 1e-4 * max(1.0, float(np.abs(want).max()))
    expected -= Counter(DECOMPOSED.get(exporter, ()))
    assert not expected - types, f"missing after import: {expected - types}"
