"""Recurrent layers (RNN, LSTM, GRU) and attention."""

from __future__ import annotations

from typing import Any

from netbuilder.graph.catalog.spec import (IN, OUT, ArgsRule, CountRule, GateBias, LayerSpec, ParamSpec, ParamValues,
                                           ShapeError, ShapeRule, Shapes, Signature, TensorShape, TorchSpec)

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}

# nn.RNN/LSTM/GRU take *args, so code export cannot read their defaults from the signature.
_RNN_SIGNATURE = Signature(
    positional=("input_size", "hidden_size"),
    defaults=(("num_layers", 1), ("nonlinearity", "tanh"), ("bias", True), ("batch_first", False),
              ("dropout", 0.0), ("bidirectional", False), ("proj_size", 0)),
)
# torch's LSTM gate order is input, forget, cell, output: the forget gate is block 1 of the input-side biases.
_FORGET_BIAS = GateBias(param="forget_bias", tensors="bias_ih", gate=1, size_arg="hidden_size")


def _sequence_input(ins: Shapes, layer: str) -> tuple[int, int]:
    x = ins["in"]
    if x.dtype != "float":
        raise ShapeError(f"{layer} needs numbers but receives token ids ({x.sample}) — put an Embedding before it")
    if x.rank != 2:
        hint = (" — set the Input kind to sequence, or add a Reshape to length×features"
                if x.rank < 2 else " — add a Reshape (or Flatten the feature part) to length×features")
        raise ShapeError(f"{layer} expects a sequence (length×features) but receives {x.sample}{hint}")
    length, features = x.dims
    return length, features


def _rnn_infer(cell: str) -> ShapeRule:
    def infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
        length, _ = _sequence_input(ins, cell)
        h = p["hidden_size"] * (2 if p["bidirectional"] else 1)
        return {"out": TensorShape((length, h) if p["return_sequence"] else (h,))}
    return infer


