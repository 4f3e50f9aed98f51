"""Element-wise arithmetic: merges of several inputs (Sum, Average, Maximum, Minimum, Subtract, Divide) and
operations on one (Negate, Power, and constant Scale and Bias, learned or fixed).

Inputs that are joined must have the same shape, as for Add and Multiply.
Scale and Bias hold one value, one per channel, one per feature or one per
element; fixed ones (learnable off) are saved with the weights but never
trained: an imported model's input normalisation (x − mean) / std becomes a
fixed Bias and Scale.
"""

from __future__ import annotations

from netbuilder.graph.catalog.spec import (IN, OUT, LayerSpec, ParamSpec, ParamValues, PortSpec, ShapeError, ShapeRule,
                                           Shapes, TensorShape, TorchSpec)

LAYERS = "netbuilder.compile.layers"
# Two required inputs and two optional ones: a Sum of three is a, b and c.
MANY = (PortSpec("a", "a"), PortSpec("b", "b"), PortSpec("c", "c", required=False),
        PortSpec("d", "d", required=False))
TWO = (PortSpec("a", "a"), PortSpec("b", "b"))


def _same_shapes(layer: str, verb: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        given = [(port, ins[port]) for port in "abcd" if port in ins]
        first = given[0][1]
        for port, shape in given:
            if shape.dtype != "float":
                raise ShapeError(f"{layer} needs numbers but {port} is token ids ({shape.sample}) — put an "
                                 "Embedding before it")
            if shape.dims != first.dims:
                raise ShapeError(f"{layer} needs every input the same shape to {verb} them, but a is {first.sample} "
                                 f"and {port} is {shape.sample} — change the layers before it so the shapes match")
        return {"out": first}
    return infer


def _merge(layer: str, help: str, ports: tuple[PortSpec, ...], verb: str, onnx: tuple[str, ...]) -> LayerSpec:
    return LayerSpec(
        type=layer, category="Merge", help=help, inputs=ports, outputs=OUT, params=(),
        infer=_same_shapes(layer, verb), torch=TorchSpec(f"{LAYERS}.{layer}", lambda p, ins: {}), onnx_ops=onnx,
        count_macs=lambda p, ins, outs: outs["out"].size * max(len(ins) - 1, 1),
    )


SUM = _merge("Sum", "Adds two to four tensors of the same shape (ONNX Sum), e.g. the branches of a residual block.",
             MANY, "add", ("Sum",))
AVERAGE = _merge("Average", "The element-wise mean of two to four tensors of the same shape.", MANY, "average",
                 ("Mean",))
MAXIMUM = _merge("Maximum", "The element-wise maximum of two to four tensors of the same shape.", MANY,
                 "compare", ("Max",))
MINIMUM = _merge("Minimum", "The element-wise minimum of two to four tensors of the same shape.", MANY,
                 "compare", ("Min",))
SUBTRACT = _merge("Subtract", "a − b, element by element, for two tensors of the same shape.", TWO, "subtract",
                  ("Sub",))
DIVIDE = _merge("Divide", "a / b, element by element, for two tensors of the same shape.", TWO, "divide",
                ("Div",))


# ---- one input ------------------------------------------------------------------------------------------
def _numbers(layer: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        x = ins["in"]
        if x.dtype != "float":
            raise ShapeError(f"{layer} needs numbers but receives token ids ({x.sample}) — put an Embedding "
                             "before it")
        return {"out": x}
    return infer


def _elementwise(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return ins["in"].size


NEGATE = LayerSpec(
    type="Negate", category="Arithmetic", help="−x: flips the sign of every element.",
    inputs=IN, outputs=OUT, params=(), infer=_numbers("Negate"),
    torch=TorchSpec(f"{LAYERS}.Negate", lambda p, ins: {}), onnx_ops=("Neg",), count_macs=_elementwise,
)

POWER = LayerSpec(
    type="Power", category="Arithmetic", help="x to a constant power, element by element (2 squares, 0.5 is the "
    "square root).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("exponent", "float", 2.0, "The power every element is raised to.", -1000.0, 1000.0),),
    infer=_numbers("Power"), torch=TorchSpec(f"{LAYERS}.Power", lambda p, ins: {"exponent": p["exponent"]}),
    onnx_ops=("Pow",), count_macs=_elementwise, key_params=("exponent",),
)


# ---- constants: Scale and Bias ------------------------------------------------------------------------------
PER = ("one", "channel", "feature", "element")


def constant_shape(per: str, x: TensorShape, layer: str) -> tuple[int, ...]:
    """The shape of a Scale's or Bias's values for a sample ``x``, broadcast against the batch."""
    if per == "one":
        return (1,)
    if x.rank == 0:
        raise ShapeError(f"{layer} with one value per {per} needs a sample with dimensions but receives a scalar — "
                         "use per one")
    if per == "channel":  # the first sample dimension: an image's channels, a vector's features
        return (x.dims[0],) + (1,) * (x.rank - 1)
    if per == "feature":  # the last sample dimension
        return (x.dims[-1],)
    return x.dims


def _constant_spec(layer: str, help: str, default: float, attribute: str, onnx: tuple[str, ...]) -> LayerSpec:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        x = _numbers(layer)(p, ins)["out"]
        constant_shape(p["per"], x, layer)
        return {"out": x}

    def count(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        if not p["learnable"]:
            return 0
        n = 1
        for d in constant_shape(p["per"], ins["in"], layer):
            n *= d
        return n

    return LayerSpec(
        type=layer, category="Arithmetic", help=help, inputs=IN, outputs=OUT,
        params=(ParamSpec("per", "choice", "channel", "One value for everything, one per channel (the first "
                          "dimension of a sample), one per feature (the last dimension), or one per element.",
                          choices=PER),
                ParamSpec("value", "float", default, f"The {attribute} every value starts at (an imported model "
                          "brings its own).", -1e9, 1e9),
                ParamSpec("learnable", "bool", True, "Train the values; off keeps them fixed (saved with the weights, "
                          "never changed), as for an input normalisation.")),
        infer=infer,
        torch=TorchSpec(f"{LAYERS}.{layer}", lambda p, ins: {
            "shape": constant_shape(p["per"], ins["in"], layer), "value": p["value"], "learnable": p["learnable"]}),
        onnx_ops=onnx, count_params=count, count_macs=_elementwise, key_params=("per", "learnable"),
        has_weights=True,
    )


SCALE = _constant_spec("Scale", "Multiplies by constant factors: one, one per channel, feature or element; learned "
                       "or fixed.", 1.0, "factor", ("Mul", "Div"))
BIAS = _constant_spec("Bias", "Adds constant offsets: one, one per channel, feature or element; learned or fixed.",
                      0.0, "offset", ("Add", "Sub"))

SPECS = (SUM, AVERAGE, MAXIMUM, MINIMUM, SUBTRACT, DIVIDE, NEGATE, POWER, SCALE, BIAS)
