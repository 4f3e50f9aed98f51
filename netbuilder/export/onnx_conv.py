"""ONNX convolution, pooling and resizing nodes onto the catalog's image (and 1-D) layers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from netbuilder.export.onnx_values import TENSOR, Importer, Unsupported, Value, attributes
from netbuilder.graph.catalog import onnx_layer_types

if TYPE_CHECKING:
    from onnx import NodeProto


def _square(values: list[int], what: str) -> int:
    if len(set(values)) != 1:
        raise Unsupported(f"its {what} {values} differ between axes; netbuilder layers use one value for all")
    return int(values[0])


def _padding(a: dict[str, Any], spatial: int) -> int:
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise Unsupported(f"auto_pad={a['auto_pad']} is not supported — re-export with explicit pads")
    pads = list(a.get("pads", [0] * 2 * spatial))
    if pads[:spatial] != pads[spatial:]:
        raise Unsupported(f"its pads {pads} are not symmetric (begin and end differ)")
    return _square(pads[:spatial], "pads")


def conv(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    x = ctx.tensor(node, 0)
    w = ctx.const(node, 1, "weight")
    spatial = w.ndim - 2
    if spatial < 1:
        raise Unsupported(f"its weight has rank {w.ndim}; a convolution's has a filter axis at least")
    if a.get("group", 1) != 1:
        raise Unsupported(f"it is a grouped convolution (group={a['group']}); netbuilder convolutions use group 1")
    kernel = _square(list(w.shape[2:]), "kernel sizes (non-square kernel)")
    bias = ctx.optional_const(node, 2, "bias")
    params = {"out_channels": int(w.shape[0]), "kernel_size": kernel,
              "stride": _square(list(a.get("strides", [1] * spatial)), "strides"),
              "padding": _padding(a, spatial),
              "dilation": _square(list(a.get("dilations", [1] * spatial)), "dilations"), "bias": bias is not None}
    # The entry (Conv1d, Conv2d) whose shape rule takes the input: one with as many spatial axes.
    layer_type = ctx.fitting(layer_types, params, ctx.sample_dims(node.input[0]))
    layer = ctx.add_layer(layer_type, node, params, [x], {"weight": w, "bias": bias}, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def conv_transpose(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    x = ctx.tensor(node, 0)
    w = ctx.const(node, 1, "weight")
    if w.ndim != 4:
        raise Unsupported(f"it is a {w.ndim - 2}-D transposed convolution; netbuilder has {', '.join(layer_types)} "
                          "(2-D)")
    if a.get("group", 1) != 1:
        raise Unsupported(f"it is grouped (group={a['group']}); netbuilder uses group 1")
    if "output_shape" in a:
        raise Unsupported("it sets output_shape; give pads and output_padding instead")
    if _square(list(a.get("dilations", [1, 1])), "dilations") != 1:
        raise Unsupported("it is dilated; ConvTranspose2d here has no dilation")
    bias = ctx.optional_const(node, 2, "bias")
    params = {"out_channels": int(w.shape[1]), "kernel_size": _square(list(w.shape[2:]), "kernel sizes"),
              "stride": _square(list(a.get("strides", [1, 1])), "strides"), "padding": _padding(a, 2),
              "output_padding": _square(list(a.get("output_padding", [0, 0])), "output_padding"),
              "bias": bias is not None}
    layer = ctx.add_layer(layer_types[0], node, params, [x], {"weight": w, "bias": bias}, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def pool(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """MaxPool and AveragePool (the padding counted in the average, as torch's AvgPool2d counts it)."""
    a = attributes(node)
    x = ctx.tensor(node, 0)
    kernel = list(a["kernel_shape"])
    if len(kernel) != 2:
        raise Unsupported(f"it pools over {len(kernel)} axes; netbuilder pools images (2 axes)")
    if a.get("ceil_mode", 0):
        raise Unsupported("ceil_mode=1 is not supported")
    if _square(list(a.get("dilations", [1, 1])), "dilations") != 1:
        raise Unsupported("it is dilated")
    k, pad = _square(kernel, "kernel sizes"), _padding(a, 2)
    if node.op_type == "AveragePool" and pad and not a.get("count_include_pad", 0):
        raise Unsupported(f"it pads without counting the padding (count_include_pad=0); {layer_types[0]} counts it")
    if len(node.output) > 1 and node.output[1] and ctx.consumers.get(node.output[1]):
        raise Unsupported("its Indices output is used")
    params = {"kernel_size": k, "stride": _square(list(a.get("strides", [1, 1])), "strides"), "padding": pad}
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, params, [x])))


def global_avg(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    if ctx.rank(node) != 4:
        raise Unsupported(f"it pools a non-image tensor; {layer_types[0]} pools images")
    x = ctx.tensor(node, 0)
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {"output_size": 1}, [x])))


def reduce_mean(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """The mean over height and width (how exporters write AdaptiveAvgPool2d(1)), with or without a Flatten."""
    a = attributes(node)
    axes = a.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        axes = [int(x) for x in ctx.const(node, 1, "axes").reshape(-1)]
    rank = ctx.rank(node)
    if rank != 4 or sorted(x % 4 for x in (axes or [])) != [2, 3]:
        raise Unsupported(f"it averages over axes {axes}; netbuilder imports only the mean over an image's height "
                          "and width (global average pooling)")
    x = ctx.tensor(node, 0)
    pooled = Value(TENSOR, ctx.add_layer(layer_types[0], node, {"output_size": 1}, [x]))
    if not a.get("keepdims", 1):  # then the [N, C, 1, 1] result is flattened: what an ONNX Flatten imports as
        flatten = onnx_layer_types("Flatten")
        if not flatten:
            raise Unsupported("keepdims=0 drops the pooled axes, and no layer imports an ONNX Flatten")
        pooled = Value(TENSOR, ctx.add_layer(flatten[0], node, {}, [pooled]))
    ctx.output(node, pooled)


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
