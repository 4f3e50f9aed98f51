"""Tensor plumbing: reorder, add or remove axes, split one tensor into parts, reduce over axes, pass through.

These have no weights. Dimensions are those of one sample (0 is the first
after the batch), as everywhere in the catalog; the torch arguments count the
batch, so the generated code reads like hand-written PyTorch.
"""

from __future__ import annotations

from typing import Any

from netbuilder.graph.catalog.spec import (IN, OUT, LayerSpec, ParamSpec, ParamValues, PortSpec, ShapeError, Shapes,
                                           TensorShape, TorchSpec)

LAYERS = "netbuilder.compile.layers"
MAX_PARTS = 4
SPLIT_OUTPUTS = tuple(PortSpec("out" if i == 1 else f"out{i}", f"part {i}") for i in range(1, MAX_PARTS + 1))


def _dims_text(dims: Any) -> str:
    return ",".join(map(str, dims))


def _tensor_dim(d: int) -> int:
    """A sample dimension as a tensor dimension (the batch is dimension 0); negative ones count from the end."""
    return d + 1 if d >= 0 else d


def _sample_dim(d: int, rank: int, layer: str, x: TensorShape) -> int:
    if not -rank <= d < rank:
        raise ShapeError(f"{layer}: dim {d} does not exist in a sample of shape {x.sample} — the dimensions are "
                         f"0 to {rank - 1} (or -1 for the last)")
    return d % rank


# ---- Permute ----------------------------------------------------------------------------------------------
def _permute_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x, dims = ins["in"], list(p["dims"])
    if sorted(dims) != list(range(x.rank)):
        raise ShapeError(f"Permute: dims {_dims_text(dims)} must list every dimension of a {x.sample} sample "
                         f"once, in the new order (e.g. {_dims_text(reversed(range(x.rank))) or 'nothing'})")
    return {"out": TensorShape(tuple(x.dims[d] for d in dims), x.dtype)}


PERMUTE = LayerSpec(
    type="Permute", category="Shape",
    help="Reorders the dimensions of each sample (ONNX Transpose): 1,0 turns length×features into "
         "features×length; 1,2,0 turns channels×height×width into height×width×channels.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("dims", "ints", [1, 0], "The new order of a sample's dimensions (0 is the first after the "
                      "batch), e.g. 1,0.", 0, 15),),
    infer=_permute_infer,
    torch=TorchSpec(f"{LAYERS}.Permute", lambda p, ins: {"dims": (0, *(d + 1 for d in p["dims"]))}),
    onnx_ops=("Transpose",), key_params=("dims",),
)


# ---- Squeeze / Unsqueeze --------------------------------------------------------------------------------------
def _squeeze_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    if x.rank == 0:
        raise ShapeError("Squeeze needs a dimension of size 1 but receives a scalar")
    d = _sample_dim(p["dim"], x.rank, "Squeeze", x)
    if x.dims[d] != 1:
        raise ShapeError(f"Squeeze removes a dimension of size 1, but dimension {d} of {x.sample} has size "
                         f"{x.dims[d]} — pick the dimension that is 1, or use a Reshape")
    return {"out": TensorShape(x.dims[:d] + x.dims[d + 1:], x.dtype)}


SQUEEZE = LayerSpec(
    type="Squeeze", category="Shape", help="Removes a dimension of size 1 (e.g. 16×1 → 16).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("dim", "int", -1, "The dimension of a sample to remove; -1 is the last.", -16, 15),),
    infer=_squeeze_infer,
    torch=TorchSpec(f"{LAYERS}.Squeeze", lambda p, ins: {"dim": _tensor_dim(p["dim"])}),
    onnx_ops=("Squeeze",), key_params=("dim",),
)


def _unsqueeze_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x, d = ins["in"], p["dim"]
    if not -(x.rank + 1) <= d <= x.rank:
        raise ShapeError(f"Unsqueeze: dim {d} is not a place in a sample of shape {x.sample} — use 0 to {x.rank} "
                         "(or -1 for after the last)")
    d %= x.rank + 1
    return {"out": TensorShape(x.dims[:d] + (1,) + x.dims[d:], x.dtype)}


UNSQUEEZE = LayerSpec(
    type="Unsqueeze", category="Shape",
    help="Inserts a dimension of size 1 (e.g. 28×28 → 1×28×28, a one-channel image).",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("dim", "int", 0, "Where the new dimension goes in the result: 0 is first, -1 last.",
                      -16, 16),),
    infer=_unsqueeze_infer,
    torch=TorchSpec(f"{LAYERS}.Unsqueeze", lambda p, ins: {"dim": _tensor_dim(p["dim"])}),
    onnx_ops=("Unsqueeze",), key_params=("dim",),
)


