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
                                  "Upsample", "BatchNorm2d", "Flatten")},
    **{t: {"in": SEQUENCE} for t in ("RNN", "LSTM", "GRU", "MultiheadAttention", "TransformerEncoderLayer",
                                     "Conv1d", "LayerNorm")},
    "Embedding": {"in": TensorShape((10,), "int")},
    "Reshape": {"in": TensorShape((784,))},
    "Add": {"a": TABULAR, "b": TABULAR},
    "Multiply": {"a": TABULAR, "b": TABULAR},
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
    xs = [sample(ins[p.name]) for p in CATALOG[layer_type].inputs]
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


@pytest.mark.parametrize("layer_type", LAYERS)
def test_layer_shape_rule_and_parameter_count_match_torch(layer_type):
    spec = CATALOG[layer_type]
    values, ins = spec.defaults(), typical_inputs(layer_type)
    outs = spec.infer(values, ins)
    out, torch_params = run_torch(layer_type, values, ins)
    assert tuple(out.shape[1:]) == outs["out"].dims
    assert spec.count_params(values, ins, outs) == torch_params
    assert spec.count_macs(values, ins, outs) >= 0


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
