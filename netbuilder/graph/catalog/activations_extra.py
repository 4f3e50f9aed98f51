"""More activations: clipped (ReLU6, Hardtanh), mobile-friendly (Hardswish, Hardsigmoid), smooth (Mish, SELU,
Softplus, Softsign), learned (PReLU), gated (GLU), Softmin, and the element-wise Abs and Exp.

All keep the shape except GLU, which halves one dimension. ``dim`` counts the
dimensions of one sample (0 is the first after the batch; -1 the last).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netbuilder.graph.catalog.spec import (IN, OUT, ArgsRule, LayerSpec, ParamSpec, ParamValues, ShapeError, ShapeRule,
                                           Shapes, TensorShape, TorchSpec)


def _numbers(ins: Shapes, layer: str) -> TensorShape:
    x = ins["in"]
    if x.dtype != "float":
        raise ShapeError(f"{layer} needs numbers but receives token ids ({x.sample}) — put an Embedding before it")
    return x


def _sample_dim(p: ParamValues, x: TensorShape, layer: str) -> int:
    """The ``dim`` parameter as a non-negative sample dimension."""
    d, rank = p["dim"], x.rank
    if not -rank <= d < rank:
        raise ShapeError(f"{layer}: dim {d} does not exist in a sample of shape {x.sample} — use -1 for the last "
                         "dimension")
    return d % rank


def tensor_dim(p: ParamValues, ins: Shapes) -> dict[str, Any]:
    """A sample dimension as torch's tensor dimension: the batch comes first; negative ones count from the end."""
    return {"dim": p["dim"] + 1 if p["dim"] >= 0 else p["dim"]}


def _same(layer: str, check: Callable[[ParamValues, TensorShape], None] | None = None) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        x = _numbers(ins, layer)
        if check is not None:
            check(p, x)
        return {"out": x}
    return infer


