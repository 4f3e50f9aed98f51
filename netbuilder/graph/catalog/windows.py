"""Catalog entries for sliding-window layers in one and two dimensions: convolutions, pools, adaptive pools.

One factory per family, so Conv1d and Conv2d (or MaxPool1d and MaxPool2d)
share every rule and differ only in the number of axes. Sizes are per axis
(`netbuilder.graph.catalog.sizes`); convolutions take ``groups`` (depthwise
when it equals the input channels), max pools a ``dilation``, and pools
``ceil_mode``.
"""

from __future__ import annotations

from typing import Any

from netbuilder.graph.catalog.sizes import per_axis, product, spatial_input, torch_size, window_output
from netbuilder.graph.catalog.spec import (IN, OUT, LayerSpec, ParamSpec, ParamValues, ShapeError, Shapes, TensorShape,
                                           TorchSpec)

_SIZE_LIMIT = 1024


def _size(name: str, default: int, help: str, minimum: int = 1, maximum: int = _SIZE_LIMIT) -> ParamSpec:
    return ParamSpec(name, "size", default, help + " One number for every axis, or one per axis (e.g. 3,2).",
                     minimum, maximum)


def _groups(layer: str, channels: int, out_channels: int, groups: int) -> None:
    if channels % groups or out_channels % groups:
        raise ShapeError(f"{layer}: groups={groups} must divide both the input channels ({channels}) and "
                         f"out_channels ({out_channels}) — for a depthwise convolution set groups to the input "
                         f"channels ({channels})")


# ---- convolutions ---------------------------------------------------------------------------------
def _conv_params(transpose: bool) -> tuple[ParamSpec, ...]:
    specs = [ParamSpec("out_channels", "int", 16, "Number of filters, i.e. output channels.", 1, 100_000)]
    if transpose:
        specs += [_size("kernel_size", 4, "Size of each filter."),
                  _size("stride", 2, "Upsampling factor."),
                  _size("padding", 1, "Rows and columns removed from each border of the output.", 0),
                  _size("output_padding", 0, "Extra rows/columns added on one side to hit an exact size.", 0)]
    else:
        specs += [_size("kernel_size", 3, "Size of each filter."),
                  _size("stride", 1, "Step between filter positions; 2 halves the size."),
                  _size("padding", 1, "Zeros added on each border; kernel_size // 2 keeps the size.", 0)]
    specs += [_size("dilation", 1, "Spacing between filter taps."),
              ParamSpec("groups", "int", 1, "Split the channels into this many groups convolved separately; "
                        "equal to the input channels it is a depthwise convolution.", 1, 100_000),
              ParamSpec("bias", "bool", True, "Add a learnable bias per output channel.")]
    return tuple(specs)


