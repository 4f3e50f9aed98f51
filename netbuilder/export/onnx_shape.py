"""ONNX operators that move values around onto the catalog's plumbing layers.

Transpose becomes Permute, Squeeze and Unsqueeze the layers of those names
(one per axis), Split the Split layer with a port per part, Pad one of the
padding layers, DepthToSpace a PixelShuffle (or, in its DCR ordering, the
Reshape, Permute, Reshape it stands for), and the legacy Softmax that
flattens from an axis (before opset 13) a Softmax over exactly the values it
normalises. Axes in ONNX count the batch; the layers count sample
dimensions, so every axis here is shifted by one, and an operation on the
batch axis is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from netbuilder.export.onnx_values import TENSOR, Importer, Unsupported, Value, attributes
from netbuilder.graph.catalog import CATALOG, onnx_layer_types

if TYPE_CHECKING:
    from onnx import NodeProto


def _axes(ctx: Importer, node: NodeProto, input_index: int = 1) -> list[int] | None:
    """The ``axes`` of a node: an attribute in old opsets, an optional constant input in new ones."""
    a = attributes(node)
    if "axes" in a:
        return [int(x) for x in a["axes"]]
    if len(node.input) > input_index and node.input[input_index]:
        return [int(x) for x in np.asarray(ctx.const(node, input_index, "axes")).reshape(-1)]
    return None


def _sample_axis(axis: int, rank: int, what: str) -> int:
    """An ONNX axis of a rank-``rank`` tensor as a sample dimension (0 is the first after the batch)."""
    if not -rank <= axis < rank:
        raise Unsupported(f"its {what} {axis} does not exist in a rank-{rank} tensor")
    axis %= rank
    if axis == 0:
        raise Unsupported(f"its {what} is the batch axis; netbuilder layers work on each sample")
    return axis - 1


def _reshape_to(ctx: Importer, node: NodeProto, x: Value, sample: Sequence[int], shape: Sequence[int]) -> Value:
    layer_type = ctx.fitting(onnx_layer_types("Reshape"), {"shape": list(shape)}, sample, want=shape)
    params = {"shape": list(shape)} if any(p.name == "shape" for p in CATALOG[layer_type].params) else {}
    return Value(TENSOR, ctx.add_layer(layer_type, node, params, [x]))


def _permute(ctx: Importer, node: NodeProto, x: Value, dims: Sequence[int]) -> Value:
    return Value(TENSOR, ctx.add_layer(onnx_layer_types("Transpose")[0], node, {"dims": list(dims)}, [x]))


# ---- Transpose, Squeeze, Unsqueeze ------------------------------------------------------------------------
def permute(ctx: Importer, node: NodeProto, perm: Sequence[int]) -> None:
    """A Transpose that keeps the batch first: a Permute of the sample dimensions."""
    if not perm or perm[0] != 0:
        raise Unsupported(f"it moves the batch axis (perm {list(perm)}); netbuilder layers keep it first")
    x = ctx.tensor(node, 0)
    ctx.output(node, _permute(ctx, node, x, [p - 1 for p in perm[1:]]))


def squeeze(ctx: Importer, node: NodeProto) -> None:
    x = ctx.tensor(node, 0)
    dims = ctx.sample_dims(node.input[0])
    rank = len(dims) + 1
    axes = _axes(ctx, node)
    sample_axes = ([i for i, d in enumerate(dims) if d == 1] if axes is None
                   else [_sample_axis(a, rank, "axis") for a in axes])
    layer_type = onnx_layer_types("Squeeze")[0]
    out = x
    for d in sorted(set(sample_axes), reverse=True):  # from the last, so the others keep their place
        if dims[d] != 1:
            raise Unsupported(f"it squeezes axis {d + 1}, which has size {dims[d]}")
        out = Value(TENSOR, ctx.add_layer(layer_type, node, {"dim": d}, [out]))
    ctx.output(node, out)


def unsqueeze(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    x = ctx.tensor(node, 0)
    axes = _axes(ctx, node)
    if not axes:
        raise Unsupported("it has no axes")
    rank = len(ctx.sample_dims(node.input[0])) + 1 + len(axes)  # the rank of the result
    out = x
    for d in sorted(_sample_axis(a, rank, "axis") for a in axes):  # in order: each lands where the result has it
        out = Value(TENSOR, ctx.add_layer(layer_types[0], node, {"dim": d}, [out]))
    ctx.output(node, out)


# ---- Split ------------------------------------------------------------------------------------------------
def split(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    x = ctx.tensor(node, 0)
    dims = ctx.sample_dims(node.input[0])
    d = _sample_axis(int(a.get("axis", 0)), len(dims) + 1, "axis")
    outputs = list(node.output)
    if "split" in a:
        sizes = [int(s) for s in a["split"]]
    elif len(node.input) > 1 and node.input[1]:
        sizes = [int(s) for s in np.asarray(ctx.const(node, 1, "split sizes")).reshape(-1)]
    else:  # equal parts, one per output (the last smaller when it does not divide: opset 18)
        n = len(outputs)
        step = -(-dims[d] // n)
        sizes = [min(step, dims[d] - i * step) for i in range(n)]
    spec = CATALOG[layer_types[0]]
    if len(sizes) > len(spec.outputs):
        raise Unsupported(f"it splits into {len(sizes)} parts; {spec.type} gives at most {len(spec.outputs)}")
    layer = ctx.add_layer(spec.type, node, {"dim": d, "sizes": sizes}, [x])
    for i, (name, port) in enumerate(zip(outputs, spec.outputs)):
        if name:
            ctx.output(node, Value(TENSOR, layer, port=port.name), i)


# ---- Pad --------------------------------------------------------------------------------------------------
_PAD_MODES = {"reflect": "ReflectionPad2d", "edge": "ReplicationPad2d"}


def pad(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """Padding of an image's height and width (left, right, top, bottom), by zeros, a value, mirroring or edges."""
    a = attributes(node)
    mode = a.get("mode", "constant")
    if ctx.opset < 11:
        pads, value = [int(p) for p in a.get("pads", a.get("paddings", []))], float(a.get("value", 0.0))
    else:
        pads = [int(p) for p in np.asarray(ctx.const(node, 1, "pads")).reshape(-1)]
        given = ctx.optional_const(node, 2, "padding value")
        value = 0.0 if given is None or np.asarray(given).size == 0 else float(np.asarray(given).reshape(-1)[0])
        axes = ctx.optional_const(node, 3, "axes") if len(node.input) > 3 else None
        if axes is not None:
            raise Unsupported("it pads only some axes (the axes input of opset 18); re-export with pads for all")
    x = ctx.tensor(node, 0)
    rank = ctx.rank(node)
    if rank != 4 or len(pads) != 8:
        raise Unsupported(f"it pads a rank-{rank} tensor; netbuilder pads images (height and width)")
    if any(p < 0 for p in pads):
        raise Unsupported(f"its pads {pads} crop (negative padding)")
    if pads[0] or pads[1] or pads[4] or pads[5]:
        raise Unsupported(f"its pads {pads} pad the batch or channel axis; netbuilder pads height and width")
    sides = [pads[3], pads[7], pads[2], pads[6]]  # torch: left, right, top, bottom
    if mode == "constant":
        layer_type, params = ("ZeroPad2d", {}) if value == 0 else ("ConstantPad2d", {"value": value})
    elif mode in _PAD_MODES:
        layer_type, params = _PAD_MODES[mode], {}
    else:
        raise Unsupported(f"its mode {mode} has no padding layer")
    if layer_type not in layer_types:
        raise Unsupported(f"no {layer_type} layer imports ONNX Pad")
    padding = sides[0] if len(set(sides)) == 1 else sides
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, {"padding": padding, **params}, [x])))


