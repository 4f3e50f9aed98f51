"""Convolution, pooling and upsampling layers (the 1-D and 2-D families are built in `windows`)."""

from __future__ import annotations

from netbuilder.graph.catalog.sizes import spatial_input
from netbuilder.graph.catalog.spec import IN, OUT, LayerSpec, ParamSpec, ParamValues, Shapes, TensorShape, TorchSpec
from netbuilder.graph.catalog.windows import adaptive_spec, conv_spec, pool_spec

CONV1D = conv_spec(1, False, "Slides learned filters along a sequence (channels×length); input channels come from "
                   "the incoming shape.")
CONV2D = conv_spec(2, False, "Slides learned filters over an image; each filter finds one pattern and gives one "
                   "output channel. Input channels come from the incoming shape.")
CONVT2D = conv_spec(2, True, "Learned upsampling: the reverse of a strided Conv2d. Stride 2, kernel 4, padding 1 "
                    "doubles the size. Used in decoders and GAN generators.")
MAXPOOL2D = pool_spec("Max", 2, "Keeps the largest value in each window: shrinks the image and keeps the strongest "
                      "responses.")
AVGPOOL2D = pool_spec("Avg", 2, "Averages each window: shrinks the image smoothly.")
ADAPTIVEAVGPOOL2D = adaptive_spec("Avg", 2, "Averages to a fixed output size whatever the input size; output size 1 "
                                  "is global average pooling.")


def _upsample_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    c, h, w = spatial_input(ins, "Upsample", 2).dims
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
    onnx_ops=("Resize", "Upsample"),  # Upsample: opsets 7 to 9
    count_macs=lambda p, ins, outs: outs["out"].size, key_params=("scale_factor",),
)

SPECS = (CONV1D, CONV2D, CONVT2D, MAXPOOL2D, AVGPOOL2D, ADAPTIVEAVGPOOL2D, UPSAMPLE)
