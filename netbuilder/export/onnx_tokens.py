"""A vision transformer's class token and ``x[:, i]`` onto the catalog's ClassToken and Select layers.

Exporters write ``torch.cat([token.expand(B, -1, -1), x], 1)`` as a Concat
along axis 1 whose first operand is an Expand of a (1, 1, D) initializer to a
shape computed from the input's batch size (Shape → Gather → Concat, or
Shape(start, end) → Concat). The Expand itself only ever sees a constant and
shape arithmetic, so the walk folds it into a shape (or zeros) value; the
Concat recognises it by the node that made its operand, whatever the nodes
are called.

``x[:, i]`` is a Gather with a scalar index along a sample axis; some
exporters write it as a one-wide Slice then a Squeeze of that axis. A
one-wide Slice imports as a Select with an Unsqueeze after it, and a Squeeze
of the axis an Unsqueeze added gives the Unsqueeze's input back: the pair
becomes one Select, and the Unsqueeze, which nothing reads, is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netbuilder.export.onnx_shape import _axes, _sample_axis
from netbuilder.export.onnx_values import CONST, SHAPE, TENSOR, ZEROS, Importer, Layer, Unsupported, Value, \
    attributes, is_recurrent
from netbuilder.graph.catalog import CATALOG, onnx_layer_types

if TYPE_CHECKING:
    from onnx import NodeProto


# ---- ClassToken -------------------------------------------------------------------------------------------
def class_token(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> bool:
    """A Concat(axis=1) of [constant token expanded to the batch, x]: a ClassToken layer. False if not that."""
    token_types = [t for t in layer_types if CATALOG[t].has_weights]  # a Concatenate has none; a token is one
    if not token_types or len([n for n in node.input if n]) != 2:
        return False
    expand = ctx.producers.get(node.input[0])
    if expand is None or expand.op_type != "Expand" or ctx.values[node.input[0]].form not in (SHAPE, ZEROS):
        return False
    token = ctx.values.get(expand.input[0])
    if token is None or token.form != CONST:
        return False
    rank = ctx.rank(node, 1)
    axis = attributes(node).get("axis", 0)
    if rank != 3 or axis % rank != 1:
        raise Unsupported(f"it prepends a constant along axis {axis} of a rank-{rank} tensor; a ClassToken "
                          "prepends a token to a batch of sequences (axis 1 of [batch, length, features])")
    if ctx.values[expand.input[1]].form != SHAPE:  # a shape fixed when exporting fixes the batch size too
        raise Unsupported("its token is expanded to a fixed batch size; export with a dynamic batch axis")
    x = ctx.tensor(node, 1)
    features = ctx.sample_dims(node.input[1])[-1]
    array = token.array
    expanded = ctx.shape(node.input[0])
    known = expanded is None or (len(expanded) == 3 and all(d in (None, want) for d, want in
                                                            zip(expanded[1:], (1, features))))
    if array.size != features or array.shape[-1] != features or not known:
        raise Unsupported(f"it prepends a constant of shape {list(array.shape)} expanded to {expanded}; a "
                          f"ClassToken prepends one token of {features} features")
    layer = ctx.add_layer(token_types[0], node, {}, [x], {"token": array.reshape(1, 1, features)},
                          expand.input[0])
    ctx.output(node, Value(TENSOR, layer))
    return True


# ---- Select: Gather, or Slice then Squeeze ---------------------------------------------------------------------
def _select_type(layer_types: tuple[str, ...]) -> str:
    """The entry that picks a position: the weightless one among an operator's entries (an Embedding has a table)."""
    found = [t for t in layer_types if not CATALOG[t].has_weights]
    if not found:
        raise Unsupported("it picks entries of a tensor, and no netbuilder layer takes one position")
    return found[0]