def zero_pad(ctx: Importer, node: NodeProto, x: Value, sides: Sequence[int]) -> Value:
    """Zeros around an image (left, right, top, bottom): the uneven part of a convolution's or a pool's padding."""
    layer_type = next((t for t in onnx_layer_types("Pad") if t == "ZeroPad2d"), None)
    if layer_type is None:
        raise Unsupported("its padding is uneven and no layer pads with zeros")
    padding = sides[0] if len(set(sides)) == 1 else list(sides)
    return Value(TENSOR, ctx.add_layer(layer_type, node, {"padding": padding}, [x]))


# ---- DepthToSpace -----------------------------------------------------------------------------------------
def depth_to_space(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    b, mode = int(a["blocksize"]), a.get("mode", "DCR")
    x = ctx.tensor(node, 0)
    dims = ctx.sample_dims(node.input[0])
    if len(dims) != 3 or dims[0] % (b * b):
        raise Unsupported(f"it rearranges a sample of shape {dims}; an image with channels divisible by {b * b} "
                          "is needed")
    c, h, w = dims
    if mode == "CRD":  # channel, then row and column offsets: torch's pixel shuffle
        ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, {"upscale_factor": b}, [x])))
        return
    # DCR: the row and column offsets come first; the same rearrangement as three plain layers.
    blocks = _reshape_to(ctx, node, x, dims, [b, b, c // (b * b), h, w])
    moved = _permute(ctx, node, blocks, [2, 3, 0, 4, 1])
    ctx.output(node, _reshape_to(ctx, node, moved, [c // (b * b), h, b, w, b], [c // (b * b), h * b, w * b]))


# ---- the Softmax of opsets before 13 ---------------------------------------------------------------------
def legacy_softmax(ctx: Importer, node: NodeProto, layer_type: str, axis: int) -> None:
    """Softmax before opset 13 normalises over everything from ``axis`` on, as if flattened there.

    Where the axes after ``axis`` all have size 1 that is a Softmax over ``axis``; otherwise the sample is
    reshaped so those axes are one, normalised, and reshaped back.
    """
    dims = ctx.sample_dims(node.input[0])
    d = _sample_axis(axis, len(dims) + 1, "axis")
    x = ctx.tensor(node, 0)
    if all(n == 1 for n in dims[d + 1:]):
        ctx.output(node, Value(TENSOR, ctx.add_layer(layer_type, node, {"dim": d if d + 1 < len(dims) else -1}, [x])))
        return
    grouped = [*dims[:d], int(np.prod(dims[d:]))]
    flat = _reshape_to(ctx, node, x, dims, grouped)
    normalised = Value(TENSOR, ctx.add_layer(layer_type, node, {"dim": -1}, [flat]))
    ctx.output(node, _reshape_to(ctx, node, normalised, grouped, dims))


# ---- Upsample (opsets 7 to 9, replaced by Resize) -----------------------------------------------------------
def upsample(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    a = attributes(node)
    if "scales" in a:
        scales = [float(s) for s in a["scales"]]
    else:
        scales = [float(s) for s in np.asarray(ctx.const(node, 1, "scales")).reshape(-1)]
    mode = a.get("mode", "nearest")
    x = ctx.tensor(node, 0)
    if len(scales) != 4 or scales[:2] != [1.0, 1.0] or scales[2] != scales[3] or not scales[2].is_integer():
        raise Unsupported(f"its scales {scales} are not one whole factor for an image's height and width")
    if mode != "nearest":
        raise Unsupported(f"mode={mode} places pixels as align_corners does, not as torch's bilinear Upsample")
    layer = ctx.add_layer(layer_types[0], node, {"scale_factor": int(scales[2]), "mode": "nearest"}, [x])
    ctx.output(node, Value(TENSOR, layer))
