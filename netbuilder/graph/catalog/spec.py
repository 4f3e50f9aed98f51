"""The records a layer-catalog entry is made of.

A `LayerSpec` is data plus three small pure functions (shape rule, parameter
count, multiply-adds). Everything else that reads the catalog (palette,
inspector, compiler, code export, ONNX import) reads these fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

ParamValues = Mapping[str, Any]
# What a node is for in a graph: where data enters (input), where labels enter (target), what the
# trained model returns (output), what training minimises (loss), or an ordinary layer.
Role = Literal["input", "target", "output", "loss", "layer"]


@dataclass(frozen=True)
class TensorShape:
    """The shape of one sample; the batch dimension is always first and symbolic.

    ``dims`` leaves out the batch: an MNIST image is ``(1, 28, 28)`` and a class
    label is ``()``. ``dtype`` is ``"float"`` or ``"int"`` (class ids, tokens).
    """

    dims: tuple[int, ...]
    dtype: str = "float"

    def __str__(self) -> str:
        return "×".join(["N", *map(str, self.dims)])

    @property
    def sample(self) -> str:
        """The per-sample part in words: ``1×28×28``, or ``a scalar``."""
        return "×".join(map(str, self.dims)) if self.dims else "a scalar"

    @property
    def size(self) -> int:
        n = 1
        for d in self.dims:
            n *= d
        return n

    @property
    def rank(self) -> int:
        return len(self.dims)

    def to_json(self) -> list[Any]:
        return [list(self.dims), self.dtype]


class ShapeError(ValueError):
    """A shape rule cannot apply; the message is shown to the user as is."""


# The pure functions of an entry, all of (parameter values, input shapes by port): its output shapes by
# port, a count (of parameters or multiply-adds, also given the output shapes), its torch arguments.
Shapes = Mapping[str, TensorShape]
ShapeRule = Callable[[ParamValues, Shapes], dict[str, TensorShape]]
CountRule = Callable[[ParamValues, Shapes, Shapes], int]
ArgsRule = Callable[[ParamValues, Shapes], dict[str, Any]]


def no_args(params: ParamValues, ins: Shapes) -> dict[str, Any]:
    """The torch arguments of a layer that takes none."""
    return {}


MAX_AXES = 4  # a size parameter lists one value per axis, or four sides of a padding


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a layer, enough to build an inspector form and check a value.

    kind: ``int``, ``float``, ``bool``, ``choice``, ``str``, ``ints`` (a list
    of whole numbers, at least ``minimum`` (default 1), e.g. a target shape) or
    ``size`` (one whole number for every axis, or a list of up to four, one per
    axis: a kernel of ``3`` or ``[3, 2]``). ``when`` hides the parameter unless
    another parameter has one of the listed values.
    """

    name: str
    kind: str
    default: Any
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    when: tuple[str, tuple[Any, ...]] | None = None
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def check(self, value: Any) -> str | None:
        """Return why ``value`` is not acceptable, or None when it is."""
        if self.kind == "bool":
            return None if isinstance(value, bool) else "must be true or false"
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                return f"must be a whole number, not {value!r}"
            return self._check_range(value)
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"must be a number, not {value!r}"
            if value != value or value in (float("inf"), float("-inf")):
                return "must be a finite number"
            return self._check_range(value)
        if self.kind == "choice":
            if value not in self.choices:
                return f"must be one of {', '.join(self.choices)}; it is {value!r}"
            return None
        if self.kind == "str":
            return None if isinstance(value, str) else f"must be text, not {value!r}"
        if self.kind == "size":
            if isinstance(value, int) and not isinstance(value, bool):
                return self._check_range(value)
            if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= MAX_AXES or not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in value):
                return f"must be a whole number, or one per axis such as 3,2; it is {_short(value)}"
            if any(self._check_range(v) is not None for v in value):
                return f"must have every value {self._range_words()}; it is {_short(value)}"
            return None
        if self.kind == "ints":
            lowest = 1 if self.minimum is None else self.minimum
            if not isinstance(value, (list, tuple)) or not value or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= lowest for v in value
            ):
                what = "positive whole numbers" if lowest == 1 else f"whole numbers of at least {_num(lowest)}"
                return f"must be a list of {what} such as 1,28,28; it is {_short(value)}"
            if self.maximum is not None and any(v > self.maximum for v in value):
                return f"must have every size at most {_num(self.maximum)}; it is {_short(value)}"
            return None
        return f"has an unknown kind {self.kind!r}"

    def _range_words(self) -> str:
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return f"between {_num(lo)} and {_num(hi)}"
        return f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}" if hi is not None else "valid"

    def _check_range(self, value: float) -> str | None:
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None and not lo <= value <= hi:
            return f"must be between {_num(lo)} and {_num(hi)}; it is {_num(value)}"
        if lo is not None and value < lo:
            return f"must be at least {_num(lo)}; it is {_num(value)}"
        if hi is not None and value > hi:
            return f"must be at most {_num(hi)}; it is {_num(value)}"
        return None


