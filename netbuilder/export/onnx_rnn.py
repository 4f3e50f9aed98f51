"""ONNX LSTM / GRU / RNN nodes, and the reshaping around them, back to netbuilder's recurrent layers.

ONNX and torch store the same gates in different orders: an ONNX LSTM packs
them input, output, forget, cell (iofc) where torch uses input, forget, cell,
output (ifgo); an ONNX GRU packs update, reset, hidden (zrh) where torch uses
reset, update, new (rzn). ONNX keeps the input and recurrent biases in one
vector; torch in two. Exporters wrap the node in transposes and reshapes
(batch-first to time-major and back, directions folded into features) and
pick the last step with a Gather; those patterns are recognised here so the
layer comes back as one node, with ``return_sequence`` off when only the last
step is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from netbuilder.export.onnx_values import (BI_FIRST, BI_LAST, BWD_FIRST, CONST, FWD_LAST, RNN_H, RNN_Y, RNN_Y_T,
                                           RNN_YB, TENSOR, TIME_MAJOR, ZEROS, Importer, Layer, Unsupported, Value,
                                           attributes, is_recurrent)

if TYPE_CHECKING:
    from onnx import NodeProto

# Per ONNX recurrent operator: gate blocks, and their order in torch's layout.
GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
TORCH_ORDER = {"LSTM": [0, 2, 3, 1], "GRU": [1, 0, 2], "RNN": [0]}  # ONNX gate blocks in torch's order
DEFAULT_ACTIVATIONS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}


def _reorder(block: np.ndarray, cell: str) -> np.ndarray:
    parts = np.split(block, GATES[cell], axis=0)
    return np.concatenate([parts[i] for i in TORCH_ORDER[cell]], axis=0)


def _zero_state(ctx: Importer, node: NodeProto, index: int, what: str) -> None:
    if index >= len(node.input) or not node.input[index]:
        return
    value = ctx.values[node.input[index]]
    if value.form == ZEROS or (value.form == CONST and not np.any(value.array)):
        return
    raise Unsupported(f"its {what} is not zero; netbuilder recurrent layers start from a zero state")


def convert_rnn(ctx: Importer, node: NodeProto, layer_types: tuple[str, ...]) -> None:
    """An ONNX LSTM, GRU or RNN node: the catalog's recurrent layer with the weights in torch's gate order."""
    cell = node.op_type
    a = attributes(node)
    direction = a.get("direction", "forward")
    if direction not in ("forward", "bidirectional"):
        raise Unsupported(f"direction={direction}: a layer that only reads backwards has no netbuilder form")
    dirs = 2 if direction == "bidirectional" else 1
    if a.get("clip") is not None:
        raise Unsupported("it clips the cell values (clip); netbuilder layers do not")
    acts = list(a.get("activations", DEFAULT_ACTIVATIONS[cell] * dirs))
    params: dict[str, Any] = {}
    if cell == "RNN":
        if len(set(acts)) != 1 or acts[0] not in ("Tanh", "Relu"):
            raise Unsupported(f"its activations {acts} are not one of tanh or relu")
        params["nonlinearity"] = acts[0].lower()
    elif acts != DEFAULT_ACTIVATIONS[cell] * dirs:
        raise Unsupported(f"its activations {acts} differ from the standard {DEFAULT_ACTIVATIONS[cell]}")
    if cell == "LSTM" and (a.get("input_forget", 0) or (len(node.input) > 7 and node.input[7])):
        raise Unsupported("it couples the input and forget gates or has peephole weights; torch's LSTM has "
                          "neither")
    if cell == "GRU" and not a.get("linear_before_reset", 0):
        raise Unsupported("linear_before_reset=0 applies the reset gate before the recurrent weights; torch's "
                          "GRU (and netbuilder's) applies it after, so the weights cannot be carried over")
    if len(node.input) > 4 and node.input[4]:
        raise Unsupported("it takes per-sample sequence lengths; netbuilder sequences all have one length")
    _zero_state(ctx, node, 5, "initial hidden state")
    _zero_state(ctx, node, 6, "initial cell state")
    layout = a.get("layout", 0)
    x = ctx.values[node.input[0]]
    if layout == 0:
        if x.form != TIME_MAJOR:
            raise Unsupported("it reads a time-major sequence [time, batch, features] that does not come from "
                              "a batch-first one; netbuilder sequences are batch-first")
        x = Value(TENSOR, x.producer, step=x.step)
    else:
        x = ctx.tensor(node, 0)
    hidden = int(a["hidden_size"])
    w, r = ctx.const(node, 1, "input weights (W)"), ctx.const(node, 2, "recurrent weights (R)")
    b = ctx.optional_const(node, 3, "biases (B)")
    gh = GATES[cell] * hidden
    if b is None:
        b = np.zeros((dirs, 2 * gh), dtype=np.float32)
    weights: dict[str, np.ndarray] = {}
    for d in range(dirs):
        suffix = "_reverse" if d else ""
        weights[f"weight_ih_l0{suffix}"] = _reorder(w[d], cell)
        weights[f"weight_hh_l0{suffix}"] = _reorder(r[d], cell)
        weights[f"bias_ih_l0{suffix}"] = _reorder(b[d, :gh], cell)
        weights[f"bias_hh_l0{suffix}"] = _reorder(b[d, gh:], cell)
    params.update({"hidden_size": hidden, "num_layers": 1, "bidirectional": dirs == 2,
                   "return_sequence": True, "dropout": 0.0})
    layer = ctx.add_layer(layer_types[0], node, params, [x], weights)
    if len(node.output) > 2 and node.output[2] and ctx.consumers.get(node.output[2]):
        raise Unsupported("its final cell state (Y_c) is used; netbuilder's LSTM gives its outputs only")
    if node.output and node.output[0]:
        ctx.output(node, Value(RNN_Y if layout == 0 else RNN_YB, layer))
    if len(node.output) > 1 and node.output[1]:
        ctx.output(node, Value(RNN_H, layer, layout=layout), 1)


def _dirs(value: Value) -> int:
    return 2 if value.layer.params["bidirectional"] else 1


def _target_rank(ctx: Importer, node: NodeProto) -> int:
    shape = ctx.values[node.input[1]]
    if shape.form == CONST:
        return int(shape.array.size)
    out = ctx.shape(node.output[0])
    if out is None:
        raise Unsupported("the rank of its result is unknown")
    return len(out)


def transpose(ctx: Importer, node: NodeProto, value: Value, perm: list[int]) -> None:
    if value.form == RNN_Y and perm == [0, 2, 1, 3]:
        ctx.output(node, Value(RNN_Y_T, value.producer))
    elif value.form == RNN_Y and perm == [2, 0, 1, 3]:
        ctx.output(node, Value(RNN_YB, value.producer))
    elif value.form == RNN_H and perm == [1, 0, 2]:
        ctx.output(node, Value(RNN_H, value.producer, layout=1 - value.layout))
    else:
        raise Unsupported(f"it reorders a recurrent layer's output with perm {perm}, a pattern not recognised")


def reshape(ctx: Importer, node: NodeProto, value: Value) -> None:
    rank = _target_rank(ctx, node)
    if value.form == RNN_Y_T and rank == 3:  # [time, batch, directions × hidden]
        ctx.output(node, Value(TIME_MAJOR, value.producer))
    elif value.form == RNN_YB and rank == 3:  # [batch, time, directions × hidden]
        ctx.output(node, Value(TENSOR, value.producer))
    elif value.form == RNN_H and rank == 2 and (value.layout == 1 or _dirs(value) == 1):
        # [batch, directions × hidden]: forward's last step then backward's, as netbuilder's last step is.
        ctx.output(node, Value(TENSOR, value.producer, step="last"))
    else:
        raise Unsupported("it reshapes a recurrent layer's output in a way that is not recognised")


def squeeze(ctx: Importer, node: NodeProto, value: Value, axes: list[int]) -> None:
    if _dirs(value) != 1:
        raise Unsupported("it squeezes the directions axis of a bidirectional layer")
    if value.form == RNN_Y and axes == [1]:
        ctx.output(node, Value(TIME_MAJOR, value.producer))
    elif value.form == RNN_YB and axes == [2]:
        ctx.output(node, Value(TENSOR, value.producer))
    elif value.form == RNN_H and axes == [value.layout]:
        ctx.output(node, Value(TENSOR, value.producer, step="last"))
    else:
        raise Unsupported(f"it squeezes axes {axes} of a recurrent layer's output, a pattern not recognised")


def final_state(ctx: Importer, node: NodeProto, value: Value, axis: int) -> None:
    if value.layout == 1 and axis == 1:
        ctx.output(node, Value(TENSOR, value.producer, step="last"))
        return
    raise Unsupported("it flattens a recurrent layer's final state in a way that is not recognised")


def last_step(ctx: Importer, node: NodeProto, data: Value, idx: Value, axis: int) -> None:
    """``Gather`` of the last time step of an RNN's sequence: the layer with return_sequence off."""
    layer = data.producer
    is_rnn = isinstance(layer, Layer) and is_recurrent(layer.type) and data.step == "sequence"
    time_axis = {TENSOR: 1, TIME_MAJOR: 0}.get(data.form)
    if not isinstance(layer, Layer) or not is_rnn or axis != time_axis or idx.form != CONST or idx.array.size != 1:
        raise Unsupported("it picks entries of a tensor; netbuilder imports Gather only as an Embedding lookup or "
                          "as the last time step of a recurrent layer")
    length = (ctx.shape(node.input[0]) or [None, None])[axis]
    index = int(idx.array.reshape(-1)[0])
    is_last = index == -1 or (length is not None and index == length - 1)
    if layer.params["bidirectional"] and (is_last or index == 0):
        # Half of a bidirectional last step; `half` and `join_directions` complete the pattern.
        ctx.output(node, Value(BI_LAST if is_last else BI_FIRST, layer))
        return
    if not is_last:
        raise Unsupported(f"it picks time step {index}; only the last step of a recurrent layer can be imported")
    ctx.output(node, Value(TENSOR, layer, step="last"))


