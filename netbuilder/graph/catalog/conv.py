"""Convolution, pooling and upsampling layers."""

from __future__ import annotations

from typing import Any

from netbuilder.graph.catalog.spec import (IN, OUT, CountRule, LayerSpec, ParamSpec, ParamValues, ShapeError, ShapeRule,
                                           Shapes, TensorShape, TorchSpec)


def _spatial_input(ins: Shapes, layer: str, rank: int) -> TensorShape:
    x = ins["in"]
    want = "channels×length" if rank == 2 else "an image (channels×height×width)"
    if x.dtype != "float" or x.rank != rank:
        hint = " — add a Reshape before it" if x.rank < rank else ""
        raise ShapeError(f"{layer} expects {want} but receives {x.sample}{hint}")
    return x


def _out_size(size: int, k: int, s: int, pad: int, dil: int, layer: str, what: str) -> int:
    n = (size + 2 * pad - dil * (k - 1) - 1) // s + 1
    if n < 1:
        raise ShapeError(f"{layer}: the kernel of size {k} does not fit the {what} of {size} (padding {pad}) — "
                         "use a smaller kernel_size, add padding, or remove a pooling layer before it")
    return n


CONV_PARAMS = (
    ParamSpec("out_channels", "int", 16, "Number of filters, i.e. output channels.", 1, 100_000),
    ParamSpec("kernel_size", "int", 3, "Width (and height) of each filter.", 1, 1024),
    ParamSpec("stride", "int", 1, "Step between filter positions; 2 halves the size.", 1, 1024),
    ParamSpec("padding", "int", 1, "Zeros added on each border; kernel_size // 2 keeps the size.", 0, 1024),
    ParamSpec("dilation", "int", 1, "Spacing between filter taps.", 1, 1024),
    ParamSpec("bias", "bool", True, "Add a learnable bias per output channel."),
)


def _conv_args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
    return {"in_channels": ins["in"].dims[0], "out_channels": p["out_channels"], "kernel_size": p["kernel_size"],
            "stride": p["stride"], "padding": p["padding"], "dilation": p["dilation"], "bias": p["bias"]}