def _short(value: Any) -> str:
    """A value for a message, shortened (and safe for ints too long to print)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_num(v) if isinstance(v, int) and not isinstance(v, bool) else _short(v)
                               for v in value[:8]) + (", …]" if len(value) > 8 else "]")
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _num(x: float) -> str:
    if isinstance(x, int) and x.bit_length() > 50:
        # Past 10^15 the digits say nothing, and float(x) overflows for ints past 10^308.
        return f"{'-' if x < 0 else ''}about 10^{int(math.log10(abs(x)))}"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class PortSpec:
    """A typed port. ``required`` inputs must be wired before the graph can run."""

    name: str
    label: str = ""
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class GateBias:
    """A parameter added to one gate's starting bias, after the weights are initialised.

    torch packs the gates of a recurrent cell into one bias vector; every module
    parameter whose name starts with ``tensors`` gets the node's value of
    ``param`` added to elements ``[gate * size, (gate + 1) * size)``, where
    ``size`` is the constructor argument ``size_arg``. Zero leaves the bias as
    torch initialised it. The compiler and code export both apply it, so the
    graph says what to do without importing torch.
    """

    param: str
    tensors: str
    gate: int
    size_arg: str


@dataclass(frozen=True)
class Signature:
    """A torch constructor's arguments, for classes whose signature Python cannot read (``*args``).

    ``positional`` are written by position in generated code; ``defaults`` are
    the values code export leaves out.
    """

    positional: tuple[str, ...]
    defaults: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class TorchSpec:
    """How a layer becomes torch: a dotted class name, its arguments, and how it is called.

    The class is torch's, or one of netbuilder's own small modules in
    ``netbuilder.compile.layers`` for layers torch has no class for (code
    export copies their source into the file, so it still needs only torch).
    ``args(params, input_shapes)`` returns the constructor keyword arguments
    (for ``call`` kinds without a module, the arguments of the operation).
    A module called for an entry with several output ports returns a tuple,
    one tensor per port in port order (a Split's parts).
    ``call`` says how the compiler wires it: ``module`` (``y = m(x)``), ``rnn``
    (``m(x)[0]``, then the last step unless return_sequence), ``self_attention``
    (``m(x, x, x)[0]``), ``loss`` (``m(pred, target)``), or a plain tensor
    operation with no module: ``add``, ``mul``, ``cat``, ``reshape``.
    ``gate_biases`` adjust the starting biases; ``signature`` stands in for a
    constructor signature that cannot be read from the class.
    """

    module: str | None
    args: ArgsRule
    call: str = "module"
    gate_biases: tuple[GateBias, ...] = ()
    signature: Signature | None = None




def _zero(params: ParamValues, ins: Shapes, outs: Shapes) -> int:
    return 0


@dataclass(frozen=True)
class LayerSpec:
    """One entry of the layer catalog: everything any part needs to know about a layer type."""

    type: str
    category: str
    help: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    params: tuple[ParamSpec, ...]
    infer: ShapeRule
    torch: TorchSpec | None = None
    # ONNX import: the operators that import as this layer (`netbuilder.export.onnx_ops` dispatches on
    # them; an operator several entries declare goes to the first whose shape rule takes the input), and
    # for a layer made from one node's attributes alone, which ONNX attribute sets which parameter.
    onnx_ops: tuple[str, ...] = ()
    onnx_attributes: tuple[tuple[str, str], ...] = ()
    count_params: CountRule = _zero
    count_macs: CountRule = _zero
    role: Role = "layer"
    key_params: tuple[str, ...] = ()  # shown on the canvas node
    has_weights: bool = False

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"{self.type} has no parameter {name!r}")

    def defaults(self) -> dict[str, Any]:
        return {p.name: (list(p.default) if isinstance(p.default, (list, tuple)) else p.default) for p in self.params}

    def input_port(self, name: str) -> PortSpec | None:
        return next((p for p in self.inputs if p.name == name), None)

    def output_port(self, name: str) -> PortSpec | None:
        return next((p for p in self.outputs if p.name == name), None)

    def resolved(self, params: ParamValues) -> dict[str, Any]:
        """The node's values with defaults filled in for anything missing."""
        values = self.defaults()
        values.update({k: v for k, v in params.items() if k in values})
        return values


IN = (PortSpec("in", "input"),)
OUT = (PortSpec("out", "output"),)


def flat(shapes: Sequence[int]) -> int:
    n = 1
    for s in shapes:
        n *= s
    return n