def half(ctx: Importer, node: NodeProto) -> None:
    """``Slice`` of the forward half of the last step, or of the backward half of the first step."""
    value = ctx.values[node.input[0]]
    if value.form not in (BI_LAST, BI_FIRST):
        raise Unsupported("it takes a slice of a tensor; netbuilder has no slicing layer")
    hidden = value.layer.params["hidden_size"]
    starts, ends = (int(ctx.const(node, i, what)[0]) for i, what in ((1, "start"), (2, "end")))
    axes_given = ctx.optional_const(node, 3, "axes") if len(node.input) > 3 else None
    axes = [int(a) for a in axes_given] if axes_given is not None else [0]
    steps = ctx.optional_const(node, 4, "steps")
    if axes[0] not in (1, -1) or (steps is not None and int(steps[0]) != 1):
        raise Unsupported("it slices a recurrent layer's output in a way that is not recognised")
    if value.form == BI_LAST and (starts, min(ends, 2 * hidden)) == (0, hidden):
        ctx.output(node, Value(FWD_LAST, value.producer))
    elif value.form == BI_FIRST and (starts, min(ends, 2 * hidden)) == (hidden, 2 * hidden):
        ctx.output(node, Value(BWD_FIRST, value.producer))
    else:
        raise Unsupported("it slices a bidirectional layer's step in a way that is not recognised")


def join_directions(ctx: Importer, node: NodeProto) -> bool:
    """``Concat`` of the forward last step and the backward first step: the layer's last step. False if not."""
    values = [ctx.values[n] for n in node.input]
    if not values or values[0].form not in (FWD_LAST, BWD_FIRST):
        return False
    axis = attributes(node).get("axis")
    if [v.form for v in values] != [FWD_LAST, BWD_FIRST] or values[0].producer is not values[1].producer \
            or axis not in (1, -1):
        raise Unsupported("it joins the directions of a bidirectional layer in a way that is not recognised")
    ctx.output(node, Value(TENSOR, values[0].producer, step="last"))
    return True