def _conv_params(dims: int) -> CountRule:
    def count(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        c = ins["in"].dims[0]
        return c * p["out_channels"] * p["kernel_size"] ** dims + (p["out_channels"] if p["bias"] else 0)
    return count


def _conv_macs(dims: int) -> CountRule:
    def count(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        return outs["out"].size * ins["in"].dims[0] * p["kernel_size"] ** dims
    return count


def _conv1d_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, length = _spatial_input(ins, "Conv1d", 2).dims
    n = _out_size(length, p["kernel_size"], p["stride"], p["padding"], p["dilation"], "Conv1d", "length")
    return {"out": TensorShape((p["out_channels"], n))}


def _conv2d_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, h, w = _spatial_input(ins, "Conv2d", 3).dims
    args = (p["kernel_size"], p["stride"], p["padding"], p["dilation"], "Conv2d")
    return {"out": TensorShape((p["out_channels"], _out_size(h, *args, "height"), _out_size(w, *args, "width")))}


CONV1D = LayerSpec(
    type="Conv1d", category="Convolution",
    help="Slides learned filters along a sequence (channels×length); input channels come from the incoming shape.",
    inputs=IN, outputs=OUT, params=CONV_PARAMS, infer=_conv1d_infer,
    torch=TorchSpec("torch.nn.Conv1d", _conv_args), onnx_ops=("Conv",),
    count_params=_conv_params(1), count_macs=_conv_macs(1),
    key_params=("out_channels", "kernel_size"), has_weights=True,
)

CONV2D = LayerSpec(
    type="Conv2d", category="Convolution",
    help="Slides learned filters over an image; each filter finds one pattern and gives one output channel. "
         "Input channels come from the incoming shape.",
    inputs=IN, outputs=OUT, params=CONV_PARAMS, infer=_conv2d_infer,
    torch=TorchSpec("torch.nn.Conv2d", _conv_args), onnx_ops=("Conv",),
    count_params=_conv_params(2), count_macs=_conv_macs(2),
    key_params=("out_channels", "kernel_size"), has_weights=True,
)


def _convt_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, h, w = _spatial_input(ins, "ConvTranspose2d", 3).dims
    k, s, pad, op = p["kernel_size"], p["stride"], p["padding"], p["output_padding"]
    if op >= s:
        raise ShapeError(f"ConvTranspose2d: output_padding ({op}) must be smaller than stride ({s})")

    def size(n: int) -> int:
        return (n - 1) * s - 2 * pad + (k - 1) + op + 1

    oh, ow = size(h), size(w)
    if oh < 1 or ow < 1:
        raise ShapeError(f"ConvTranspose2d: padding {pad} is too large for a {h}×{w} input — reduce padding")
    return {"out": TensorShape((p["out_channels"], oh, ow))}


CONVT2D = LayerSpec(
    type="ConvTranspose2d", category="Convolution",
    help="Learned upsampling: the reverse of a strided Conv2d. Stride 2, kernel 4, padding 1 doubles the size. "
         "Used in decoders and GAN generators.",
    inputs=IN, outputs=OUT,
    params=(
        ParamSpec("out_channels", "int", 16, "Number of output channels.", 1, 100_000),
        ParamSpec("kernel_size", "int", 4, "Width (and height) of each filter.", 1, 1024),
        ParamSpec("stride", "int", 2, "Upsampling factor.", 1, 1024),
        ParamSpec("padding", "int", 1, "Rows and columns removed from each border of the output.", 0, 1024),
        ParamSpec("output_padding", "int", 0, "Extra rows/columns added on one side to hit an exact size.", 0, 1024),
        ParamSpec("bias", "bool", True, "Add a learnable bias per output channel."),
    ),
    infer=_convt_infer,
    torch=TorchSpec("torch.nn.ConvTranspose2d", lambda p, ins: {
        "in_channels": ins["in"].dims[0], "out_channels": p["out_channels"], "kernel_size": p["kernel_size"],
        "stride": p["stride"], "padding": p["padding"], "output_padding": p["output_padding"], "bias": p["bias"]}),
    onnx_ops=("ConvTranspose",),
    count_params=_conv_params(2),
    count_macs=lambda p, ins, outs: ins["in"].size * p["out_channels"] * p["kernel_size"] ** 2,
    key_params=("out_channels", "kernel_size", "stride"), has_weights=True,
)


def _pool_infer(layer: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        c, h, w = _spatial_input(ins, layer, 3).dims
        k, pad = p["kernel_size"], p["padding"]
        s = p["stride"] or k
        if pad * 2 > k:
            raise ShapeError(f"{layer}: padding ({pad}) must be at most half the kernel_size ({k})")
        return {"out": TensorShape((c, _out_size(h, k, s, pad, 1, layer, "height"),
                                    _out_size(w, k, s, pad, 1, layer, "width")))}
    return infer


POOL_PARAMS = (
    ParamSpec("kernel_size", "int", 2, "Size of the window each output summarises.", 1, 1024),
    ParamSpec("stride", "int", 0, "Step between windows; 0 means the same as kernel_size.", 0, 1024),
    ParamSpec("padding", "int", 0, "Border added on each side.", 0, 512),
)


def _pool_args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
    return {"kernel_size": p["kernel_size"], "stride": p["stride"] or p["kernel_size"], "padding": p["padding"]}


def _pool_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return outs["out"].size * p["kernel_size"] ** 2


MAXPOOL2D = LayerSpec(
    type="MaxPool2d", category="Pooling",
    help="Keeps the largest value in each window: shrinks the image and keeps the strongest responses.",
    inputs=IN, outputs=OUT, params=POOL_PARAMS, infer=_pool_infer("MaxPool2d"),
    torch=TorchSpec("torch.nn.MaxPool2d", _pool_args), onnx_ops=("MaxPool",),
    count_macs=_pool_macs, key_params=("kernel_size",),
)

AVGPOOL2D = LayerSpec(
    type="AvgPool2d", category="Pooling",
    help="Averages each window: shrinks the image smoothly.",
    inputs=IN, outputs=OUT, params=POOL_PARAMS, infer=_pool_infer("AvgPool2d"),
    torch=TorchSpec("torch.nn.AvgPool2d", _pool_args), onnx_ops=("AveragePool",),
    count_macs=_pool_macs, key_params=("kernel_size",),
)


def _adaptive_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, h, w = _spatial_input(ins, "AdaptiveAvgPool2d", 3).dims
    return {"out": TensorShape((c, p["output_size"], p["output_size"]))}


ADAPTIVEAVGPOOL2D = LayerSpec(
    type="AdaptiveAvgPool2d", category="Pooling",
    help="Averages to a fixed output size whatever the input size; output size 1 is global average pooling.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("output_size", "int", 1, "Height and width of the output.", 1, 4096),),
    infer=_adaptive_infer,
    torch=TorchSpec("torch.nn.AdaptiveAvgPool2d", lambda p, ins: {"output_size": p["output_size"]}),
    onnx_ops=("GlobalAveragePool", "ReduceMean"),  # ReduceMean over height and width
    count_macs=lambda p, ins, outs: ins["in"].size, key_params=("output_size",),
)


def _upsample_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, h, w = _spatial_input(ins, "Upsample", 3).dims
    f = p["scale_factor"]
    return {"out": TensorShape((c, h * f, w * f))}


UPSAMPLE = LayerSpec(
    type="Upsample", category="Pooling",
    help="Enlarges an image by a whole factor, with no learned weights.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("scale_factor", "int", 2, "How many times larger.", 1, 64),
            ParamSpec("mode", "choice", "nearest", "How new pixels are filled.", choices=("nearest", "bilinear"))),
    infer=_upsample_infer,
    torch=TorchSpec("torch.nn.Upsample", lambda p, ins: {
        "scale_factor": float(p["scale_factor"]), "mode": p["mode"]}),
    onnx_ops=("Resize",),
    count_macs=lambda p, ins, outs: outs["out"].size, key_params=("scale_factor",),
)

SPECS = (CONV1D, CONV2D, CONVT2D, MAXPOOL2D, AVGPOOL2D, ADAPTIVEAVGPOOL2D, UPSAMPLE)