def conv_spec(axes: int, transpose: bool, help: str) -> LayerSpec:
    """Conv1d, Conv2d, ConvTranspose1d or ConvTranspose2d."""
    layer = f"Conv{'Transpose' if transpose else ''}{axes}d"
    names = ("kernel_size", "stride", "padding", "dilation") + (("output_padding",) if transpose else ())

    def sizes(p: ParamValues) -> dict[str, tuple[int, ...]]:
        return {n: per_axis(p[n], axes, n, layer) for n in names}

    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        c, *lengths = spatial_input(ins, layer, axes).dims
        _groups(layer, c, p["out_channels"], p["groups"])
        z = sizes(p)
        if not transpose:
            return {"out": TensorShape((p["out_channels"],
                                        *window_output(lengths, z["kernel_size"], z["stride"], z["padding"],
                                                       z["dilation"], layer)))}
        out = []
        for n, k, s, pad, d, op in zip(lengths, z["kernel_size"], z["stride"], z["padding"], z["dilation"],
                                       z["output_padding"]):
            if op >= s and op >= d:
                raise ShapeError(f"{layer}: output_padding ({op}) must be smaller than stride ({s}) or "
                                 f"dilation ({d})")
            m = (n - 1) * s - 2 * pad + d * (k - 1) + op + 1
            if m < 1:
                raise ShapeError(f"{layer}: padding {pad} is too large for an input of {'×'.join(map(str, lengths))}"
                                 " — reduce padding")
            out.append(m)
        return {"out": TensorShape((p["out_channels"], *out))}

    def args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
        a = {"in_channels": ins["in"].dims[0], "out_channels": p["out_channels"]}
        a.update({n: torch_size(p[n]) for n in names})
        return {**a, "groups": p["groups"], "bias": p["bias"]}

    def count_params(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        c, oc, g = ins["in"].dims[0], p["out_channels"], p["groups"]
        weights = (c * (oc // g) if transpose else (c // g) * oc) * product(sizes(p)["kernel_size"])
        return weights + (oc if p["bias"] else 0)

    def count_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        c, oc, g = ins["in"].dims[0], p["out_channels"], p["groups"]
        k = product(sizes(p)["kernel_size"])
        if transpose:
            return ins["in"].size * (oc // g) * k
        return outs["out"].size * (c // g) * k

    return LayerSpec(
        type=layer, category="Convolution", help=help, inputs=IN, outputs=OUT, params=_conv_params(transpose),
        infer=infer, torch=TorchSpec(f"torch.nn.{layer}", args),
        onnx_ops=("ConvTranspose",) if transpose else ("Conv",),
        count_params=count_params, count_macs=count_macs,
        key_params=("out_channels", "kernel_size", "stride") if transpose else ("out_channels", "kernel_size"),
        has_weights=True,
    )


# ---- pools ----------------------------------------------------------------------------------------
def _pool_params(kind: str) -> tuple[ParamSpec, ...]:
    specs = [_size("kernel_size", 2, "Size of the window each output summarises."),
             _size("stride", 0, "Step between windows; 0 means the same as kernel_size.", 0),
             _size("padding", 0, "Border added on each side.", 0, 512)]
    if kind == "Max":
        specs.append(_size("dilation", 1, "Spacing between the values a window looks at."))
    specs.append(ParamSpec("ceil_mode", "bool", False, "Round the output size up, so a last partial window "
                           "still gives an output."))
    if kind == "Avg":
        specs.append(ParamSpec("count_include_pad", "bool", True, "Count the padding zeros when averaging a "
                               "window at the border (off: average only the real values)."))
    return tuple(specs)


def pool_spec(kind: str, axes: int, help: str) -> LayerSpec:
    """MaxPool1d/2d or AvgPool1d/2d."""
    layer = f"{kind}Pool{axes}d"

    def sizes(p: ParamValues) -> dict[str, tuple[int, ...]]:
        k = per_axis(p["kernel_size"], axes, "kernel_size", layer)
        s = tuple(si or ki for si, ki in zip(per_axis(p["stride"], axes, "stride", layer), k))
        d = per_axis(p["dilation"], axes, "dilation", layer) if kind == "Max" else (1,) * axes
        return {"kernel_size": k, "stride": s, "padding": per_axis(p["padding"], axes, "padding", layer),
                "dilation": d}

    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        c, *lengths = spatial_input(ins, layer, axes).dims
        z = sizes(p)
        for k, pad, d in zip(z["kernel_size"], z["padding"], z["dilation"]):
            if pad * 2 > d * (k - 1) + 1:
                raise ShapeError(f"{layer}: padding ({pad}) must be at most half the kernel_size ({k})")
        return {"out": TensorShape((c, *window_output(lengths, z["kernel_size"], z["stride"], z["padding"],
                                                      z["dilation"], layer, p["ceil_mode"])))}

    def args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
        stride = p["stride"]
        if isinstance(stride, int):  # 0: the same as the kernel, written as torch's default would be
            stride = stride or p["kernel_size"]
        else:
            stride = list(sizes(p)["stride"])
        a = {"kernel_size": torch_size(p["kernel_size"]), "stride": torch_size(stride),
             "padding": torch_size(p["padding"])}
        if kind == "Max":
            a["dilation"] = torch_size(p["dilation"])
        a["ceil_mode"] = p["ceil_mode"]
        if kind == "Avg":
            a["count_include_pad"] = p["count_include_pad"]
        return a

    def count_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        return outs["out"].size * product(sizes(p)["kernel_size"])

    return LayerSpec(
        type=layer, category="Pooling", help=help, inputs=IN, outputs=OUT, params=_pool_params(kind), infer=infer,
        torch=TorchSpec(f"torch.nn.{layer}", args), onnx_ops=("MaxPool",) if kind == "Max" else ("AveragePool",),
        count_macs=count_macs, key_params=("kernel_size",),
    )


def adaptive_spec(kind: str, axes: int, help: str) -> LayerSpec:
    """AdaptiveAvgPool1d/2d or AdaptiveMaxPool1d/2d."""
    layer = f"Adaptive{kind}Pool{axes}d"

    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        c = spatial_input(ins, layer, axes).dims[0]
        return {"out": TensorShape((c, *per_axis(p["output_size"], axes, "output_size", layer)))}

    what = "Length" if axes == 1 else "Height and width"
    return LayerSpec(
        type=layer, category="Pooling", help=help, inputs=IN, outputs=OUT,
        params=(ParamSpec("output_size", "size", 1, f"{what} of the output (one number, or one per axis).",
                          1, 4096),),
        infer=infer,
        torch=TorchSpec(f"torch.nn.{layer}", lambda p, ins: {"output_size": torch_size(p["output_size"])}),
        # The global pools, and the mean (max) over every spatial axis, which exporters write for output size 1.
        onnx_ops=("GlobalAveragePool", "ReduceMean") if kind == "Avg" else ("GlobalMaxPool", "ReduceMax"),
        count_macs=lambda p, ins, outs: ins["in"].size, key_params=("output_size",),
    )
