"""ONNX element-wise arithmetic onto the catalog: merges of layer outputs, and arithmetic with constants.

Between two layer outputs of the same shape, Add, Sub, Mul and Div become the
merge layers (Add, Subtract, Multiply, Divide); Sum, Mean, Max and Min of up to
four become Sum, Average, Maximum and Minimum. With a constant, the
arithmetic becomes a fixed Scale or Bias (an input normalisation
``(x - mean) / std`` is a Bias and a Scale), or is folded into the layer
before it when that is exact: a MatMul's bias, or the affine part of a
BatchNorm that nothing else reads (the Caffe2 "BN then scale" pattern).
Before opset 7 these operators broadcast a constant from an ``axis``
(legacy ``broadcast=1``); that is turned into ordinary broadcasting first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netbuilder.export.onnx_values import (COMPARE, CONST, TENSOR, Importer, Layer, Unsupported, Value, attributes,
                                           f32)
from netbuilder.graph.catalog import CATALOG, onnx_layer_types

if TYPE_CHECKING:
    from onnx import NodeProto

MAX_CONSTANT = 10_000_000  # values a per-element Scale or Bias may hold (a 3×224×224 mean image is 150 528)
_BATCHNORMS = {"BatchNorm1d", "BatchNorm2d"}


def _merge_type(layer_types: tuple[str, ...], op: str) -> str:
    found = [t for t in layer_types if len(CATALOG[t].inputs) >= 2]
    if not found:
        raise Unsupported(f"no netbuilder layer joins two layer outputs with {op}")
    return found[0]


def _constant_type(layer_types: tuple[str, ...], op: str) -> str:
    found = [t for t in layer_types if len(CATALOG[t].inputs) == 1 and CATALOG[t].has_weights]
    if not found:
        raise Unsupported(f"no netbuilder layer applies {op} with a constant")
    return found[0]


def _one(op: str) -> str:
    found = onnx_layer_types(op)
    if not found:
        raise Unsupported(f"it needs the layer ONNX {op} imports as, and there is none")
    return found[0]


def per_feature(bias: np.ndarray, features: int, what: str) -> np.ndarray:
    flat = np.asarray(bias, dtype=np.float32).reshape(-1)
    if flat.size == 1:
        return np.full(features, flat[0], dtype=np.float32)
    if flat.size != features:
        raise Unsupported(f"its {what} has {flat.size} values for {features} features")
    return flat


# ---- the constant's shape ------------------------------------------------------------------------------
def sample_constant(ctx: Importer, node: NodeProto, const: np.ndarray, tensor_index: int) -> np.ndarray:
    """The constant as it broadcasts against one sample of the other input (batch axis dropped).

    Legacy operators (opset < 7) with ``broadcast=1`` align the constant at ``axis``; later ones broadcast
    numpy-style from the last axis. A constant that differs along the batch, or that would grow the
    sample, is refused.
    """
    rank = ctx.rank(node, tensor_index)
    c = np.asarray(const, dtype=np.float32)
    a = attributes(node)
    if ctx.opset < 7 and a.get("broadcast", 0) and c.ndim < rank:
        axis = a.get("axis", rank - c.ndim)
        axis = axis + rank if axis < 0 else axis
        c = c.reshape((1,) * axis + c.shape + (1,) * (rank - axis - c.ndim))
    while c.ndim > rank and c.shape[0] == 1:
        c = c[0]
    if c.ndim > rank:
        raise Unsupported(f"its constant has rank {c.ndim}, more than the tensor it applies to ({rank})")
    c = c.reshape((1,) * (rank - c.ndim) + c.shape)
    if c.shape[0] != 1:
        raise Unsupported("its constant differs along the batch axis")
    sample = tuple(ctx.sample_dims(node.input[tensor_index]))
    c = c[0]
    try:
        grown = np.broadcast_shapes(sample, c.shape)
    except ValueError:
        raise Unsupported(f"its constant of shape {list(c.shape)} does not broadcast to a sample of shape "
                          f"{list(sample)}") from None
    if grown != sample:
        raise Unsupported(f"its constant of shape {list(c.shape)} would grow a sample of shape {list(sample)}")
    return c


def constant_layout(c: np.ndarray, sample: tuple[int, ...]) -> tuple[str, np.ndarray]:
    """How a Scale or Bias holds ``c``: ``per`` (one, channel, feature, element) and its values in that shape."""
    if c.size == 1:
        return "one", c.reshape(1)
    rank = len(sample)
    squeezed = [d for d in c.shape if d != 1]
    if rank >= 1 and c.shape[:1] == sample[:1] and c.size == sample[0]:
        return "channel", c.reshape((sample[0],) + (1,) * (rank - 1))
    if rank >= 1 and c.shape[-1:] == sample[-1:] and squeezed == [sample[-1]]:
        return "feature", c.reshape(sample[-1])
    full = np.broadcast_to(c, sample)
    if full.size > MAX_CONSTANT:
        raise Unsupported(f"its constant would need {full.size} values, one per element of the sample")
    return "element", np.ascontiguousarray(full)


def _folded_into_batchnorm(ctx: Importer, node: NodeProto, x: Value, x_name: str, per: str, values: np.ndarray,
                           multiply: bool) -> bool:
    """Fold a per-channel factor (or offset) into the BatchNorm before it, when nothing else reads its output."""
    layer = x.producer
    if not (isinstance(layer, Layer) and layer.type in _BATCHNORMS and layer.params.get("affine")
            and per in ("one", "channel") and ctx.consumers.get(x_name, 0) == 1):
        return False
    flat = np.broadcast_to(values.reshape(-1), layer.weights["weight"].shape).astype(np.float32)
    if multiply:  # (BN(x)) · c: both the scale and the shift of the BatchNorm are multiplied
        layer.weights["weight"] = layer.weights["weight"] * flat
        layer.weights["bias"] = layer.weights["bias"] * flat
    else:
        layer.weights["bias"] = layer.weights["bias"] + flat
    return True


def _constant_layer(ctx: Importer, node: NodeProto, layer_type: str, x: Value, x_name: str, c: np.ndarray,
                    multiply: bool) -> Value:
    """``x`` times (or plus) the constant ``c``: folded into a BatchNorm before it, or a fixed Scale (Bias)."""
    per, values = constant_layout(c, tuple(ctx.sample_dims(x_name)))
    if _folded_into_batchnorm(ctx, node, x, x_name, per, values, multiply):
        return x
    params = {"per": per, "value": 1.0 if multiply else 0.0, "learnable": False}
    weights = {"weight" if multiply else "bias": values}
    return Value(TENSOR, ctx.add_layer(layer_type, node, params, [x], weights))


# ---- Add, Sub, Mul, Div --------------------------------------------------------------------------------
def arithmetic(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """Add, Sub, Mul or Div: a merge of two layer outputs, or a Scale/Bias with a constant."""
    op = node.op_type
    if len(node.input) != 2:
        raise Unsupported(f"it has {len(node.input)} inputs; {op} takes two")
    a, b = (ctx.values[n] for n in node.input)
    if a.form != CONST and b.form != CONST:
        _merge(ctx, node, _merge_type(layer_types, op))
        return
    tensor_index = 0 if b.form == CONST else 1
    x, x_name = ctx.tensor(node, tensor_index), node.input[tensor_index]
    c = sample_constant(ctx, node, (b if tensor_index == 0 else a).array, tensor_index)
    if op == "Add" and _bias_of_matmul(ctx, node, x, c):
        return
    constant_type = _constant_type(layer_types, op)
    if op in ("Add", "Mul"):
        out = _constant_layer(ctx, node, constant_type, x, x_name, c, multiply=op == "Mul")
    elif op == "Sub" and tensor_index == 0:  # x - c
        out = _constant_layer(ctx, node, constant_type, x, x_name, -c, multiply=False)
    elif op == "Sub":  # c - x = (-x) + c
        negated = Value(TENSOR, ctx.add_layer(_one("Neg"), node, {}, [x]))
        out = _constant_layer(ctx, node, constant_type, negated, x_name, c, multiply=False)
    elif tensor_index == 0:  # x / c = x · (1/c)
        if np.any(c == 0):
            raise Unsupported("it divides by a constant that holds zeros")
        out = _constant_layer(ctx, node, constant_type, x, x_name, (1.0 / c).astype(np.float32), multiply=True)
    else:  # c / x = c · x^-1
        inverse = Value(TENSOR, ctx.add_layer(_one("Pow"), node, {"exponent": -1.0}, [x]))
        out = _constant_layer(ctx, node, constant_type, inverse, x_name, c, multiply=True)
    ctx.output(node, out)


def _bias_of_matmul(ctx: Importer, node: NodeProto, x: Value, c: np.ndarray) -> bool:
    """MatMul + Add of a constant is one Linear layer: fill in the bias the MatMul left open."""
    layer = x.producer
    if not (x.bias_open and isinstance(layer, Layer) and not layer.params["bias"]):
        return False
    layer.weights["bias"] = per_feature(c, layer.params["out_features"], "bias")
    layer.params["bias"] = True
    ctx.output(node, Value(TENSOR, layer))
    return True


def _merge(ctx: Importer, node: NodeProto, layer_type: str) -> None:
    a, b = ctx.tensor(node, 0), ctx.tensor(node, 1)
    if ctx.shape(node.input[0]) != ctx.shape(node.input[1]):
        raise Unsupported(f"its inputs have different shapes ({ctx.shape(node.input[0])} and "
                          f"{ctx.shape(node.input[1])}); {layer_type} does not broadcast")
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, {}, [a, b])))


# ---- Sum, Mean, Max, Min of several inputs ---------------------------------------------------------------
def variadic(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """Sum, Mean, Max or Min of one to many layer outputs of one shape (up to four in one layer)."""
    layer_type = layer_types[0]
    ports = len(CATALOG[layer_type].inputs)
    names = [n for n in node.input if n]
    values = [ctx.tensor(node, i) for i in range(len(node.input)) if node.input[i]]
    shapes = {tuple(d for d in (ctx.shape(n) or [])[1:]) for n in names}
    if len(shapes) > 1:
        raise Unsupported(f"its inputs have different shapes ({sorted(shapes)}); {layer_type} does not broadcast")
    if len(values) == 1:
        ctx.output(node, values[0])
        return
    if len(values) > ports and node.op_type == "Mean":
        raise Unsupported(f"it averages {len(values)} inputs; {layer_type} averages up to {ports}")
    # Sum, Max and Min of many are the same taken in groups; each group's result feeds the next.
    out = Value(TENSOR, ctx.add_layer(layer_type, node, {}, values[:ports]))
    rest = values[ports:]
    while rest:
        group, rest = rest[:ports - 1], rest[ports - 1:]
        out = Value(TENSOR, ctx.add_layer(layer_type, node, {}, [out, *group]))
    ctx.output(node, out)


# ---- one input with a constant ---------------------------------------------------------------------------
def power(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    x = ctx.tensor(node, 0)
    exponent = np.asarray(ctx.const(node, 1, "exponent")).reshape(-1)
    if exponent.size != 1:
        raise Unsupported(f"its exponent has {exponent.size} values; {layer_types[0]} raises to one number")
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {"exponent": float(exponent[0])}, [x])))


def prelu(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """PRelu: one slope, or one per channel (before opset 7 a 1-D slope is per channel; later it broadcasts)."""
    x = ctx.tensor(node, 0)
    slope = np.asarray(ctx.const(node, 1, "slope"), dtype=np.float32)
    sample = ctx.sample_dims(node.input[0])
    while slope.ndim > len(sample) and slope.shape[0] == 1:  # [1, C, 1, 1]: the batch axis broadcast too
        slope = slope[0]
    channels = sample[0] if sample else 0
    per_channel_shape = (channels,) + (1,) * (len(sample) - 1)
    if slope.size == 1:
        per_channel = False
    elif slope.size == channels and (ctx.opset < 7 or slope.shape == per_channel_shape):
        per_channel = True
    else:
        raise Unsupported(f"its slope of shape {list(slope.shape)} is neither one value nor one per channel of a "
                          f"sample of shape {sample}")
    layer = ctx.add_layer(layer_types[0], node, {"per_channel": per_channel, "init": 0.25}, [x],
                          {"weight": slope.reshape(-1)})
    ctx.output(node, Value(TENSOR, layer))


def clip(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """Clip(0, 6) is a ReLU6, Clip(0, ∞) a ReLU, any other finite range a Hardtanh."""
    a = attributes(node)
    if ctx.opset < 11:  # the bounds were attributes before opset 11, inputs since
        low, high = float(a.get("min", -np.inf)), float(a.get("max", np.inf))
    else:
        lo, hi = ctx.optional_const(node, 1, "minimum"), ctx.optional_const(node, 2, "maximum")
        low = -np.inf if lo is None else float(np.asarray(lo).reshape(-1)[0])
        high = np.inf if hi is None else float(np.asarray(hi).reshape(-1)[0])
    x = ctx.tensor(node, 0)
    ranged = [t for t in layer_types if CATALOG[t].params]  # Hardtanh: min_val and max_val
    if (low, high) == (0.0, 6.0) and "ReLU6" in layer_types:
        layer = ctx.add_layer("ReLU6", node, {}, [x])
    elif (low, high) == (0.0, np.inf):
        layer = ctx.add_layer(_one("Relu"), node, {}, [x])
    elif np.isfinite(low) and np.isfinite(high) and low < high and ranged:
        layer = ctx.add_layer(ranged[0], node, {"min_val": f32(low), "max_val": f32(high)}, [x])
    else:
        raise Unsupported(f"it clips to [{low:g}, {high:g}]; netbuilder clips to a finite range (Hardtanh), to "
                          "[0, 6] (ReLU6) or from 0 (ReLU)")
    ctx.output(node, Value(TENSOR, layer))


def hard_sigmoid(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """HardSigmoid(α, β) = clip(αx + β, 0, 1): torch's Hardsigmoid where α = 1/6 and β = 1/2."""
    a = attributes(node)
    alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
    x = ctx.tensor(node, 0)
    if abs(alpha - 1 / 6) < 1e-6 and abs(beta - 0.5) < 1e-7:
        ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {}, [x])))
        return
    # Any other α, β: a fixed Scale and Bias, then a clip to [0, 1].
    scale = ctx.add_layer(_constant_type(onnx_layer_types("Mul"), "Mul"), node,
                          {"per": "one", "value": 1.0, "learnable": False}, [x],
                          {"weight": np.array([alpha], dtype=np.float32)})
    shift = ctx.add_layer(_constant_type(onnx_layer_types("Add"), "Add"), node,
                          {"per": "one", "value": 0.0, "learnable": False}, [Value(TENSOR, scale)],
                          {"bias": np.array([beta], dtype=np.float32)})
    ranged = next(t for t in onnx_layer_types("Clip") if CATALOG[t].params)
    clipped = ctx.add_layer(ranged, node, {"min_val": 0.0, "max_val": 1.0}, [Value(TENSOR, shift)])
    ctx.output(node, Value(TENSOR, clipped))


