"""Layers that join two branches: Add, Multiply, Concatenate."""

from __future__ import annotations

from netbuilder.graph.catalog.spec import (OUT, LayerSpec, ParamSpec, ParamValues, PortSpec, ShapeError, ShapeRule,
                                           Shapes, TensorShape, TorchSpec, no_args)

TWO = (PortSpec("a", "a"), PortSpec("b", "b"))


def _same_shape(layer: str, verb: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        a, b = ins["a"], ins["b"]
        if a.dims != b.dims:
            raise ShapeError(f"{layer} needs both inputs the same shape to {verb} them, but a is {a.sample} "
                             f"and b is {b.sample} — change the layers before it so the shapes match")
        return {"out": a}
    return infer


def _concat_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    a, b = ins["a"], ins["b"]
    d = p["dim"]
    if a.rank != b.rank:
        raise ShapeError(f"Concatenate needs inputs of the same rank, but a is {a.sample} and b is {b.sample}")
    if not 0 <= d < a.rank:
        raise ShapeError(f"Concatenate: dim {d} does not exist in a sample of shape {a.sample} — use 0 to join "
                         "channels or features")
    for i, (x, y) in enumerate(zip(a.dims, b.dims)):
        if i != d and x != y:
            raise ShapeError(f"Concatenate along dim {d} needs every other dimension equal, but a is {a.sample} "
                             f"and b is {b.sample} (dimension {i} differs)")
    dims = list(a.dims)
    dims[d] = a.dims[d] + b.dims[d]
    return {"out": TensorShape(tuple(dims), a.dtype)}


ADD = LayerSpec(
    type="Add", category="Merge",
    help="Adds two tensors of the same shape, as in a residual (skip) connection.",
    inputs=TWO, outputs=OUT, params=(), infer=_same_shape("Add", "add"),
    torch=TorchSpec(None, no_args, "add"), onnx_ops=("Add",),
    count_macs=lambda p, ins, outs: outs["out"].size,
)

MULTIPLY = LayerSpec(
    type="Multiply", category="Merge",
    help="Multiplies two tensors of the same shape element by element (gating).",
    inputs=TWO, outputs=OUT, params=(), infer=_same_shape("Multiply", "multiply"),
    torch=TorchSpec(None, no_args, "mul"), onnx_ops=("Mul",),
    count_macs=lambda p, ins, outs: outs["out"].size,
)

CONCATENATE = LayerSpec(
    type="Concatenate", category="Merge",
    help="Joins two tensors along one dimension (channels for images, features for vectors).",
    inputs=TWO, outputs=OUT,
    params=(ParamSpec("dim", "int", 0, "Dimension of a sample to join along: 0 is channels/features.", 0, 15),),
    infer=_concat_infer,
    torch=TorchSpec(None, lambda p, ins: {"dim": p["dim"] + 1}, "cat"),
    onnx_ops=("Concat",), key_params=("dim",),
)

SPECS = (ADD, MULTIPLY, CONCATENATE)