def _elementwise(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return ins["in"].size


def _activation(name: str, help: str, params: tuple[ParamSpec, ...] = (),
                args: ArgsRule | None = None, onnx: tuple[str, ...] = (),
                check: Callable[[ParamValues, TensorShape], None] | None = None, module: str = "",
                onnx_attributes: tuple[tuple[str, str], ...] = ()) -> LayerSpec:
    return LayerSpec(
        type=name, category="Activation", help=help, inputs=IN, outputs=OUT, params=params,
        infer=_same(name, check), torch=TorchSpec(module or f"torch.nn.{name}", args or (lambda p, ins: {})),
        onnx_ops=onnx, onnx_attributes=onnx_attributes, count_macs=_elementwise,
        key_params=tuple(p.name for p in params),
    )


def _ordered(p: ParamValues, x: TensorShape) -> None:
    if p["min_val"] >= p["max_val"]:
        raise ShapeError(f"Hardtanh: min_val ({p['min_val']:g}) must be below max_val ({p['max_val']:g})")


def _dim_exists(layer: str) -> Callable[[ParamValues, TensorShape], None]:
    def check(p: ParamValues, x: TensorShape) -> None:
        _sample_dim(p, x, layer)
    return check


DIM = ParamSpec("dim", "int", -1, "Which dimension of a sample; -1 is the last.", -16, 15)

RELU6 = _activation("ReLU6", "min(max(0, x), 6): a ReLU capped at 6, as in MobileNet.", onnx=("Clip",))
HARDTANH = _activation(
    "Hardtanh", "Clips every value to [min_val, max_val] (ONNX Clip); -1 and 1 give a piecewise-linear tanh.",
    (ParamSpec("min_val", "float", -1.0, "Values below it become it.", -1e9, 1e9),
     ParamSpec("max_val", "float", 1.0, "Values above it become it.", -1e9, 1e9)),
    lambda p, ins: {"min_val": p["min_val"], "max_val": p["max_val"]}, ("Clip",), _ordered)
HARDSWISH = _activation("Hardswish", "x · ReLU6(x + 3) / 6: a cheap swish used by MobileNetV3.",
                        onnx=("HardSwish",))
HARDSIGMOID = _activation("Hardsigmoid", "ReLU6(x + 3) / 6: a cheap, piecewise-linear sigmoid.",
                          onnx=("HardSigmoid",))
MISH = _activation("Mish", "x · tanh(softplus(x)): a smooth, self-gated activation.", onnx=("Mish",))
SELU = _activation("SELU", "Scaled ELU whose outputs keep zero mean and unit variance through deep fully connected "
                   "nets (self-normalising).", onnx=("Selu",))
SOFTPLUS = _activation(
    "Softplus", "log(1 + exp(βx)) / β: a smooth ReLU that is never exactly zero.",
    (ParamSpec("beta", "float", 1.0, "Sharpness: larger is closer to a ReLU.", 1e-3, 1000.0),
     ParamSpec("threshold", "float", 20.0, "Above βx = threshold the layer returns x as is (for precision).",
               0.0, 1000.0)),
    lambda p, ins: {"beta": p["beta"], "threshold": p["threshold"]}, ("Softplus",))
SOFTSIGN = _activation("Softsign", "x / (1 + |x|): squashes to (−1, 1) more gently than tanh.", onnx=("Softsign",))
SOFTMIN = _activation("Softmin", "Softmax of −x: probabilities that favour the smallest scores.", (DIM,),
                      tensor_dim, check=_dim_exists("Softmin"))
# torch has functions but no modules for these two; netbuilder's own (copied into exported code) stand in.
ABS = _activation("Abs", "|x|: the absolute value of every element.", onnx=("Abs",),
                  module="netbuilder.compile.layers.Abs")
EXP = _activation("Exp", "eˣ of every element (e.g. a log-variance back to a variance).", onnx=("Exp",),
                  module="netbuilder.compile.layers.Exp")


# ---- PReLU: a learned slope for negative inputs ---------------------------------------------------------------
def _prelu_slopes(p: ParamValues, x: TensorShape) -> int:
    if not p["per_channel"]:
        return 1
    if x.rank == 0:
        raise ShapeError("PReLU with a slope per channel needs channels (or features), but receives a scalar — "
                         "untick per_channel")
    return x.dims[0]


def _prelu_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = _numbers(ins, "PReLU")
    _prelu_slopes(p, x)
    return {"out": x}


PRELU = LayerSpec(
    type="PReLU", category="Activation",
    help="Like LeakyReLU, but the slope for negative inputs is learned (one, or one per channel).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("per_channel", "bool", False, "Learn a slope for every channel (features for vectors) "
                      "instead of one for all."),
            ParamSpec("init", "float", 0.25, "The slope the training starts from.", -100.0, 100.0)),
    infer=_prelu_infer,
    torch=TorchSpec("torch.nn.PReLU", lambda p, ins: {"num_parameters": _prelu_slopes(p, ins["in"]),
                                                       "init": p["init"]}),
    onnx_ops=("PRelu",), count_params=lambda p, ins, outs: _prelu_slopes(p, ins["in"]), count_macs=_elementwise,
    key_params=("per_channel",), has_weights=True,
)


# ---- GLU: half of one dimension gates the other half ---------------------------------------------------------
def _glu_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = _numbers(ins, "GLU")
    if x.rank == 0:
        raise ShapeError("GLU splits a dimension in two but receives a scalar")
    d = _sample_dim(p, x, "GLU")
    if x.dims[d] % 2:
        raise ShapeError(f"GLU splits dimension {d} of {x.sample} into two halves, so its size ({x.dims[d]}) must "
                         "be even")
    dims = list(x.dims)
    dims[d] //= 2
    return {"out": TensorShape(tuple(dims))}


GLU = LayerSpec(
    type="GLU", category="Activation",
    help="Gated linear unit: splits one dimension into halves a and b and returns a · sigmoid(b) (half the size).",
    inputs=IN, outputs=OUT, params=(DIM,), infer=_glu_infer, torch=TorchSpec("torch.nn.GLU", tensor_dim),
    count_macs=lambda p, ins, outs: 2 * outs["out"].size, key_params=("dim",),
)

SPECS = (RELU6, HARDTANH, HARDSWISH, HARDSIGMOID, MISH, SELU, SOFTPLUS, SOFTSIGN, PRELU, GLU, SOFTMIN, ABS, EXP)