def _rnn_params(cell: str) -> CountRule:
    def count(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        g, h, dirs = GATES[cell], p["hidden_size"], 2 if p["bidirectional"] else 1
        total, f = 0, ins["in"].dims[1]
        for _ in range(p["num_layers"]):
            total += dirs * g * (h * f + h * h + 2 * h)
            f = h * dirs
        return total
    return count


def _rnn_macs(cell: str) -> CountRule:
    def count(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
        g, h, dirs = GATES[cell], p["hidden_size"], 2 if p["bidirectional"] else 1
        length, f = ins["in"].dims
        total = 0
        for _ in range(p["num_layers"]):
            total += length * dirs * g * (h * f + h * h)
            f = h * dirs
        return total
    return count


def _rnn_args(cell: str) -> ArgsRule:
    def args(p: ParamValues, ins: Shapes) -> dict[str, Any]:
        a = {"input_size": ins["in"].dims[1], "hidden_size": p["hidden_size"], "num_layers": p["num_layers"],
             "bidirectional": p["bidirectional"], "dropout": p["dropout"] if p["num_layers"] > 1 else 0.0,
             "batch_first": True}
        if cell == "RNN":
            a["nonlinearity"] = p["nonlinearity"]
        return a
    return args


def _rnn_params_specs(cell: str) -> tuple[ParamSpec, ...]:
    specs = [
        ParamSpec("hidden_size", "int", 32, "Size of the hidden state (memory) per direction.", 1, 100_000),
        ParamSpec("num_layers", "int", 1, "Recurrent layers stacked on each other.", 1, 64),
        ParamSpec("bidirectional", "bool", False, "Also read the sequence backwards and join both readings."),
        ParamSpec("return_sequence", "bool", False, "Return the output at every time step (length×hidden) "
                  "instead of only the last step (hidden)."),
        ParamSpec("dropout", "float", 0.0, "Dropout between stacked layers (needs num_layers > 1).", 0.0, 0.99),
    ]
    if cell == "RNN":
        specs.append(ParamSpec("nonlinearity", "choice", "tanh", "Activation of the plain RNN cell.",
                               choices=("tanh", "relu")))
    if cell == "LSTM":
        # PyTorch starts the forget gate near 0.5, so an untrained LSTM halves what it keeps each step and
        # forgets a long sequence as fast as a plain RNN; a bias of 1 (Jozefowicz et al. 2015, Keras's
        # default) starts it remembering. 0 keeps PyTorch's own initialisation.
        specs.append(ParamSpec("forget_bias", "float", 0.0, "Added to the forget gate's starting bias: 1 (the "
                               "usual advice) makes the layer start out remembering, so gradients reach the "
                               "early steps of long sequences.", -10.0, 10.0))
    return tuple(specs)


_RNN_HELP = {
    "RNN": "Plain recurrent layer: reads a sequence step by step with one tanh cell. Struggles with long "
           "sequences because gradients vanish — compare with LSTM.",
    "LSTM": "Long short-term memory: a recurrent layer with gates that keep information over long sequences.",
    "GRU": "Gated recurrent unit: like an LSTM with fewer gates; often as good and faster.",
}


def _rnn_spec(cell: str) -> LayerSpec:
    return LayerSpec(
        type=cell, category="Recurrent", help=_RNN_HELP[cell],
        inputs=IN, outputs=OUT, params=_rnn_params_specs(cell), infer=_rnn_infer(cell),
        torch=TorchSpec(f"torch.nn.{cell}", _rnn_args(cell), "rnn", signature=_RNN_SIGNATURE,
                        gate_biases=(_FORGET_BIAS,) if cell == "LSTM" else ()),
        onnx_ops=(cell,), count_params=_rnn_params(cell), count_macs=_rnn_macs(cell),
        key_params=("hidden_size", "return_sequence"), has_weights=True,
    )


RNN, LSTM, GRU = (_rnn_spec(c) for c in ("RNN", "LSTM", "GRU"))


def _attention_input(ins: Shapes, layer: str, heads: int) -> tuple[int, int]:
    length, e = _sequence_input(ins, layer)
    if e % heads:
        raise ShapeError(f"{layer}: the feature size {e} must be divisible by the number of heads ({heads}) — "
                         "change num_heads or the size of the layer before it")
    return length, e


def _mha_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    t, e = ins["in"].dims
    return 4 * t * e * e + 2 * t * t * e


def _mha_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    _attention_input(ins, "MultiheadAttention", p["num_heads"])
    return {"out": ins["in"]}


MHA = LayerSpec(
    type="MultiheadAttention", category="Attention",
    help="Self-attention: every time step looks at every other and mixes in what is relevant. "
         "The feature size is taken from the incoming shape.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("num_heads", "int", 4, "Parallel attention heads; must divide the feature size.", 1, 1024),
            ParamSpec("dropout", "float", 0.0, "Dropout on the attention weights.", 0.0, 0.99)),
    infer=_mha_infer,
    torch=TorchSpec("torch.nn.MultiheadAttention", lambda p, ins: {
        "embed_dim": ins["in"].dims[1], "num_heads": p["num_heads"], "dropout": p["dropout"], "batch_first": True},
        "self_attention"),
    onnx_ops=(),  # exporters write attention as MatMul/Softmax/Transpose chains that import does not fold
    count_params=lambda p, ins, outs: 4 * ins["in"].dims[1] ** 2 + 4 * ins["in"].dims[1],
    count_macs=_mha_macs,
    key_params=("num_heads",), has_weights=True,
)


def _tel_infer(p: ParamValues, ins: Shapes) -> dict[str, TensorShape]:
    _attention_input(ins, "TransformerEncoderLayer", p["nhead"])
    return {"out": ins["in"]}


def _tel_macs(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    t, e = ins["in"].dims
    return 4 * t * e * e + 2 * t * t * e + 2 * t * e * p["dim_feedforward"]


def _tel_params(p: ParamValues, ins: Shapes, outs: Shapes) -> int:
    e, ff = ins["in"].dims[1], p["dim_feedforward"]
    return 4 * e * e + 4 * e + (e * ff + ff) + (ff * e + e) + 4 * e


TRANSFORMER = LayerSpec(
    type="TransformerEncoderLayer", category="Attention",
    help="One transformer block: self-attention then a two-layer feed-forward net, each with a residual "
         "connection and LayerNorm.",
    inputs=IN, outputs=OUT,
    params=(ParamSpec("nhead", "int", 4, "Attention heads; must divide the feature size.", 1, 1024),
            ParamSpec("dim_feedforward", "int", 128, "Width of the feed-forward part.", 1, 1_000_000),
            ParamSpec("dropout", "float", 0.1, "Dropout inside the block.", 0.0, 0.99),
            ParamSpec("activation", "choice", "relu", "Activation of the feed-forward part.",
                      choices=("relu", "gelu"))),
    infer=_tel_infer,
    torch=TorchSpec("torch.nn.TransformerEncoderLayer", lambda p, ins: {
        "d_model": ins["in"].dims[1], "nhead": p["nhead"], "dim_feedforward": p["dim_feedforward"],
        "dropout": p["dropout"], "activation": p["activation"], "batch_first": True}),
    onnx_ops=(),
    count_params=_tel_params,
    count_macs=_tel_macs,
    key_params=("nhead",), has_weights=True,
)

SPECS = (RNN, LSTM, GRU, MHA, TRANSFORMER)
