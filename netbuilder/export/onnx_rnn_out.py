"""ONNX export of plain RNN layers as the ONNX RNN operator, for the dynamo exporter.

The dynamo exporter writes LSTM and GRU layers as ONNX LSTM and GRU nodes but
has no translation for a plain RNN (``aten.rnn_tanh`` / ``aten.rnn_relu``), so
it unrolls one step by step: a slow export, a large file, and a model ONNX
import cannot read back. These translations write one ONNX RNN node per
stacked layer instead, laid out as the exporter lays out its GRU: time-major
around the node, directions joined into the features after it. torch and ONNX
keep a plain RNN's weights alike (one gate, the two biases side by side in
``B``), so nothing is reordered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _rnn(nonlinearity: str) -> Callable[..., tuple[Any, Any]]:
    from onnxscript import opset18

    # Traced, not compiled: the exporter turns Python ints and lists into constants, which the opset's
    # type stubs (written for compiled scripts) do not allow for.
    op: Any = opset18

    def convert(input: Any, hx: Any, params: Sequence[Any], has_biases: bool, num_layers: int, dropout: float,
                train: bool, bidirectional: bool, batch_first: bool) -> tuple[Any, Any]:
        """rnn_tanh.input / rnn_relu.input(input, hx, params, has_biases, num_layers, dropout, train,
        bidirectional, batch_first) -> (output, h_n)."""
        dirs = 2 if bidirectional else 1
        per_direction = 4 if has_biases else 2  # weight_ih, weight_hh[, bias_ih, bias_hh]
        x = op.Transpose(input, perm=[1, 0, 2]) if batch_first else input
        hidden = hx.shape[2]
        activations = ["Tanh" if nonlinearity == "tanh" else "Relu"] * dirs
        direction = "bidirectional" if bidirectional else "forward"
        finals = []
        for layer in range(num_layers):
            h0 = op.Slice(hx, [layer * dirs], [(layer + 1) * dirs], axes=[0])
            first = [(layer * dirs + d) * per_direction for d in range(dirs)]
            w = op.Concat(*[op.Unsqueeze(params[i], [0]) for i in first], axis=0)
            r = op.Concat(*[op.Unsqueeze(params[i + 1], [0]) for i in first], axis=0)
            b = (op.Concat(*[op.Unsqueeze(op.Concat(params[i + 2], params[i + 3], axis=0), [0]) for i in first],
                           axis=0) if has_biases else None)
            y, y_h = op.RNN(x, w, r, b, None, h0, activations=activations, direction=direction,
                            hidden_size=hidden)
            # [time, directions, batch, hidden] -> [time, batch, directions * hidden], the next layer's input
            x = op.Reshape(op.Transpose(y, perm=[0, 2, 1, 3]), op.Constant(value_ints=[0, 0, -1]))
            finals.append(y_h)
        out = op.Transpose(x, perm=[1, 0, 2]) if batch_first else x
        return out, op.Concat(*finals, axis=0)
    return convert


def translations() -> dict[Callable[..., Any], Callable[..., Any]]:
    """The ``custom_translation_table`` for `torch.onnx.export` (dynamo): plain RNNs as ONNX RNN nodes."""
    import torch

    return {torch.ops.aten.rnn_tanh.input: _rnn("tanh"), torch.ops.aten.rnn_relu.input: _rnn("relu")}
