"""Sequence positions: prepend a learned token (a ViT's class token), take one position (``x[:, 0]``).

A vision transformer puts a learned class token in front of its patch tokens,
lets attention mix everything into it, and classifies from that position
alone. ClassToken and Select are those two steps. Dimensions are those of one
sample (the batch is not counted), as everywhere in the catalog.
"""

from __future__ import annotations

from netbuilder.graph.catalog.spec import (IN, OUT, LayerSpec, ParamSpec, ParamValues, ShapeError, Shapes,
                                           TensorShape, TorchSpec)

LAYERS = "netbuilder.compile.layers"


# ---- ClassToken -------------------------------------------------------------------------------------------
def _class_token_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    if x.dtype != "float":
        raise ShapeError(f"ClassToken needs vectors but receives token ids ({x.sample}) — put an Embedding "
                         "before it")
    if x.rank != 2:
        raise ShapeError(f"ClassToken prepends a token to a sequence (length×features), but receives {x.sample} — "
                         "turn patches into a sequence first (e.g. Flatten the grid and Permute to length×features)")
    length, features = x.dims
    return {"out": TensorShape((length + 1, features))}


CLASS_TOKEN = LayerSpec(
    type="ClassToken", category="Attention",
    help="Prepends a learned token to each sequence (length×features → (length+1)×features), as a vision "
         "transformer does; attention gathers the sequence into it and a Select of position 0 reads it out. "
         "The token starts at zeros, as in torchvision's ViT.",
    inputs=IN, outputs=OUT, params=(),
    infer=_class_token_infer,
    torch=TorchSpec(f"{LAYERS}.ClassToken", lambda p, ins: {"features": ins["in"].dims[-1]}),
    # A Concat whose first operand is a constant token expanded to the batch size (see
    # `netbuilder.export.onnx_tokens`); any other Concat is a Concatenate, which comes first in the catalog.
    onnx_ops=("Concat",),
    count_params=lambda p, ins, outs: ins["in"].dims[-1], has_weights=True,
)


# ---- Select -------------------------------------------------------------------------------------------------
def _select_dim(p: ParamValues, x: TensorShape) -> int:
    if x.rank == 0:
        raise ShapeError("Select takes one position along a dimension but receives a scalar")
    d = p["dim"]
    if not -x.rank <= d < x.rank:
        raise ShapeError(f"Select: dim {d} does not exist in a sample of shape {x.sample} — the dimensions are 0 "
                         f"to {x.rank - 1} (or -1 for the last)")
    return int(d % x.rank)


def _select_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    x = ins["in"]
    d = _select_dim(p, x)
    size, index = x.dims[d], p["index"]
    if not -size <= index < size:
        raise ShapeError(f"Select: position {index} does not exist along dimension {d} of {x.sample} (size {size}) "
                         f"— use 0 to {size - 1}, or -1 for the last")
    return {"out": TensorShape(x.dims[:d] + x.dims[d + 1:], x.dtype)}


SELECT = LayerSpec(
    type="Select", category="Shape",
    help="Takes one position along a dimension and drops that dimension (x[:, 0]): position 0 of a sequence is "
         "a ViT's class token, -1 the last step.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("dim", "int", 0, "The dimension of a sample to pick from; 0 is the first (a sequence's "
                      "positions), -1 the last.", -16, 15),
            ParamSpec("index", "int", 0, "The position to take; negative counts from the end (-1 is the last).",
                      -1_000_000, 1_000_000)),
    infer=_select_infer,
    torch=TorchSpec(f"{LAYERS}.Select", lambda p, ins: {"dim": _select_dim(p, ins["in"]) + 1, "index": p["index"]}),
    onnx_ops=("Gather",), key_params=("index",),
)

SPECS = (CLASS_TOKEN, SELECT)
