"""Per-axis sizes (kernel, stride, padding, dilation) and the output-size arithmetic of sliding windows.

A ``size`` parameter holds one whole number for every axis (``3``) or one per
axis (``[3, 2]``: height then width). Old projects store plain numbers and
keep working; the canvas shows a list compactly as ``3×2``. Shape rules call
`per_axis` to get one value per axis, which also says what is wrong when a
list has the wrong length; compile passes `torch_size` to torch, which takes
either form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from netbuilder.graph.catalog.spec import ShapeError, TensorShape

Size = int | Sequence[int]


def per_axis(value: Size, axes: int, name: str, layer: str) -> tuple[int, ...]:
    """``value`` as one whole number per axis; a single number (or a one-item list) applies to every axis."""
    if isinstance(value, int):
        return (value,) * axes
    values = tuple(int(v) for v in value)
    if len(values) == 1:
        return values * axes
    if len(values) != axes:
        given = "×".join(map(str, values))
        raise ShapeError(f"{layer}: {name} has {len(values)} values ({given}) but the layer slides over {axes} "
                         f"{'axes' if axes > 1 else 'axis'} — give one value for all, or one per axis")
    return values


def torch_size(value: Size) -> int | tuple[int, ...]:
    """What a torch constructor takes: the number itself, or a tuple for per-axis values."""
    if isinstance(value, int):
        return value
    values = tuple(int(v) for v in value)
    return values[0] if len(values) == 1 else values


def product(values: Sequence[int]) -> int:
    n = 1
    for v in values:
        n *= v
    return n


def spatial_input(ins: Mapping[str, TensorShape], layer: str, axes: int) -> TensorShape:
    """The input of a layer sliding over ``axes`` axes: channels × length, or channels × height × width."""
    x = ins["in"]
    want = "channels×length" if axes == 1 else "an image (channels×height×width)"
    if x.dtype != "float" or x.rank != axes + 1:
        hint = " — add a Reshape before it" if x.rank < axes + 1 else ""
        raise ShapeError(f"{layer} expects {want} but receives {x.sample}{hint}")
    return x


AXIS_NAMES = {1: ("length",), 2: ("height", "width")}


def window_output(sizes: Sequence[int], kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                  dilation: Sequence[int], layer: str, ceil_mode: bool = False) -> tuple[int, ...]:
    """The output size along each axis of a sliding window, as torch computes it (floor, or ceil_mode)."""
    out = []
    for axis, (n, k, s, p, d) in enumerate(zip(sizes, kernel, stride, padding, dilation)):
        span = n + 2 * p - d * (k - 1) - 1
        what = AXIS_NAMES.get(len(sizes), ("",) * len(sizes))[axis]
        if span < 0:
            raise ShapeError(f"{layer}: the kernel of size {k} does not fit the {what} of {n} (padding {p}) — "
                             "use a smaller kernel_size, add padding, or remove a pooling layer before it")
        m = (span + s - 1) // s + 1 if ceil_mode else span // s + 1
        if ceil_mode and (m - 1) * s >= n + p:  # torch: the last window must start inside the input or left padding
            m -= 1
        out.append(m)
    return tuple(out)


def resolved_sizes(p: Mapping[str, Any], axes: int, layer: str, names: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """The named size parameters of ``p`` as one value per axis."""
    return {name: per_axis(p[name], axes, name, layer) for name in names}
