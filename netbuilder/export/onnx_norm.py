"""ONNX normalisation operators beyond BatchNormalization: LayerNormalization and LRN.

The catalog's LayerNorm normalises the last dimension with torch's epsilon (1e-5),
and its LocalResponseNorm sums a window of channels centred as torch centres it;
a node that would compute anything else is refused with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netbuilder.export.onnx_values import TENSOR, Importer, Unsupported, Value, attributes, f32

if TYPE_CHECKING:
    from onnx import NodeProto


def layer_norm(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """LayerNormalization over the last axis, with a scale (and a shift, zero when the node has none)."""
    a = attributes(node)
    rank = ctx.rank(node)
    axis = int(a.get("axis", -1))
    if axis % rank != rank - 1:
        raise Unsupported(f"it normalises from axis {axis} on; {layer_types[0]} normalises the last axis only")
    eps = float(a.get("epsilon", 1e-5))
    if np.float32(eps) != np.float32(1e-5):
        raise Unsupported(f"its epsilon is {eps:g}; {layer_types[0]} uses torch's 1e-5")
    if any(name and ctx.consumers.get(name) for name in node.output[1:]):
        raise Unsupported("its mean or inverse standard deviation output is used")
    x = ctx.tensor(node, 0)
    scale = np.asarray(ctx.const(node, 1, "scale"), dtype=np.float32).reshape(-1)
    shift = ctx.optional_const(node, 2, "bias")
    weights = {"weight": scale,
               "bias": np.zeros_like(scale) if shift is None else np.asarray(shift, dtype=np.float32).reshape(-1)}
    layer = ctx.add_layer(layer_types[0], node, {"elementwise_affine": True}, [x], weights, node.input[1])
    ctx.output(node, Value(TENSOR, layer))


def lrn(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """LRN: torch sums the same window of channels as ONNX only for an odd size (even ones lean the other way)."""
    a = attributes(node)
    size = int(a["size"])
    if size % 2 == 0:
        raise Unsupported(f"its size {size} is even; torch's LocalResponseNorm centres an even window one channel "
                          "off from ONNX's")
    x = ctx.tensor(node, 0)
    params = {"size": size, "alpha": f32(a.get("alpha", 1e-4)), "beta": f32(a.get("beta", 0.75)),
              "k": f32(a.get("bias", 1.0))}
    ctx.output(node, Value(TENSOR, ctx.add_layer(layer_types[0], node, params, [x])))
