"""ONNX convolution, pooling, reduction and resizing nodes onto the catalog's image and sequence layers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from netbuilder.export.onnx_shape import zero_pad
from netbuilder.export.onnx_values import TENSOR, Importer, Unsupported, Value, attributes
from netbuilder.graph.catalog import ShapeError, onnx_layer_types
from netbuilder.graph.catalog.sizes import window_output

if TYPE_CHECKING:
    from onnx import NodeProto


def _per_axis(values: Sequence[int]) -> int | list[int]:
    """One number when every axis has the same, else one per axis (how a catalog size parameter holds it)."""
    numbers = [int(v) for v in values]
    return numbers[0] if len(set(numbers)) == 1 else numbers


def _pads(ctx: Importer, node: NodeProto, a: dict[str, Any], kernel: Sequence[int], strides: Sequence[int],
          dilations: Sequence[int]) -> tuple[list[int], list[int]]:
    """The padding before and after each spatial axis; ``auto_pad`` SAME_* worked out from the input size."""
    spatial = len(kernel)
    auto = a.get("auto_pad", "NOTSET") or "NOTSET"
    if auto in ("NOTSET", "VALID"):
        pads = [int(p) for p in a.get("pads", [0] * 2 * spatial)] if auto == "NOTSET" else [0] * 2 * spatial
        return pads[:spatial], pads[spatial:]
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise Unsupported(f"auto_pad={auto} is not an ONNX padding mode")
    sizes = ctx.sample_dims(node.input[0])[1:]
    begin, end = [], []
    for n, k, s, d in zip(sizes, kernel, strides, dilations):
        total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
        small, big = total // 2, total - total // 2
        begin.append(small if auto == "SAME_UPPER" else big)
        end.append(big if auto == "SAME_UPPER" else small)
    return begin, end


def _even_padding(ctx: Importer, node: NodeProto, x: Value, begin: list[int], end: list[int],
                  sample: list[int]) -> tuple[Value, list[int], list[int]]:
    """Symmetric padding for the layer, with any uneven remainder as a ZeroPad2d before it (images only).

    Returns the input to use, its sample shape and the padding to give the layer.
    """
    even = [min(b, e) for b, e in zip(begin, end)]
    if begin == end:
        return x, sample, even
    if len(begin) != 2:
        raise Unsupported(f"its padding is uneven ({begin} before, {end} after); netbuilder pads only images "
                          "unevenly")
    extra_begin = [b - m for b, m in zip(begin, even)]
    extra_end = [e - m for e, m in zip(end, even)]
    padded = zero_pad(ctx, node, x, [extra_begin[1], extra_end[1], extra_begin[0], extra_end[0]])
    shape = [sample[0], sample[1] + extra_begin[0] + extra_end[0], sample[2] + extra_begin[1] + extra_end[1]]
    return padded, shape, even


def conv(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """Conv in one or two dimensions, grouped or depthwise, with per-axis kernel, stride, padding and dilation."""
    a = attributes(node)
    x = ctx.tensor(node, 0)
    w = ctx.const(node, 1, "weight")
    spatial = w.ndim - 2
    if spatial < 1:
        raise Unsupported(f"its weight has rank {w.ndim}; a convolution's has a filter axis at least")
    kernel = list(w.shape[2:])
    strides = list(a.get("strides", [1] * spatial))
    dilations = list(a.get("dilations", [1] * spatial))
    begin, end = _pads(ctx, node, a, kernel, strides, dilations)
    x, sample, padding = _even_padding(ctx, node, x, begin, end, ctx.sample_dims(node.input[0]))
    bias = ctx.optional_const(node, 2, "bias")
    params = {"out_channels": int(w.shape[0]), "kernel_size": _per_axis(kernel), "stride": _per_axis(strides),
              "padding": _per_axis(padding), "dilation": _per_axis(dilations), "groups": int(a.get("group", 1)),
              "bias": bias is not None}
    # The entry (Conv1d, Conv2d) whose shape rule takes the input: one with as many spatial axes.
    layer_type = ctx.fitting(layer_types, params, sample)
    layer = ctx.add_layer(layer_type, node, params, [x], {"weight": w, "bias": bias}, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def conv_transpose(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    x = ctx.tensor(node, 0)
    w = ctx.const(node, 1, "weight")
    spatial = w.ndim - 2
    if "output_shape" in a:
        raise Unsupported("it sets output_shape; give pads and output_padding instead")
    if (a.get("auto_pad", "NOTSET") or "NOTSET") not in ("NOTSET", "VALID"):
        raise Unsupported(f"auto_pad={a['auto_pad']} is not supported for a transposed convolution — re-export "
                          "with explicit pads")
    pads = list(a.get("pads", [0] * 2 * spatial))
    if pads[:spatial] != pads[spatial:]:
        raise Unsupported(f"its pads {pads} differ before and after; a transposed convolution crops both sides "
                          "alike")
    groups = int(a.get("group", 1))
    bias = ctx.optional_const(node, 2, "bias")
    params = {"out_channels": int(w.shape[1]) * groups, "kernel_size": _per_axis(list(w.shape[2:])),
              "stride": _per_axis(list(a.get("strides", [1] * spatial))), "padding": _per_axis(pads[:spatial]),
              "output_padding": _per_axis(list(a.get("output_padding", [0] * spatial))),
              "dilation": _per_axis(list(a.get("dilations", [1] * spatial))), "groups": groups,
              "bias": bias is not None}
    layer_type = ctx.fitting(layer_types, params, ctx.sample_dims(node.input[0]))
    layer = ctx.add_layer(layer_type, node, params, [x], {"weight": w, "bias": bias}, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def pool(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """MaxPool and AveragePool in one or two dimensions, with dilation, ceil_mode and uneven padding.

    Uneven padding (more after than before) becomes ceil_mode where that gives the same windows (a max,
    or an average of the real values only), else a ZeroPad2d before the pool (an average counting zeros).
    """
    a = attributes(node)
    x = ctx.tensor(node, 0)
    if len(node.output) > 1 and node.output[1] and ctx.consumers.get(node.output[1]):
        raise Unsupported("its Indices output is used")
    kernel = [int(k) for k in a["kernel_shape"]]
    spatial = len(kernel)
    strides = [int(s) for s in a.get("strides", [1] * spatial)]
    dilations = [int(d) for d in a.get("dilations", [1] * spatial)]
    is_max = node.op_type == "MaxPool"
    if not is_max and any(d != 1 for d in dilations):
        raise Unsupported("it is a dilated average pool; netbuilder's average pools are not dilated")
    ceil = bool(a.get("ceil_mode", 0))
    counts_pad = bool(a.get("count_include_pad", 0))
    sample = ctx.sample_dims(node.input[0])
    begin, end = _pads(ctx, node, a, kernel, strides, dilations)
    if (is_max or not counts_pad) and _one_window_over_all(sample[1:], kernel, strides, dilations, begin, end):
        # Caffe's classic: one window over the whole image, its padding ignored: global pooling.
        global_pool(ctx, node, onnx_layer_types("GlobalMaxPool" if is_max else "GlobalAveragePool"))
        return
    padding = begin
    if begin != end:
        if not ceil and (is_max or not counts_pad) and _ceil_matches(sample[1:], kernel, strides, dilations, begin,
                                                                      end):
            ceil = True  # the extra windows at the end hold only real values, as they would in ONNX
        elif not is_max and counts_pad:
            x, sample, padding = _even_padding(ctx, node, x, begin, end, sample)
        else:
            raise Unsupported(f"its padding is uneven ({begin} before, {end} after) in a way torch's pools "
                              "cannot reproduce")
    params: dict[str, Any] = {"kernel_size": _per_axis(kernel), "stride": _per_axis(strides),
                              "padding": _per_axis(padding), "ceil_mode": ceil}
    if is_max:
        params["dilation"] = _per_axis(dilations)
    else:  # without padding it makes no difference: keep torch's default
        params["count_include_pad"] = counts_pad or not any(padding)
    ctx.output(node, Value(TENSOR, ctx.add_layer(ctx.fitting(layer_types, params, sample), node, params, [x])))


def _one_window_over_all(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                         dilations: Sequence[int], begin: Sequence[int], end: Sequence[int]) -> bool:
    """Whether the pool has one output per axis whose window spans every value (an undilated window)."""
    return any(b != e for b, e in zip(begin, end)) and all(
        d == 1 and (n + b + e - k) // s + 1 == 1 and b + n <= k
        for n, k, s, d, b, e in zip(sizes, kernel, strides, dilations, begin, end))


def _ceil_matches(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int], dilations: Sequence[int],
                  begin: Sequence[int], end: Sequence[int]) -> bool:
    """Whether torch's ceil_mode with padding ``begin`` gives as many windows as ONNX with ``begin``/``end``."""
    try:
        ceiled = window_output(sizes, kernel, strides, begin, dilations, "", ceil_mode=True)
    except ShapeError:
        return False
    onnx_sizes = [(n + b + e - d * (k - 1) - 1) // s + 1
                  for n, k, s, d, b, e in zip(sizes, kernel, strides, dilations, begin, end)]
    return list(ceiled) == onnx_sizes and all(e >= b for b, e in zip(begin, end))


