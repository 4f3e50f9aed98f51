"""One test per catalog entry: its shape rule on a typical input, and its parameter count, agree with torch."""

from __future__ import annotations

import operator

import pytest
import torch

from netbuilder.graph.catalog import CATALOG, CATEGORIES, TensorShape
from netbuilder.graph.catalog.spec import ShapeError

IMAGE = TensorShape((3, 12, 12))
SEQUENCE = TensorShape((10, 8))
TABULAR = TensorShape((20,))

# A typical input for each layer family; anything not listed takes a flat vector.
TYPICAL: dict[str, dict[str, TensorShape]] = {
    **{t: {"in": IMAGE} for t in ("Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                                  "AdaptiveMaxPool2d", "Upsample", "BatchNorm2d", "Flatten", "LocalResponseNorm",
                                  "ZeroPad2d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d")},
    **{t: {"in": SEQUENCE} for t in ("RNN", "LSTM", "GRU", "MultiheadAttention", "TransformerEncoderLayer",
                                     "Conv1d", "ConvTranspose1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
                                     "AdaptiveMaxPool1d", "LayerNorm", "Reduce", "Split", "Softmin", "Permute",
                                     "ClassToken", "Select")},
    "Embedding": {"in": TensorShape((10,), "int")},
    "Reshape": {"in": TensorShape((784,))},
    "PixelShuffle": {"in": TensorShape((8, 5, 6))},
    "Squeeze": {"in": TensorShape((8, 1))},
    "Add": {"a": TABULAR, "b": TABULAR},
    "Multiply": {"a": TABULAR, "b": TABULAR},
    "Subtract": {"a": TABULAR, "b": TABULAR},
    "Divide": {"a": TABULAR, "b": TABULAR},
    **{t: {"a": SEQUENCE, "b": SEQUENCE, "c": SEQUENCE} for t in ("Sum", "Average", "Maximum", "Minimum")},
    "Concatenate": {"a": IMAGE, "b": TensorShape((5, 12, 12))},
    "CrossEntropyLoss": {"pred": TensorShape((10,)), "target": TensorShape((), "int")},
    "NLLLoss": {"pred": TensorShape((10,)), "target": TensorShape((), "int")},
}

LAYERS = sorted(t for t, s in CATALOG.items() if s.role == "layer")
LOSSES = sorted(t for t, s in CATALOG.items() if s.role == "loss")


def typical_inputs(layer_type: str) -> dict[str, TensorShape]:
    spec = CATALOG[layer_type]
    if spec.role == "loss":
        return TYPICAL.get(layer_type, {"pred": TensorShape((5,)), "target": TensorShape((5,))})
    return TYPICAL.get(layer_type, {"in": TABULAR})


def sample(shape: TensorShape, batch: int = 4) -> torch.Tensor:
    if shape.dtype == "int":
        return torch.randint(0, 10, (batch, *shape.dims))
    return torch.rand(batch, *shape.dims)


def run_torch(layer_type: str, values, ins) -> tuple[torch.Tensor, int]:
    """Build the real torch layer from the catalog's TorchSpec; return its output and parameter count."""
    tspec = CATALOG[layer_type].torch
    args = tspec.args(values, ins)
    xs = [sample(ins[p.name]) for p in CATALOG[layer_type].inputs if p.name in ins]
    if tspec.module is None:
        if tspec.call == "reshape":
            return torch.reshape(xs[0], args["shape"]), 0
        if tspec.call == "cat":
            return torch.cat(xs, dim=args["dim"]), 0
        return {"add": operator.add, "mul": operator.mul}[tspec.call](*xs), 0
    module_path, _, cls = tspec.module.rpartition(".")
    module = getattr(__import__(module_path, fromlist=[cls]), cls)(**args).eval()
    count = sum(p.numel() for p in module.parameters())
    with torch.no_grad():
        if tspec.call == "rnn":
            out = module(xs[0])[0]
            if not values["return_sequence"]:
                out = out[:, -1]
        elif tspec.call == "self_attention":
            out = module(xs[0], xs[0], xs[0], need_weights=False)[0]
        else:
            out = module(*xs)
    return out, count


