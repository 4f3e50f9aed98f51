"""Activation functions: shape in = shape out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from netbuilder.graph.catalog.spec import (IN, OUT, ArgsRule, LayerSpec, ParamSpec, ParamValues, ShapeError,
                                           ShapeRule, Shapes, TensorShape, TorchSpec, no_args)


def _same(layer: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        x = ins["in"]
        if x.dtype != "float":
            raise ShapeError(f"{layer} needs numbers but receives token ids ({x.sample}) — put an Embedding before it")
        if "dim" in p and not -max(x.rank, 1) <= p["dim"] < max(x.rank, 1):
            raise ShapeError(f"{layer}: dim {p['dim']} does not exist in a sample of shape {x.sample} — "
                             "use -1 for the last dimension")
        return {"out": x}
    return infer


def _elementwise(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return ins["in"].size


def _activation(name: str, help: str, params: Sequence[ParamSpec] = (), args: ArgsRule | None = None,
                onnx: tuple[str, ...] = (), onnx_attributes: tuple[tuple[str, str], ...] = ()) -> LayerSpec:
    return LayerSpec(
        type=name, category="Activation", help=help, inputs=IN, outputs=OUT, params=tuple(params),
        infer=_same(name), torch=TorchSpec(f"torch.nn.{name}", args or no_args),
        onnx_ops=onnx, onnx_attributes=onnx_attributes, count_macs=_elementwise,
        key_params=tuple(p.name for p in params),
    )


def _dim_args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
    # A sample dimension d is tensor dimension d + 1 (the batch comes first); negative ones count from the end.
    return {"dim": p["dim"] + 1 if p["dim"] >= 0 else p["dim"]}


DIM = ParamSpec("dim", "int", -1, "Which dimension of a sample sums to one; -1 is the last (the classes).",
                -16, 15)

SPECS = (
    _activation("ReLU", "max(0, x): the default activation for hidden layers.", onnx=("Relu",)),
    _activation("LeakyReLU", "Like ReLU but lets a small slope through for negative inputs, so units never die.",
                (ParamSpec("negative_slope", "float", 0.01, "Slope for negative inputs.", 0.0, 1.0),),
                lambda p, ins: {"negative_slope": p["negative_slope"]}, ("LeakyRelu",), (("alpha", "negative_slope"),)),
    _activation("Sigmoid", "Squashes to (0, 1): for probabilities of yes/no outputs; saturates in deep nets.",
                onnx=("Sigmoid",)),
    _activation("Tanh", "Squashes to (−1, 1); zero-centred. Classic in RNNs and GAN generator outputs.",
                onnx=("Tanh",)),
    _activation("Softmax", "Turns scores into probabilities that sum to one. Do not put it before "
                "CrossEntropyLoss, which applies it itself.", (DIM,), _dim_args, ("Softmax",)),
    _activation("LogSoftmax", "Logarithm of softmax; pair it with NLLLoss.", (DIM,), _dim_args, ("LogSoftmax",)),
    _activation("GELU", "Smooth ReLU used by transformers.", onnx=("Gelu",)),
    _activation("ELU", "Like ReLU with a smooth exponential curve for negative inputs.",
                (ParamSpec("alpha", "float", 1.0, "Value approached for very negative inputs.", 0.0, 100.0),),
                lambda p, ins: {"alpha": p["alpha"]}, ("Elu",), (("alpha", "alpha"),)),
    # Exporters write SiLU as Sigmoid and Mul, which import as those two layers.
    _activation("SiLU", "x·sigmoid(x) (also called swish)."),
)