def select(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> bool:
    """A Gather of one position (a scalar constant index) along a sample axis: a Select layer. False if not that.

    The last step of a recurrent layer's sequence is left to the recurrent converters (the layer with
    return_sequence off); any other tensor's position is a Select.
    """
    data, idx = ctx.values[node.input[0]], ctx.values[node.input[1]]
    if data.form != TENSOR or idx.form != CONST or idx.array.ndim != 0:
        return False
    if isinstance(data.producer, Layer) and is_recurrent(data.producer.type) and data.step == "sequence":
        return False
    x = ctx.tensor(node, 0)
    dims = ctx.sample_dims(node.input[0])
    dim = _sample_axis(int(attributes(node).get("axis", 0)), len(dims) + 1, "axis")
    index = int(idx.array)
    if not -dims[dim] <= index < dims[dim]:
        raise Unsupported(f"it picks position {index} of an axis of size {dims[dim]}")
    layer = ctx.add_layer(_select_type(layer_types), node, {"dim": dim, "index": index}, [x])
    ctx.output(node, Value(TENSOR, layer))
    return True


def _slice_arguments(ctx: Importer, node: NodeProto) -> tuple[list[int], list[int], list[int] | None, list[int]]:
    """starts, ends, axes (None: all from 0) and steps, from attributes (opset < 10) or constant inputs."""
    a = attributes(node)
    if "starts" in a:
        return [int(s) for s in a["starts"]], [int(e) for e in a["ends"]], a.get("axes"), [1] * len(a["starts"])

    def ints(i: int, what: str) -> list[int] | None:
        given = ctx.optional_const(node, i, what) if len(node.input) > i else None
        return None if given is None else [int(v) for v in np.asarray(given).reshape(-1)]
    starts, ends = ints(1, "starts") or [], ints(2, "ends") or []
    return starts, ends, ints(3, "axes"), ints(4, "steps") or [1] * len(starts)


def one_position(ctx: Importer, node: NodeProto) -> bool:
    """A Slice of a plain tensor: all of it (the value itself), or one position (a Select, unsqueezed back)."""
    value = ctx.values[node.input[0]]
    if value.form != TENSOR:
        return False
    starts, ends, axes, steps = _slice_arguments(ctx, node)
    dims = ctx.sample_dims(node.input[0])
    rank = len(dims) + 1
    axes = list(range(len(starts))) if axes is None else axes
    out = ctx.use(value, f"input '{node.input[0]}'")
    picked: list[tuple[int, int]] = []
    for start, end, axis, step in zip(starts, ends, axes, steps):
        d = _sample_axis(axis, rank, "axis")
        size = dims[d]
        first = max(start + size, 0) if start < 0 else min(start, size)
        stop = max(end + size, 0) if end < 0 else min(end, size)
        if step == 1 and first == 0 and stop == size:  # all of this axis: nothing to do
            continue
        if step != 1 or stop - first != 1:
            raise Unsupported(f"it takes positions {start}:{end}:{step} of axis {axis}; netbuilder takes one "
                              "position (a Select) or all of them")
        picked.append((d, first))
    select_type = _select_type(onnx_layer_types("Gather"))
    unsqueeze_type = onnx_layer_types("Unsqueeze")[0]
    for d, first in picked:
        chosen = Value(TENSOR, ctx.add_layer(select_type, node, {"dim": d, "index": first}, [out]))
        out = Value(TENSOR, ctx.add_layer(unsqueeze_type, node, {"dim": d}, [chosen]))
    ctx.output(node, out)
    return True


def squeeze_unsqueezed(ctx: Importer, node: NodeProto) -> bool:
    """A Squeeze of the one axis an Unsqueeze layer added: that layer's input. False if not that."""
    value = ctx.values[node.input[0]]
    layer = value.producer
    if value.form != TENSOR or not isinstance(layer, Layer) or layer.type != onnx_layer_types("Unsqueeze")[0]:
        return False
    before = layer.inputs[0].producer
    if not isinstance(before, Layer) or before.onnx_node != layer.onnx_node:  # only the pair a Slice made
        return False
    axes = _axes(ctx, node)
    rank = len(ctx.sample_dims(node.input[0])) + 1
    if axes is None or len(axes) != 1 or _sample_axis(axes[0], rank, "axis") != layer.params["dim"] % (rank - 1):
        return False
    ctx.output(node, ctx.use(layer.inputs[0], f"input '{node.input[0]}'"))
    return True
