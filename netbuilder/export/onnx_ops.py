"""The operator-mapping table of ONNX import: ONNX operator -> converter onto a catalog layer.

Each converter reads one ONNX node, checks that the catalog layer can express
it exactly (else raises `Unsupported` with the reason), records the layer
with its weights in torch's layout, and registers the node's outputs.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from netbuilder.export import onnx_conv, onnx_rnn
from netbuilder.export.onnx_values import (CONST, RNN_H, RNN_Y, RNN_Y_T, RNN_YB, SHAPE, TENSOR, TIME_MAJOR, Importer,
                                           Unsupported, Value, attributes, f32)

Converter = Callable[[Importer, Any], None]


# ---- pass-through and shape bookkeeping ------------------------------------------------------
def _wire_through(ctx: Importer, node) -> None:
    """Identity, and Dropout (which does nothing at inference): the output is the input."""
    ctx.output(node, ctx.values[node.input[0]])


def _shape(ctx: Importer, node) -> None:
    ctx.output(node, Value(SHAPE))


# ---- fully connected ---------------------------------------------------------------------------
def _gemm(ctx: Importer, node) -> None:
    a = attributes(node)
    if a.get("transA", 0):
        raise Unsupported("transA=1 multiplies by the transposed input; a Linear layer cannot")
    x = ctx.tensor(node, 0)
    b = ctx.const(node, 1, "weight")
    if b.ndim != 2:
        raise Unsupported(f"its weight has rank {b.ndim}; a Linear layer's weight is a matrix")
    weight = (b if a.get("transB", 0) else b.T) * a.get("alpha", 1.0)  # torch keeps [out, in]
    bias = ctx.optional_const(node, 2, "bias")
    if bias is not None:
        bias = _per_feature(bias * a.get("beta", 1.0), weight.shape[0], "bias")
    layer = ctx.add_layer("Linear", node, {"out_features": int(weight.shape[0]), "bias": bias is not None}, [x],
                          {"weight": weight, "bias": bias}, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def _matmul(ctx: Importer, node) -> None:
    x = ctx.tensor(node, 0)
    b = ctx.const(node, 1, "weight")
    if b.ndim != 2:
        raise Unsupported(f"it multiplies by a rank-{b.ndim} constant; only a matrix (a Linear layer) is supported")
    layer = ctx.add_layer("Linear", node, {"out_features": int(b.shape[1]), "bias": False}, [x],
                          {"weight": b.T}, node.input[1])
    # A following Add of a constant is this Linear's bias, if nothing else reads the product.
    ctx.output(node, Value(TENSOR, layer, bias_open=ctx.consumers.get(node.output[0], 0) == 1))


def _per_feature(bias: np.ndarray, features: int, what: str) -> np.ndarray:
    flat = np.asarray(bias, dtype=np.float32).reshape(-1)
    if flat.size == 1:
        return np.full(features, flat[0], dtype=np.float32)
    if flat.size != features:
        raise Unsupported(f"its {what} has {flat.size} values for {features} features")
    return flat


def _add(ctx: Importer, node) -> None:
    a, b = (ctx.values[n] for n in node.input[:2])
    if a.form == CONST:
        a, b = b, a
    if b.form == CONST:
        layer = a.producer
        if not (a.form == TENSOR and a.bias_open and getattr(layer, "type", "") == "Linear"
                and not layer.params["bias"]):
            raise Unsupported("it adds a constant tensor; netbuilder imports that only as the bias right after a "
                              "MatMul (MatMul + Add = Linear)")
        layer.weights["bias"] = _per_feature(b.const, layer.params["out_features"], "bias")
        layer.params["bias"] = True
        ctx.output(node, Value(TENSOR, layer))
        return
    _merge(ctx, node, "Add")


def _merge(ctx: Importer, node, layer_type: str) -> None:
    if len(node.input) != 2:
        raise Unsupported(f"it has {len(node.input)} inputs; {layer_type} joins two")
    a, b = ctx.tensor(node, 0), ctx.tensor(node, 1)
    if ctx.shape(node.input[0]) != ctx.shape(node.input[1]):
        raise Unsupported(f"its inputs have different shapes ({ctx.shape(node.input[0])} and "
                          f"{ctx.shape(node.input[1])}); {layer_type} does not broadcast")
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, {}, [a, b])))


def _mul(ctx: Importer, node) -> None:
    if any(ctx.values[n].form == CONST for n in node.input):
        raise Unsupported("it scales by a constant; netbuilder has no scaling layer")
    _merge(ctx, node, "Multiply")


def _concat(ctx: Importer, node) -> None:
    if onnx_rnn.join_directions(ctx, node):
        return
    rank = ctx.rank(node, 0)
    axis = attributes(node)["axis"]
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise Unsupported("it joins along the batch axis")
    values = [ctx.tensor(node, i) for i in range(len(node.input))]
    if len(values) < 2:
        ctx.output(node, values[0])
        return
    # Concatenate joins two inputs; more are joined one after another, which gives the same tensor.
    out = values[0]
    for value in values[1:]:
        out = Value(TENSOR, ctx.add_layer("Concatenate", node, {"dim": axis - 1}, [out, value]))
    ctx.output(node, out)


def _batchnorm(ctx: Importer, node) -> None:
    a = attributes(node)
    if a.get("training_mode", 0) or len([o for o in node.output if o]) > 1:
        raise Unsupported("it is in training mode; export the model in eval mode")
    rank = ctx.rank(node)
    layer_type = {4: "BatchNorm2d", 2: "BatchNorm1d", 3: "BatchNorm1d"}.get(rank)
    if layer_type is None:
        raise Unsupported(f"it normalises a rank-{rank} tensor; netbuilder has BatchNorm1d and BatchNorm2d")
    x = ctx.tensor(node, 0)
    scale, shift, mean, var = (ctx.const(node, i, w) for i, w in
                               enumerate(("scale", "bias", "mean", "variance"), start=1))
    # The catalog's BatchNorm uses torch's eps (1e-5); another eps is exactly the same as a shifted variance.
    var = var.astype(np.float64) + a.get("epsilon", 1e-5) - 1e-5
    if np.any(var < 0):
        raise Unsupported(f"its epsilon ({a.get('epsilon')}) is smaller than 1e-5 and a variance is tiny")
    weights = {"weight": scale, "bias": shift, "running_mean": mean, "running_var": var,
               "num_batches_tracked": np.array(0, dtype=np.int64)}
    params = {"momentum": f32(1.0 - f32(a.get("momentum", 0.9))), "affine": True}
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, params, [x], weights, node.input[1])))


# ---- activations -------------------------------------------------------------------------------
def _activation(layer_type: str, params: Callable[[dict], dict] = lambda a: {}) -> Converter:
    def convert(ctx: Importer, node) -> None:
        x = ctx.tensor(node, 0)
        ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, params(attributes(node)), [x])))
    return convert


def _softmax(layer_type: str) -> Converter:
    def convert(ctx: Importer, node) -> None:
        rank = ctx.rank(node)
        axis = attributes(node).get("axis", -1 if ctx.opset >= 13 else 1)
        axis = axis + rank if axis < 0 else axis
        if ctx.opset < 13 and axis != rank - 1:
            raise Unsupported(f"before opset 13 {node.op_type} flattens from axis {axis}; only the last axis is "
                              "supported")
        if axis == 0:
            raise Unsupported("it normalises over the batch axis")
        dim = -1 if axis == rank - 1 else axis - 1
        x = ctx.tensor(node, 0)
        ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, {"dim": dim}, [x])))
    return convert


def _gelu(ctx: Importer, node) -> None:
    if attributes(node).get("approximate", "none") != "none":
        raise Unsupported("it uses the tanh approximation; the GELU layer computes the exact one")
    _activation("GELU")(ctx, node)


# ---- reshaping ---------------------------------------------------------------------------------
def _flatten(ctx: Importer, node) -> None:
    value = ctx.values[node.input[0]]
    if value.form == RNN_H:
        onnx_rnn.final_state(ctx, node, value, attributes(node).get("axis", 1))
        return
    if attributes(node).get("axis", 1) != 1:
        raise Unsupported(f"axis={attributes(node)['axis']} folds sample axes into the batch axis")
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer("Flatten", node, {}, [x])))


def _reshape(ctx: Importer, node) -> None:
    value = ctx.values[node.input[0]]
    if value.form in (RNN_Y_T, RNN_YB, RNN_H):
        onnx_rnn.reshape(ctx, node, value)
        return
    x = ctx.tensor(node, 0)
    sample = ctx.sample_dims(node.input[0])
    shape_value = ctx.values[node.input[1]]
    if shape_value.form == CONST:
        target = [int(d) for d in shape_value.const.reshape(-1)]
        allowzero = attributes(node).get("allowzero", 0)
        batch = ctx.shape(node.input[0])[0]
        if not target or not (target[0] == -1 or (target[0] == 0 and not allowzero) or
                              (batch is not None and target[0] == batch and -1 not in target[1:])):
            raise Unsupported(f"its target shape {target} changes the batch axis")
        rest = [sample[i] if d == 0 and not allowzero and i < len(sample) else d for i, d in enumerate(target[1:])]
        if rest.count(-1) == 1:
            known = int(np.prod([d for d in rest if d != -1]))
            rest[rest.index(-1)] = int(np.prod(sample)) // max(known, 1)
    else:  # a shape computed at run time: trust shape inference for the sample part
        out = ctx.shape(node.output[0])
        if out is None or any(d is None for d in out[1:]):
            raise Unsupported("its target shape is computed at run time and could not be inferred")
        rest = list(out[1:])
    if int(np.prod(rest)) != int(np.prod(sample)) or any(d < 1 for d in rest):
        raise Unsupported(f"it reshapes {sample} to {rest}, which does not keep the number of values")
    layer = (ctx.add_layer("Flatten", node, {}, [x]) if len(rest) == 1
             else ctx.add_layer("Reshape", node, {"shape": rest}, [x]))
    ctx.output(node, Value(TENSOR, layer))


def _transpose(ctx: Importer, node) -> None:
    value = ctx.values[node.input[0]]
    perm = list(attributes(node).get("perm", []))
    if perm == sorted(perm) and perm:
        ctx.output(node, value)
        return
    if perm == [1, 0, 2] and value.form in (TENSOR, TIME_MAJOR):
        # A batch-first sequence made time-major for an RNN (or back): the wire stays the same.
        if value.form == TENSOR:
            ctx.use(value, f"input '{node.input[0]}'")
        ctx.output(node, Value(TIME_MAJOR if value.form == TENSOR else TENSOR, value.producer, step=value.step))
        return
    if value.form in (RNN_Y, RNN_H):
        onnx_rnn.transpose(ctx, node, value, perm)
        return
    raise Unsupported(f"it reorders the axes (perm {perm}); netbuilder has no transpose layer")


def _squeeze(ctx: Importer, node) -> None:
    value = ctx.values[node.input[0]]
    axes = attributes(node).get("axes")
    if axes is None and len(node.input) > 1:
        axes = [int(a) for a in ctx.const(node, 1, "axes").reshape(-1)]
    if value.form in (RNN_Y, RNN_YB, RNN_H):
        onnx_rnn.squeeze(ctx, node, value, list(axes or []))
        return
    raise Unsupported("it removes axes of a layer's output; netbuilder has no squeeze layer")


def _gather(ctx: Importer, node) -> None:
    data, idx = ctx.values[node.input[0]], ctx.values[node.input[1]]
    axis = attributes(node).get("axis", 0)
    if data.form == CONST and idx.form == TENSOR and axis == 0 and data.const.ndim == 2:
        ctx.use(idx, f"input '{node.input[1]}'")
        table = data.const
        layer = ctx.add_layer("Embedding", node, {"num_embeddings": int(table.shape[0]),
                                                  "embedding_dim": int(table.shape[1])}, [idx],
                              {"weight": table}, node.input[0])
        ctx.output(node, Value(TENSOR, layer))
        return
    onnx_rnn.last_step(ctx, node, data, idx, axis)


OPS: dict[str, Converter] = {
    "Identity": _wire_through, "Dropout": _wire_through, "Shape": _shape, "Size": _shape,
    "Gemm": _gemm, "MatMul": _matmul, "Add": _add, "Mul": _mul, "Concat": _concat,
    "Conv": onnx_conv.conv, "ConvTranspose": onnx_conv.conv_transpose, "BatchNormalization": _batchnorm,
    "MaxPool": onnx_conv.pool("MaxPool2d"), "AveragePool": onnx_conv.pool("AvgPool2d"),
    "GlobalAveragePool": onnx_conv.global_avg, "ReduceMean": onnx_conv.reduce_mean, "Resize": onnx_conv.resize,
    "Slice": onnx_rnn.half,
    "Relu": _activation("ReLU"), "Sigmoid": _activation("Sigmoid"), "Tanh": _activation("Tanh"),
    "LeakyRelu": _activation("LeakyReLU", lambda a: {"negative_slope": f32(a.get("alpha", 0.01))}),
    "Elu": _activation("ELU", lambda a: {"alpha": f32(a.get("alpha", 1.0))}),
    "Softmax": _softmax("Softmax"), "LogSoftmax": _softmax("LogSoftmax"), "Gelu": _gelu,
    "Flatten": _flatten, "Reshape": _reshape, "Transpose": _transpose, "Squeeze": _squeeze, "Gather": _gather,
    "LSTM": onnx_rnn.convert_rnn("LSTM"), "GRU": onnx_rnn.convert_rnn("GRU"), "RNN": onnx_rnn.convert_rnn("RNN"),
}