# ---- Split ------------------------------------------------------------------------------------------------
def split_sizes(sizes: list[int], length: int, x: TensorShape, d: int) -> list[int]:
    """The size of each part: ``[n]`` is n equal parts (torch.chunk), a longer list the sizes themselves."""
    if len(sizes) == 1:
        n = sizes[0]
        if not 2 <= n <= MAX_PARTS:
            raise ShapeError(f"Split makes 2 to {MAX_PARTS} parts; sizes {n} asks for {n} equal parts")
        if length % n:
            raise ShapeError(f"Split: dimension {d} of {x.sample} has {length}, which does not cut into {n} equal "
                             f"parts — give the size of each part instead (e.g. "
                             f"{_dims_text([length // n] * (n - 1) + [length - length // n * (n - 1)])})")
        return [length // n] * n
    if len(sizes) > MAX_PARTS:
        raise ShapeError(f"Split makes 2 to {MAX_PARTS} parts, but sizes lists {len(sizes)}")
    if sum(sizes) != length:
        raise ShapeError(f"Split: the sizes {_dims_text(sizes)} add up to {sum(sizes)}, but dimension {d} of "
                         f"{x.sample} has {length} — make them add up (e.g. "
                         f"{_dims_text([length // 2, length - length // 2])})")
    return sizes


def _split_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    if x.rank == 0:
        raise ShapeError("Split cuts a dimension into parts but receives a scalar")
    d = _sample_dim(p["dim"], x.rank, "Split", x)
    outs = {}
    for port, size in zip(SPLIT_OUTPUTS, split_sizes(list(p["sizes"]), x.dims[d], x, d)):
        dims = list(x.dims)
        dims[d] = size
        outs[port.name] = TensorShape(tuple(dims), x.dtype)
    return outs


def _split_args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
    x = ins["in"]
    d = _sample_dim(p["dim"], x.rank, "Split", x)
    return {"sizes": tuple(split_sizes(list(p["sizes"]), x.dims[d], x, d)), "dim": _tensor_dim(p["dim"])}


SPLIT = LayerSpec(
    type="Split", category="Shape",
    help="Cuts each sample into consecutive parts along one dimension (e.g. 64 channels into 32 and 32); each "
         "part leaves by its own port.",
    inputs=IN, outputs=SPLIT_OUTPUTS,
    params=(ParamSpec("dim", "int", 0, "The dimension of a sample to cut; 0 is channels/features.", -16, 15),
            ParamSpec("sizes", "ints", [2], f"One number n: n equal parts (2 to {MAX_PARTS}); or the size of each "
                      "part, adding up to the size of the dimension, e.g. 16,48.", maximum=1_000_000)),
    infer=_split_infer,
    torch=TorchSpec(f"{LAYERS}.Split", _split_args),
    onnx_ops=("Split",), key_params=("sizes",),
)


# ---- Reduce -----------------------------------------------------------------------------------------------
def _reduce_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x, dims = ins["in"], list(p["dims"])
    if x.dtype != "float":
        raise ShapeError(f"Reduce needs numbers but receives token ids ({x.sample}) — put an Embedding before it")
    if len(set(dims)) != len(dims) or any(d >= x.rank for d in dims):
        raise ShapeError(f"Reduce: dims {_dims_text(dims)} must be different dimensions of a {x.sample} sample "
                         f"(0 to {x.rank - 1})")
    if p["keepdim"]:
        return {"out": TensorShape(tuple(1 if i in dims else n for i, n in enumerate(x.dims)))}
    return {"out": TensorShape(tuple(n for i, n in enumerate(x.dims) if i not in dims))}


REDUCE = LayerSpec(
    type="Reduce", category="Shape",
    help="The mean, maximum, minimum or sum over some dimensions of each sample: over dimension 0 of a "
         "sequence it summarises the time steps; over 1,2 of an image it pools globally.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("op", "choice", "mean", "What to compute over the dimensions.",
                      choices=("mean", "max", "min", "sum")),
            ParamSpec("dims", "ints", [0], "The dimensions of a sample to reduce (0 is the first), e.g. 1,2.", 0, 15),
            ParamSpec("keepdim", "bool", False, "Keep the reduced dimensions with size 1 instead of removing them.")),
    infer=_reduce_infer,
    torch=TorchSpec(f"{LAYERS}.Reduce", lambda p, ins: {
        "op": p["op"], "dims": tuple(d + 1 for d in p["dims"]), "keepdim": p["keepdim"]}),
    onnx_ops=("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum"),
    count_macs=lambda p, ins, outs: ins["in"].size, key_params=("op", "dims"),
)


IDENTITY = LayerSpec(
    type="Identity", category="Shape",
    help="Passes its input through unchanged: a named place in the graph (e.g. where a head is attached).",
    inputs=IN, outputs=OUT, params=(), infer=lambda p, ins: {"out": ins["in"]},
    # An ONNX Identity imports as a plain wire: no layer is needed to pass a value on.
    torch=TorchSpec("torch.nn.Identity", lambda p, ins: {}),
)

SPECS = (PERMUTE, SQUEEZE, UNSQUEEZE, SPLIT, REDUCE, IDENTITY)