def _assert_rule_matches_torch(layer_type: str, values, ins) -> None:
    spec = CATALOG[layer_type]
    outs = spec.infer(values, ins)
    out, torch_params = run_torch(layer_type, values, ins)
    parts = out if isinstance(out, tuple) else (out,)  # a layer with several output ports returns a tuple
    assert {port: tuple(t.shape[1:]) for port, t in zip(outs, parts)} == {p: s.dims for p, s in outs.items()}
    assert len(parts) == len(outs)
    assert spec.count_params(values, ins, outs) == torch_params
    assert spec.count_macs(values, ins, outs) >= 0


@pytest.mark.parametrize("layer_type", LAYERS)
def test_layer_shape_rule_and_parameter_count_match_torch(layer_type):
    spec = CATALOG[layer_type]
    _assert_rule_matches_torch(layer_type, spec.defaults(), typical_inputs(layer_type))


# Settings that change the shape or the weights: per-axis sizes, groups, dilation, ceil_mode, several parts…
VARIANTS: list[tuple[str, dict, dict[str, TensorShape]]] = [
    ("Conv2d", {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2]}, {"in": IMAGE}),
    ("Conv2d", {"groups": 3, "out_channels": 6}, {"in": IMAGE}),  # depthwise with a multiplier of 2
    ("Conv1d", {"groups": 2, "out_channels": 4, "dilation": 2, "bias": False}, {"in": SEQUENCE}),
    ("ConvTranspose2d", {"kernel_size": [3, 2], "stride": [3, 2], "padding": 1, "output_padding": [1, 0]},
     {"in": IMAGE}),
    ("ConvTranspose2d", {"groups": 3, "out_channels": 6, "dilation": 2}, {"in": IMAGE}),
    ("ConvTranspose1d", {"kernel_size": 3, "stride": 2, "output_padding": 1, "groups": 2, "out_channels": 4},
     {"in": SEQUENCE}),
    ("MaxPool2d", {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [2, 1]}, {"in": IMAGE}),
    ("MaxPool2d", {"kernel_size": 3, "stride": 2, "ceil_mode": True}, {"in": IMAGE}),
    ("AvgPool2d", {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
     {"in": IMAGE}),
    ("MaxPool1d", {"kernel_size": 3, "stride": 2, "padding": 1, "dilation": 2}, {"in": SEQUENCE}),
    ("AvgPool1d", {"kernel_size": 3, "ceil_mode": True}, {"in": SEQUENCE}),
    ("AdaptiveAvgPool2d", {"output_size": [2, 3]}, {"in": IMAGE}),
    ("AdaptiveMaxPool1d", {"output_size": 3}, {"in": SEQUENCE}),
    ("ZeroPad2d", {"padding": [1, 2, 0, 3]}, {"in": IMAGE}),
    ("ConstantPad2d", {"padding": 2, "value": -1.5}, {"in": IMAGE}),
    ("ReflectionPad2d", {"padding": [3, 1, 2, 0]}, {"in": IMAGE}),
    ("PReLU", {"per_channel": True}, {"in": IMAGE}),
    ("GLU", {"dim": 0}, {"in": SEQUENCE}),
    ("Hardtanh", {"min_val": 0.0, "max_val": 6.0}, {"in": TABULAR}),
    ("Softplus", {"beta": 2.0, "threshold": 5.0}, {"in": TABULAR}),
    ("Split", {"dim": 1, "sizes": [2, 5, 1]}, {"in": SEQUENCE}),
    ("Split", {"dim": -1, "sizes": [4]}, {"in": SEQUENCE}),
    ("Permute", {"dims": [2, 0, 1]}, {"in": IMAGE}),
    ("Select", {"dim": -1, "index": -2}, {"in": SEQUENCE}),
    ("Select", {"dim": 1, "index": 4}, {"in": IMAGE}),
    ("Unsqueeze", {"dim": -1}, {"in": SEQUENCE}),
    ("Reduce", {"op": "max", "dims": [1, 2], "keepdim": True}, {"in": IMAGE}),
    ("Reduce", {"op": "sum", "dims": [0, 1]}, {"in": SEQUENCE}),
    ("Power", {"exponent": 0.5}, {"in": TABULAR}),
    ("Scale", {"per": "element", "learnable": False}, {"in": IMAGE}),
    ("Scale", {"per": "one"}, {"in": IMAGE}),
    ("Bias", {"per": "feature"}, {"in": SEQUENCE}),
    ("Bias", {"per": "channel", "value": 0.5}, {"in": IMAGE}),
    ("Sum", {}, {"a": IMAGE, "b": IMAGE, "c": IMAGE, "d": IMAGE}),
]


