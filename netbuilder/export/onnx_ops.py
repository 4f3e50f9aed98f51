"""How ONNX import maps an operator onto a catalog layer: the catalog says which, converters say how.

An ONNX operator imports as the layer whose catalog entry lists it in
``onnx_ops`` (`converter_for`). A layer made from one node's attributes alone
(an activation) needs nothing more than that entry: `one_to_one` reads the
entry's ``onnx_attributes``. Operators whose layer needs more (weights in
torch's layout, a choice between entries by the input's shape, patterns of
several nodes) have a converter here that is handed the entry types. A few
operators make no layer at all (`PLUMBING`): values passed through, shape
bookkeeping, and the pieces of patterns that fold into another node's layer.

Each converter reads one ONNX node, checks that the catalog layer can express
it exactly (else raises `Unsupported` with the reason), records the layer
with its weights in torch's layout, and registers the node's outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from netbuilder.export import onnx_attention, onnx_conv, onnx_elementwise, onnx_norm, onnx_rnn, onnx_shape, onnx_tokens
from netbuilder.export.onnx_elementwise import per_feature
from netbuilder.export.onnx_values import (CONST, RNN_H, RNN_Y, RNN_Y_T, RNN_YB, SHAPE, TENSOR, TIME_MAJOR, Converter,
                                           Importer, Unsupported, Value, attributes, f32)
from netbuilder.graph.catalog import CATALOG, onnx_layer_types

if TYPE_CHECKING:
    from onnx import NodeProto

# A converter onto the catalog layer(s) that import an operator: given the layer types, in catalog order.
LayerConverter = Callable[[Importer, "NodeProto", tuple[str, ...]], None]


# ---- pass-through and shape bookkeeping ------------------------------------------------------
def _wire_through(ctx: Importer, node: NodeProto) -> None:
    """Identity, and Dropout (which does nothing at inference): the output is the input."""
    ctx.output(node, ctx.values[node.input[0]])


def _shape(ctx: Importer, node: NodeProto) -> None:
    ctx.output(node, Value(SHAPE))


# ---- one node, one layer, attributes only ----------------------------------------------------------
def one_to_one(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """One tensor in, one out, parameters from the node's attributes as the entry's ``onnx_attributes`` map them.

    An attribute the entry does not map is refused: the layer could not compute the same thing.
    """
    spec = CATALOG[layer_types[0]]
    if spec.has_weights:
        raise Unsupported(f"{spec.type} has weights, and no converter says where ONNX keeps them")
    inputs, outputs = [n for n in node.input if n], [n for n in node.output if n]
    if len(inputs) != 1 or len(outputs) != 1:
        raise Unsupported(f"it has {len(inputs)} inputs and {len(outputs)} outputs; {spec.type} has one of each")
    mapping = dict(spec.onnx_attributes)
    given = attributes(node)
    unknown = sorted(set(given) - set(mapping))
    if unknown:
        raise Unsupported(f"its attribute(s) {', '.join(unknown)} have no {spec.type} parameter")
    params = {mapping[a]: f32(v) if isinstance(v, float) else v for a, v in given.items()}
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer(spec.type, node, params, [x])))


# ---- fully connected ---------------------------------------------------------------------------
def _gemm(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
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
        bias = per_feature(bias * a.get("beta", 1.0), weight.shape[0], "bias")
    layer = ctx.add_layer(layer_types[0], node, {"out_features": int(weight.shape[0]), "bias": bias is not None},
                          [x], {"weight": weight, "bias": bias}, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def _matmul(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    x = ctx.tensor(node, 0)
    b = ctx.const(node, 1, "weight")
    if b.ndim != 2:
        raise Unsupported(f"it multiplies by a rank-{b.ndim} constant; only a matrix (a Linear layer) is supported")
    layer = ctx.add_layer(layer_types[0], node, {"out_features": int(b.shape[1]), "bias": False}, [x],
                          {"weight": b.T}, node.input[1])
    # A following Add of a constant is this layer's bias, if nothing else reads the product.
    ctx.output(node, Value(TENSOR, layer, bias_open=ctx.consumers.get(node.output[0], 0) == 1))


def _concat(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    if onnx_rnn.join_directions(ctx, node) or onnx_tokens.class_token(ctx, node, layer_types):
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
        out = Value(TENSOR, ctx.add_layer(layer_types[0], node, {"dim": axis - 1}, [out, value]))
    ctx.output(node, out)


def _batchnorm(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    if a.get("training_mode", 0) or len([o for o in node.output if o]) > 1:
        raise Unsupported("it is in training mode; export the model in eval mode")
    params = {"momentum": f32(1.0 - f32(a.get("momentum", 0.9))), "affine": True}
    layer_type = ctx.fitting(layer_types, params, ctx.sample_dims(node.input[0]))  # by rank: 1-D or 2-D
    x = ctx.tensor(node, 0)
    scale, shift, mean, var = (ctx.const(node, i, w) for i, w in
                               enumerate(("scale", "bias", "mean", "variance"), start=1))
    # The catalog's BatchNorm uses torch's eps (1e-5); another eps is exactly the same as a shifted variance.
    eps = float(a.get("epsilon", 1e-5))
    if np.float32(eps) == np.float32(1e-5):  # 1e-5 written as a float32 (9.99999975e-06) is torch's 1e-5
        eps = 1e-5
    var = var.astype(np.float64) + eps - 1e-5
    if np.any(var < 0):
        raise Unsupported(f"its epsilon ({a.get('epsilon')}) is smaller than 1e-5 and a variance is tiny")
    weights = {"weight": scale, "bias": shift, "running_mean": mean, "running_var": var,
               "num_batches_tracked": np.array(0, dtype=np.int64)}
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, params, [x], weights, node.input[1])))


# ---- activations with more than attributes to them --------------------------------------------------
def _softmax(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    rank = ctx.rank(node)
    axis = attributes(node).get("axis", -1 if ctx.opset >= 13 else 1)
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise Unsupported("it normalises over the batch axis")
    if ctx.opset < 13 and axis != rank - 1:  # it normalises everything from the axis on, as if flattened there
        onnx_shape.legacy_softmax(ctx, node, layer_types[0], axis)
        return
    dim = -1 if axis == rank - 1 else axis - 1
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {"dim": dim}, [x])))


def _gelu(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    if attributes(node).get("approximate", "none") != "none":
        raise Unsupported(f"it uses the tanh approximation; the {layer_types[0]} layer computes the exact one")
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {}, [x])))


# ---- reshaping ---------------------------------------------------------------------------------
def _flatten(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    value = ctx.values[node.input[0]]
    if value.form == RNN_H:
        onnx_rnn.final_state(ctx, node, value, attributes(node).get("axis", 1))
        return
    if attributes(node).get("axis", 1) != 1:
        raise Unsupported(f"axis={attributes(node)['axis']} folds sample axes into the batch axis")
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {}, [x])))


def _reshape(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    value = ctx.values[node.input[0]]
    if value.form in (RNN_Y_T, RNN_YB, RNN_H):
        onnx_rnn.reshape(ctx, node, value)
        return
    x = ctx.tensor(node, 0)
    sample = ctx.sample_dims(node.input[0])
    shape_value = ctx.values[node.input[1]]
    if shape_value.form == CONST:
        target = [int(d) for d in shape_value.array.reshape(-1)]
        allowzero = attributes(node).get("allowzero", 0)
        batch = (ctx.shape(node.input[0]) or [None])[0]
        if not target or not (target[0] == -1 or (target[0] == 0 and not allowzero) or
                              (batch is not None and target[0] == batch and -1 not in target[1:])):
            raise Unsupported(f"its target shape {target} changes the batch axis")
        rest = [sample[i] if d == 0 and not allowzero and i < len(sample) else d for i, d in enumerate(target[1:])]
        if rest.count(-1) == 1:
            known = int(np.prod([d for d in rest if d != -1]))
            rest[rest.index(-1)] = int(np.prod(sample)) // max(known, 1)
    else:  # a shape computed at run time: trust shape inference for the sample part
        rest = _inferred_sample(ctx, node, sample)
    if int(np.prod(rest)) != int(np.prod(sample)) or any(d < 1 for d in rest):
        raise Unsupported(f"it reshapes {sample} to {rest}, which does not keep the number of values")
    # The first entry that gives this shape: a Flatten for one axis, else a Reshape.
    layer_type = ctx.fitting(layer_types, {"shape": rest}, sample, want=rest)
    params = {"shape": rest} if any(p.name == "shape" for p in CATALOG[layer_type].params) else {}
    layer = ctx.add_layer(layer_type, node, params, [x])
    ctx.output(node, Value(TENSOR, layer))


def _inferred_sample(ctx: Importer, node: NodeProto, sample: list[int]) -> list[int]:
    """A Reshape's output sample shape as shape inference gives it. One axis it left open (the -1 of a computed
    shape, as TorchScript writes ``x.flatten(2)``) follows from the number of values when the batch axis is the
    input's own."""
    dims = ctx.shapes.get(node.output[0]) or []
    open_axes = sum(d is None for d in dims[1:])
    if open_axes == 1 and _batch_axis(ctx, node.input[0]) == _batch_axis(ctx, node.output[0]) is not None:
        known = int(np.prod([d for d in dims[1:] if d is not None]))
        return [int(np.prod(sample)) // max(known, 1) if d is None else d for d in dims[1:]]
    try:
        return ctx.sample_dims(node.output[0])
    except Unsupported:
        raise Unsupported("its target shape is computed at run time and could not be inferred") from None


def _batch_axis(ctx: Importer, name: str) -> str | int | None:
    """The first axis of ``name`` as shape inference names it (a symbol such as 'batch', or a size)."""
    graph = ctx.model.graph
    for info in (*graph.input, *graph.value_info, *graph.output):
        if info.name == name and info.type.tensor_type.shape.dim:
            first = info.type.tensor_type.shape.dim[0]
            return first.dim_param or (first.dim_value if first.HasField("dim_value") else None)
    return None


def _transpose(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
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
    onnx_shape.permute(ctx, node, perm)


def _squeeze(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    value = ctx.values[node.input[0]]
    axes = attributes(node).get("axes")
    if axes is None and len(node.input) > 1:
        axes = [int(a) for a in ctx.const(node, 1, "axes").reshape(-1)]
    if value.form in (RNN_Y, RNN_YB, RNN_H):
        onnx_rnn.squeeze(ctx, node, value, list(axes or []))
        return
    if onnx_tokens.squeeze_unsqueezed(ctx, node):  # the Squeeze after a one-wide Slice: a Select
        return
    onnx_shape.squeeze(ctx, node)


def _gather(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    data, idx = ctx.values[node.input[0]], ctx.values[node.input[1]]
    axis = attributes(node).get("axis", 0)
    if data.form == CONST and idx.form == TENSOR and axis == 0 and data.array.ndim == 2:
        ctx.use(idx, f"input '{node.input[1]}'")
        table = data.array
        layer = ctx.add_layer(layer_types[0], node, {"num_embeddings": int(table.shape[0]),
                                                  "embedding_dim": int(table.shape[1])}, [idx],
                              {"weight": table}, node.input[0])
        ctx.output(node, Value(TENSOR, layer))
        return
    if not onnx_tokens.select(ctx, node, layer_types):
        onnx_rnn.last_step(ctx, node, data, idx, axis)


def _slice(ctx: Importer, node: NodeProto) -> None:
    """All of a tensor or one position of it (`onnx_tokens`), or half of a bidirectional RNN's step."""
    if not onnx_tokens.one_position(ctx, node):
        onnx_rnn.half(ctx, node)


# Operators that make no layer of their own.
PLUMBING: dict[str, Converter] = {
    "Identity": _wire_through, "Dropout": _wire_through,  # Dropout does nothing at inference
    "Shape": _shape, "Size": _shape,
    "Slice": _slice,
    "Greater": onnx_elementwise.comparison, "Where": onnx_elementwise.where,  # a Softplus's threshold
    f"{onnx_attention.DOMAIN}.{onnx_attention.OP}": onnx_attention.convert,  # see onnx_attention.fold_attention
}

# How an operator becomes the layer(s) the catalog maps it to, where the attributes alone do not say.
LAYER_CONVERTERS: dict[str, LayerConverter] = {
    "Gemm": _gemm, "MatMul": _matmul, "Concat": _concat,
    "BatchNormalization": _batchnorm, "Softmax": _softmax, "LogSoftmax": _softmax, "Gelu": _gelu,
    "Flatten": _flatten, "Reshape": _reshape, "Gather": _gather,
    "Conv": onnx_conv.conv, "ConvTranspose": onnx_conv.conv_transpose, "MaxPool": onnx_conv.pool,
    "AveragePool": onnx_conv.pool, "GlobalAveragePool": onnx_conv.global_pool, "GlobalMaxPool": onnx_conv.global_pool,
    "ReduceMean": onnx_conv.reduce, "ReduceMax": onnx_conv.reduce, "ReduceMin": onnx_conv.reduce,
    "ReduceSum": onnx_conv.reduce, "Resize": onnx_conv.resize, "Upsample": onnx_shape.upsample,
    "LSTM": onnx_rnn.convert_rnn, "GRU": onnx_rnn.convert_rnn, "RNN": onnx_rnn.convert_rnn,
    # Arithmetic: merges of layer outputs, or constants as Scale/Bias (see onnx_elementwise).
    "Add": onnx_elementwise.arithmetic, "Sub": onnx_elementwise.arithmetic, "Mul": onnx_elementwise.arithmetic,
    "Div": onnx_elementwise.arithmetic, "Sum": onnx_elementwise.variadic, "Mean": onnx_elementwise.variadic,
    "Max": onnx_elementwise.variadic, "Min": onnx_elementwise.variadic, "Pow": onnx_elementwise.power,
    "PRelu": onnx_elementwise.prelu, "Clip": onnx_elementwise.clip, "HardSigmoid": onnx_elementwise.hard_sigmoid,
    "Selu": onnx_elementwise.selu, "LRN": onnx_norm.lrn, "LayerNormalization": onnx_norm.layer_norm,
    # Moving values around (see onnx_shape).
    "Transpose": _transpose, "Squeeze": _squeeze, "Unsqueeze": onnx_shape.unsqueeze, "Split": onnx_shape.split,
    "Pad": onnx_shape.pad, "DepthToSpace": onnx_shape.depth_to_space,
}


def converter_for(op_type: str) -> Converter | None:
    """How to import an ONNX operator, or None when no catalog entry imports it."""
    if op_type in PLUMBING:
        return PLUMBING[op_type]
    layer_types = onnx_layer_types(op_type)
    if not layer_types:
        return None
    convert = LAYER_CONVERTERS.get(op_type, one_to_one)

    def converter(ctx: Importer, node: NodeProto) -> None:
        convert(ctx, node, layer_types)
    return converter
