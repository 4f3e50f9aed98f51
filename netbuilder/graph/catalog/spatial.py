"""More image and sequence layers: 1-D pools, adaptive max pools, ConvTranspose1d, LRN, padding, PixelShuffle."""

from __future__ import annotations

from typing import Any

from netbuilder.graph.catalog.sizes import spatial_input
from netbuilder.graph.catalog.spec import (IN, OUT, LayerSpec, ParamSpec, ParamValues, ShapeError, ShapeRule, Shapes,
                                           TensorShape, TorchSpec)
from netbuilder.graph.catalog.windows import adaptive_spec, conv_spec, pool_spec

CONVT1D = conv_spec(1, True, "Learned upsampling of a sequence (channels×length): the reverse of a strided Conv1d.")
MAXPOOL1D = pool_spec("Max", 1, "Keeps the largest value in each window along a sequence (channels×length).")
AVGPOOL1D = pool_spec("Avg", 1, "Averages each window along a sequence (channels×length).")
ADAPTIVEAVGPOOL1D = adaptive_spec("Avg", 1, "Averages a sequence down to a fixed length whatever its length; "
                                  "output size 1 is global average pooling.")
ADAPTIVEMAXPOOL1D = adaptive_spec("Max", 1, "Keeps the largest values of a sequence at a fixed length whatever "
                                  "its length; output size 1 is global max pooling.")
ADAPTIVEMAXPOOL2D = adaptive_spec("Max", 2, "Keeps the largest values of an image at a fixed size whatever its "
                                  "size; output size 1 is global max pooling.")


# ---- local response normalisation -----------------------------------------------------------------
def _lrn_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    if x.dtype != "float" or x.rank < 2:
        raise ShapeError(f"LocalResponseNorm expects channels×… (an image or channels×length) but receives {x.sample}")
    return {"out": x}


LRN = LayerSpec(
    type="LocalResponseNorm", category="Normalisation",
    help="Divides each value by the energy of the neighbouring channels at the same place (AlexNet, GoogLeNet): "
         "b = a / (k + alpha/size · Σ a²)^beta over `size` channels.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("size", "int", 5, "How many neighbouring channels are summed.", 1, 1024),
            ParamSpec("alpha", "float", 1e-4, "Multiplier of the sum of squares.", 0.0, 100.0),
            ParamSpec("beta", "float", 0.75, "Exponent.", 0.0, 100.0),
            ParamSpec("k", "float", 1.0, "Added to the sum before the power.", 0.0, 1000.0)),
    infer=_lrn_infer,
    torch=TorchSpec("torch.nn.LocalResponseNorm", lambda p, ins: {"size": p["size"], "alpha": p["alpha"],
                                                                   "beta": p["beta"], "k": p["k"]}),
    onnx_ops=("LRN",), onnx_attributes=(("size", "size"), ("alpha", "alpha"), ("beta", "beta"), ("bias", "k")),
    count_macs=lambda p, ins, outs: ins["in"].size * (p["size"] + 2), key_params=("size",),
)


# ---- padding --------------------------------------------------------------------------------------
def _pad_sides(p: ParamValues, layer: str) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) from one number or four."""
    value = p["padding"]
    sides = (value,) * 4 if isinstance(value, int) else tuple(value)
    if len(sides) == 1:
        sides = sides * 4
    if len(sides) != 4:
        raise ShapeError(f"{layer}: padding has {len(sides)} values; give one for every side, or four: "
                         "left, right, top, bottom")
    left, right, top, bottom = (int(s) for s in sides)
    return left, right, top, bottom


def _pad_infer(layer: str, reflect: bool) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        c, h, w = spatial_input(ins, layer, 2).dims
        left, right, top, bottom = _pad_sides(p, layer)
        if reflect and (max(left, right) >= w or max(top, bottom) >= h):
            raise ShapeError(f"{layer}: reflection needs each padding smaller than the side it mirrors, but the "
                             f"image is {h}×{w} — pad less, or use ReplicationPad2d")
        return {"out": TensorShape((c, h + top + bottom, w + left + right))}
    return infer


def _pad_args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
    value = p["padding"]
    a: dict[str, Any] = {"padding": value if isinstance(value, int) else tuple(value)}
    if "value" in p:
        a["value"] = p["value"]
    return a


def _pad_spec(layer: str, help: str, reflect: bool = False, constant: bool = False) -> LayerSpec:
    params = [ParamSpec("padding", "size", 1, "Rows/columns added on each side: one number for every side, or "
                        "four: left, right, top, bottom.", 0, 4096)]
    if constant:
        params.append(ParamSpec("value", "float", 0.0, "The value the new border holds.", -1e9, 1e9))
    return LayerSpec(
        type=layer, category="Padding", help=help, inputs=IN, outputs=OUT, params=tuple(params),
        infer=_pad_infer(layer, reflect), torch=TorchSpec(f"torch.nn.{layer}", _pad_args), onnx_ops=("Pad",),
        key_params=("padding",),
    )


ZEROPAD2D = _pad_spec("ZeroPad2d", "Adds a border of zeros around an image.")
CONSTANTPAD2D = _pad_spec("ConstantPad2d", "Adds a border of one constant value around an image.", constant=True)
REFLECTIONPAD2D = _pad_spec("ReflectionPad2d", "Adds a border that mirrors the image at its edges (no seam).",
                            reflect=True)
REPLICATIONPAD2D = _pad_spec("ReplicationPad2d", "Adds a border that repeats the edge pixels of the image.")


# ---- pixel shuffle --------------------------------------------------------------------------------
def _pixel_shuffle_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, h, w = spatial_input(ins, "PixelShuffle", 2).dims
    r = p["upscale_factor"]
    if c % (r * r):
        raise ShapeError(f"PixelShuffle with factor {r} needs channels divisible by {r * r}, but receives {c} — "
                         f"give the layer before it {max(r * r, c - c % (r * r))} channels")
    return {"out": TensorShape((c // (r * r), h * r, w * r))}


PIXELSHUFFLE = LayerSpec(
    type="PixelShuffle", category="Pooling",
    help="Upsamples by rearranging channels into space: C·r²×H×W becomes C×rH×rW (sub-pixel convolution).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("upscale_factor", "int", 2, "How many times larger each side becomes.", 1, 64),),
    infer=_pixel_shuffle_infer,
    torch=TorchSpec("torch.nn.PixelShuffle", lambda p, ins: {"upscale_factor": p["upscale_factor"]}),
    onnx_ops=("DepthToSpace",), key_params=("upscale_factor",),
)


SPECS = (CONVT1D, MAXPOOL1D, AVGPOOL1D, ADAPTIVEAVGPOOL1D, ADAPTIVEMAXPOOL1D, ADAPTIVEMAXPOOL2D, LRN, ZEROPAD2D,
         CONSTANTPAD2D, REFLECTIONPAD2D, REPLICATIONPAD2D, PIXELSHUFFLE)