@pytest.mark.parametrize("layer_type,params,inputs", VARIANTS,
                         ids=[f"{t}-{'-'.join(map(str, p.values()))}" for t, p, _ in VARIANTS])
def test_layer_variants_match_torch(layer_type, params, inputs):
    spec = CATALOG[layer_type]
    values = {**spec.defaults(), **params}
    assert all(spec.param(k).check(v) is None for k, v in params.items())
    _assert_rule_matches_torch(layer_type, values, inputs)


@pytest.mark.parametrize("layer_type", LOSSES)
def test_loss_accepts_its_typical_prediction_and_target(layer_type):
    spec = CATALOG[layer_type]
    ins = typical_inputs(layer_type)
    assert spec.infer(spec.defaults(), ins) == {}
    tspec = spec.torch
    module_path, _, cls = tspec.module.rpartition(".")
    loss = getattr(__import__(module_path, fromlist=[cls]), cls)(**tspec.args(spec.defaults(), ins))
    pred, target = sample(ins["pred"]), sample(ins["target"])
    assert loss(pred, target).dim() == 0


@pytest.mark.parametrize("cell", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("layers,bidirectional,sequence", [(2, True, True), (3, False, False)])
def test_recurrent_variants_match_torch(cell, layers, bidirectional, sequence):
    spec = CATALOG[cell]
    values = {**spec.defaults(), "num_layers": layers, "bidirectional": bidirectional, "return_sequence": sequence,
              "hidden_size": 7}
    ins = {"in": SEQUENCE}
    outs = spec.infer(values, ins)
    out, count = run_torch(cell, values, ins)
    assert spec.count_params(values, ins, outs) == count
    assert outs["out"].dims == ((10, 14) if sequence else (7,))


@pytest.mark.parametrize("layer_type,params,inputs,message", [
    ("Linear", {}, {"in": TensorShape((1, 28, 28))}, "expects a flat input of 784 features but receives 1×28×28"),
    ("Conv2d", {"kernel_size": 5, "padding": 0}, {"in": TensorShape((1, 2, 2))}, "does not fit"),
    ("Conv2d", {}, {"in": TensorShape((64,))}, "expects an image"),
    ("LSTM", {}, {"in": TensorShape((64,))}, "expects a sequence"),
    ("Add", {}, {"a": TensorShape((4,)), "b": TensorShape((5,))}, "same shape"),
    ("Reshape", {"shape": [3, 3]}, {"in": TensorShape((10,))}, "needs 9 values"),
    ("Embedding", {}, {"in": TensorShape((10,))}, "token ids"),
    ("MultiheadAttention", {"num_heads": 3}, {"in": SEQUENCE}, "divisible"),
    ("CrossEntropyLoss", {}, {"pred": TensorShape((10,)), "target": TensorShape((10,), "int")}, "class-id"),
    ("MSELoss", {}, {"pred": TensorShape((3,)), "target": TensorShape((1,))}, "same shape"),
    ("Conv2d", {"groups": 2}, {"in": IMAGE}, "groups=2 must divide both the input channels"),
    ("Conv2d", {"kernel_size": [3, 2, 2]}, {"in": IMAGE}, "kernel_size has 3 values .* slides over 2 axes"),
    ("MaxPool2d", {"kernel_size": [2, 2], "padding": [0, 2]}, {"in": IMAGE}, "at most half the kernel_size"),
    ("ReflectionPad2d", {"padding": 12}, {"in": IMAGE}, "smaller than the side it mirrors"),
    ("ZeroPad2d", {"padding": [1, 2]}, {"in": IMAGE}, "four: left, right, top, bottom"),
    ("PixelShuffle", {}, {"in": IMAGE}, "channels divisible by 4"),
    ("GLU", {}, {"in": TensorShape((7,))}, "must be even"),
    ("Split", {"sizes": [3, 4]}, {"in": SEQUENCE}, "add up to 7, but dimension 0"),
    ("Split", {"sizes": [3]}, {"in": SEQUENCE}, "does not cut into 3 equal parts"),
    ("Squeeze", {"dim": 0}, {"in": SEQUENCE}, "has size 10"),
    ("Permute", {"dims": [0, 0]}, {"in": SEQUENCE}, "must list every dimension"),
    ("ClassToken", {}, {"in": IMAGE}, "prepends a token to a sequence"),
    ("Select", {"index": 10}, {"in": SEQUENCE}, "position 10 does not exist"),
    ("Select", {"dim": 2}, {"in": SEQUENCE}, "dim 2 does not exist"),
    ("Reduce", {"dims": [2]}, {"in": SEQUENCE}, "must be different dimensions"),
    ("Sum", {}, {"a": TABULAR, "b": TABULAR, "c": SEQUENCE}, "every input the same shape"),
    ("Hardtanh", {"min_val": 1.0, "max_val": 1.0}, {"in": TABULAR}, "must be below max_val"),
    ("Scale", {"per": "channel"}, {"in": TensorShape(())}, "receives a scalar"),
])
def test_shape_rules_explain_what_is_wrong_and_what_to_do(layer_type, params, inputs, message):
    spec = CATALOG[layer_type]
    with pytest.raises(ShapeError, match=message):
        spec.infer({**spec.defaults(), **params}, inputs)


def test_every_entry_is_complete_for_the_parts_that_read_it():
    for spec in CATALOG.values():
        assert spec.category in CATEGORIES and spec.help
        for p in spec.params:
            assert p.help, f"{spec.type}.{p.name} needs help text for the inspector"
            assert p.check(p.default) is None, f"{spec.type}.{p.name} default is out of its own range"
        if spec.role in ("layer", "loss"):
            assert spec.torch is not None, f"{spec.type} has no torch mapping"


def test_catalog_covers_the_course():
    required = {"Input", "Linear", "Flatten", "Reshape", "Dropout", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
                "Embedding", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
                "Upsample", "RNN", "LSTM", "GRU", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
                "GELU", "ELU", "SiLU", "Add", "Concatenate", "Multiply", "MultiheadAttention", "MSELoss", "L1Loss",
                "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss", "NLLLoss", "Output"}
    assert required <= set(CATALOG)


def test_a_wire_from_an_output_port_the_settings_leave_empty_is_an_error_on_that_wire():
    from netbuilder.graph import Graph, analyze

    g = Graph("parts")
    x = g.add_node("Input", name="x", params={"kind": "sequence", "length": 6, "features": 4})
    split = g.add_node("Split", name="split", params={"sizes": [2]})  # two parts: out and out2, not out3
    g.connect(x.id, "out", split.id, "in")
    for port in ("out", "out2", "out3"):
        out = g.add_node("Output", name=f"y_{port}")
        g.connect(split.id, port, out.id, "in")
    errors = analyze(g, "inference").errors
    assert len(errors) == 1
    wire = g.edges[errors[0].edge_id]
    assert wire.source_port == "out3" and errors[0].node_id == split.id
    assert "gives nothing on its part 3 port" in errors[0].message