def global_pool(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """GlobalAveragePool / GlobalMaxPool: an adaptive pool to size 1, for images or sequences."""
    x = ctx.tensor(node, 0)
    params = {"output_size": 1}
    layer_type = ctx.fitting(layer_types, params, ctx.sample_dims(node.input[0]))
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, params, [x])))


_REDUCTIONS = {"ReduceMean": "mean", "ReduceMax": "max", "ReduceMin": "min", "ReduceSum": "sum"}


def reduce(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """ReduceMean/Max/Min/Sum over sample axes.

    Over every spatial axis of an image or sequence, keeping the axes (how exporters write global pooling),
    a mean or max is an adaptive pool to size 1; anything else is a Reduce.
    """
    a = attributes(node)
    axes = a.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        axes = [int(v) for v in np.asarray(ctx.const(node, 1, "axes")).reshape(-1)]
    x = ctx.tensor(node, 0)
    rank = ctx.rank(node)
    if not axes:
        if a.get("noop_with_empty_axes", 0):
            ctx.output(node, x)
            return
        raise Unsupported("it reduces every axis, the batch axis too")
    axes = sorted({int(v) % rank for v in axes})
    if 0 in axes:
        raise Unsupported("it reduces over the batch axis")
    keep = bool(a.get("keepdims", 1))
    op = _REDUCTIONS[node.op_type]
    pools = [t for t in layer_types if t.startswith("Adaptive")]
    if pools and keep and rank in (3, 4) and axes == list(range(2, rank)):
        pooled = Value(TENSOR, ctx.add_layer(ctx.fitting(pools, {"output_size": 1}, ctx.sample_dims(node.input[0])),
                                             node, {"output_size": 1}, [x]))
        ctx.output(node, pooled)
        return
    general = [t for t in layer_types if not t.startswith("Adaptive")]
    if not general:
        raise Unsupported(f"it takes the {op} over axes {axes}; only global pooling imports")
    params = {"op": op, "dims": [v - 1 for v in axes], "keepdim": keep}
    ctx.output(node, Value(TENSOR, ctx.add_layer(general[0], node, params, [x])))


def resize(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """Whole-factor nearest or bilinear upsampling of an image, as torch's Upsample computes it."""
    a = attributes(node)
    x = ctx.tensor(node, 0)
    dims = ctx.shape(node.input[0])
    scales = ctx.optional_const(node, 2, "scales")
    if (scales is None or scales.size == 0) and len(node.input) > 3:
        sizes = ctx.const(node, 3, "sizes")
        if dims is None or any(d is None for d in dims[2:]):
            raise Unsupported("its input size is unknown")
        scales = np.asarray(sizes[-2:], dtype=np.float64) / np.asarray(dims[2:], dtype=np.float64)
    if scales is None or dims is None or len(dims) != 4:
        raise Unsupported("it resizes something other than an image by constant factors")
    factors = [float(f) for f in np.asarray(scales).reshape(-1)[-2:]]
    if len(set(factors)) != 1 or not factors[0].is_integer() or factors[0] < 1 or \
            (np.asarray(scales).size == 4 and list(np.asarray(scales).reshape(-1)[:2]) != [1, 1]):
        raise Unsupported(f"its scales {np.asarray(scales).reshape(-1).tolist()} are not one whole factor for "
                          "height and width")
    mode, ctm = a.get("mode", "nearest"), a.get("coordinate_transformation_mode", "half_pixel")
    if mode == "nearest" and ctm == "asymmetric" and a.get("nearest_mode", "round_prefer_floor") == "floor":
        kind = "nearest"
    elif mode == "linear" and ctm in ("half_pixel", "pytorch_half_pixel") and not a.get("antialias", 0):
        kind = "bilinear"
    else:
        raise Unsupported(f"mode={mode} with coordinate_transformation_mode={ctm} is not how torch's Upsample "
                          "(nearest, or bilinear without align_corners) computes")
    layer = ctx.add_layer(layer_types[0], node, {"scale_factor": int(factors[0]), "mode": kind}, [x])
    ctx.output(node, Value(TENSOR, layer))
