"""Where data enters and leaves a graph: Input, Target and Output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from netbuilder.graph.catalog.spec import OUT, LayerSpec, ParamSpec, ParamValues, PortSpec, TensorShape

# What one sample fed to an Input is, and what a Target's labels are.
InputKind = Literal["tabular", "image", "sequence", "tokens"]
TargetKind = Literal["classes", "values"]
INPUT_KINDS: tuple[InputKind, ...] = get_args(InputKind)
TARGET_KINDS: tuple[TargetKind, ...] = get_args(TargetKind)


def input_kind(values: ParamValues) -> InputKind | None:
    """An Input node's kind; None when the value is not one (the parameter check reports that)."""
    kind = values.get("kind")
    return next((k for k in INPUT_KINDS if k == kind), None)


def target_kind(values: ParamValues) -> TargetKind | None:
    """A Target node's kind; None when the value is not one (the parameter check reports that)."""
    kind = values.get("kind")
    return next((k for k in TARGET_KINDS if k == kind), None)


def _input_shape(p: ParamValues, ins: Mapping[str, TensorShape]) -> dict[str, TensorShape]:
    kind = input_kind(p)
    if kind == "tabular":
        return {"out": TensorShape((p["features"],))}
    if kind == "image":
        return {"out": TensorShape((p["channels"], p["height"], p["width"]))}
    if kind == "sequence":
        return {"out": TensorShape((p["length"], p["features"]))}
    return {"out": TensorShape((p["length"],), "int")}


def _target_shape(p: ParamValues, ins: Mapping[str, TensorShape]) -> dict[str, TensorShape]:
    if target_kind(p) == "classes":
        return {"out": TensorShape((), "int")}
    return {"out": TensorShape(tuple(p["shape"]))}


INPUT = LayerSpec(
    type="Input",
    category="Input / Output",
    help="Where samples enter the network. The batch dimension N is added for you.",
    inputs=(),
    outputs=OUT,
    params=(
        ParamSpec("kind", "choice", "tabular", "What one sample is: a row of numbers, an image, "
                  "a sequence of feature vectors, or a sequence of token ids (for Embedding).",
                  choices=INPUT_KINDS),
        ParamSpec("features", "int", 4, "Numbers per row (tabular) or per time step (sequence).",
                  1, 1_000_000, when=("kind", ("tabular", "sequence"))),
        ParamSpec("channels", "int", 1, "Colour channels: 1 for grey, 3 for RGB.", 1, 4096,
                  when=("kind", ("image",))),
        ParamSpec("height", "int", 28, "Image height in pixels.", 1, 8192, when=("kind", ("image",))),
        ParamSpec("width", "int", 28, "Image width in pixels.", 1, 8192, when=("kind", ("image",))),
        ParamSpec("length", "int", 16, "Time steps per sequence.", 1, 1_000_000,
                  when=("kind", ("sequence", "tokens"))),
    ),
    infer=_input_shape,
    role="input",
    key_params=("kind",),
)

TARGET = LayerSpec(
    type="Target",
    category="Input / Output",
    help="The labels of the data set: class ids for classification or numbers for regression. "
         "Wire it to the target port of a loss.",
    inputs=(),
    outputs=OUT,
    params=(
        ParamSpec("kind", "choice", "classes", "Class ids (one whole number per sample) or values "
                  "(numbers with a shape).", choices=TARGET_KINDS),
        ParamSpec("classes", "int", 10, "How many classes the data set has.", 2, 100_000,
                  when=("kind", ("classes",))),
        ParamSpec("shape", "ints", [1], "Shape of one target sample, e.g. 1 or 16,1.",
                  maximum=1_000_000, when=("kind", ("values",))),
    ),
    infer=_target_shape,
    role="target",
    key_params=("kind",),
)

OUTPUT = LayerSpec(
    type="Output",
    category="Input / Output",
    help="A prediction the trained model returns (and the ONNX output of the same name).",
    inputs=(PortSpec("in", "input"),),
    outputs=(),
    params=(),
    infer=lambda p, ins: {},  # nothing leaves an Output
    role="output",
)

SPECS = (INPUT, TARGET, OUTPUT)