SELU_ALPHA, SELU_GAMMA = 1.6732632423543772, 1.0507009873554805


def selu(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    alpha, gamma = float(a.get("alpha", SELU_ALPHA)), float(a.get("gamma", SELU_GAMMA))
    if abs(alpha - SELU_ALPHA) > 1e-6 or abs(gamma - SELU_GAMMA) > 1e-6:
        raise Unsupported(f"its alpha {alpha:g} and gamma {gamma:g} are not SELU's fixed constants")
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {}, [x])))


# ---- Softplus with a threshold: Where(βx > t, x, softplus(βx) / β) ------------------------------------------
def comparison(ctx: Importer, node: NodeProto) -> None:
    """Greater or Less: no layer; only a Where that a layer stands for may use it (see `where`)."""
    ctx.output(node, Value(COMPARE))


def where(ctx: Importer, node: NodeProto) -> None:
    """The Softplus exporters write with torch's threshold, ``Where(βx > t, x, Softplus(βx) / β)``: one Softplus.

    Past the threshold softplus(βx)/β equals x to float precision, which is why torch switches there.
    """
    nodes = ctx.producers
    cond = nodes.get(node.input[0])
    if cond is None or cond.op_type != "Greater" or len(node.input) != 3:
        raise Unsupported("it picks between values by a condition; netbuilder imports that only as the threshold "
                          "of a Softplus")
    x_name, soft_name = node.input[1], node.input[2]
    scaled_name, threshold = cond.input[0], _scalar(ctx, cond.input[1])
    beta: float | None = 1.0
    soft = nodes.get(soft_name)
    if soft is not None and soft.op_type == "Div":
        beta = _scalar(ctx, soft.input[1]) if soft.input[1] in ctx.values else None
        soft = nodes.get(soft.input[0])
    scaled = nodes.get(scaled_name)
    scales_x = scaled_name == x_name or (scaled is not None and scaled.op_type == "Mul" and x_name in scaled.input
                                         and _scalar(ctx, next(i for i in scaled.input if i != x_name)) == beta)
    if (soft is None or soft.op_type != "Softplus" or soft.input[0] != scaled_name or not scales_x
            or threshold is None or beta is None or beta <= 0):
        raise Unsupported("it picks between values by a condition that is not a Softplus threshold")
    x = ctx.tensor(node, 1)
    layer_type = _one("Softplus")
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, soft, {"beta": f32(beta), "threshold": f32(threshold)},
                                                 [x])))


def _scalar(ctx: Importer, name: str) -> float | None:
    value = ctx.values.get(name)
    if value is None or value.form != CONST or value.array.size != 1:
        return None
    return float(value.array.reshape(-1)[0])
