"""Hand-built ONNX models (onnx.helper) that exercise every operator the importer maps."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OPSET = 20  # Gelu entered the default domain in opset 20
RNG = np.random.default_rng(0)


def _w(name: str, *shape: int, positive: bool = False) -> TensorProto:
    data = RNG.uniform(0.5, 1.5, shape) if positive else RNG.normal(0, 0.5, shape)
    return numpy_helper.from_array(data.astype(np.float32), name)


def _i64(name: str, values) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def _model(nodes, inputs, outputs, inits):
    graph = helper.make_graph(nodes, "hand_built", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tests")
    model.ir_version = 9
    return model


def image_model():
    """Conv, BatchNormalization, Relu, MaxPool, ConvTranspose, LeakyRelu, AveragePool, GlobalAveragePool, Flatten,
    Reshape, Gemm, Sigmoid, MatMul + Add, Tanh, Mul, Add, Dropout, Identity, Gelu, Concat, Softmax."""
    h = helper.make_node
    nodes = [
        h("Conv", ["x", "c1.weight", "c1.bias"], ["c1"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        h("BatchNormalization", ["c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], name="batchnorm",
          epsilon=1e-3),
        h("Relu", ["bn"], ["r"], name="relu"),
        h("MaxPool", ["r"], ["mp"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),
        h("ConvTranspose", ["mp", "ct.weight", "ct.bias"], ["ct"], name="deconv", kernel_shape=[4, 4],
          strides=[2, 2], pads=[1, 1, 1, 1]),
        h("LeakyRelu", ["ct"], ["lr"], name="leaky", alpha=0.1),
        h("AveragePool", ["lr"], ["ap"], name="avgpool", kernel_shape=[2, 2], strides=[2, 2]),
        h("GlobalAveragePool", ["ap"], ["gap"], name="global_pool"),
        h("Flatten", ["gap"], ["f1"], name="flatten", axis=1),
        h("Reshape", ["ap", "flat_shape"], ["rs"], name="reshape"),
        h("Gemm", ["rs", "fc.weight", "fc.bias"], ["g"], name="gemm", transB=1),
        h("Sigmoid", ["g"], ["sg"], name="sigmoid"),
        h("MatMul", ["rs", "mm_w"], ["mm"], name="matmul"),
        h("Add", ["mm", "mm_b"], ["ad"], name="matmul_bias"),
        h("Tanh", ["ad"], ["th"], name="tanh"),
        h("Mul", ["sg", "th"], ["mul"], name="gate"),
        h("Add", ["mul", "sg"], ["add"], name="skip"),
        h("Dropout", ["add"], ["dr"], name="dropout"),
        h("Identity", ["dr"], ["idn"], name="identity"),
        h("Gelu", ["idn"], ["ge"], name="gelu"),
        h("Concat", ["ge", "f1"], ["cat"], name="concat", axis=1),
        h("Softmax", ["cat"], ["probs"], name="softmax", axis=-1),
    ]
    inits = [_w("c1.weight", 4, 3, 3, 3), _w("c1.bias", 4), _w("bn.scale", 4), _w("bn.bias", 4), _w("bn.mean", 4),
             _w("bn.var", 4, positive=True), _w("ct.weight", 4, 2, 4, 4), _w("ct.bias", 2),
             _i64("flat_shape", [-1, 32]), _w("fc.weight", 8, 32), _w("fc.bias", 8), _w("mm_w", 32, 8),
             _w("mm_b", 8)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8])
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 10])
    return _model(nodes, [x], [y], inits)


IMAGE_LAYERS = {"Conv2d": 1, "BatchNorm2d": 1, "ReLU": 1, "MaxPool2d": 1, "ConvTranspose2d": 1, "LeakyReLU": 1,
                "AvgPool2d": 1, "AdaptiveAvgPool2d": 1, "Flatten": 2, "Linear": 2, "Sigmoid": 1, "Tanh": 1,
                "Multiply": 1, "Add": 1, "GELU": 1, "Concatenate": 1, "Softmax": 1}


def sequence_model():
    """LSTM (zero initial state), RNN (bidirectional, relu), GRU, the transposes, squeezes and reshapes around
    them, and the last time step picked with Gather."""
    h = helper.make_node
    T, F, H = 5, 3, 4
    nodes = [
        h("Shape", ["x"], ["batch_size"], name="batch_size", start=0, end=1),
        h("Concat", ["one", "batch_size", "hidden"], ["state_shape"], name="state_shape", axis=0),
        h("Expand", ["zero", "state_shape"], ["h0"], name="zero_state"),
        h("Transpose", ["x"], ["xt"], name="to_time_major", perm=[1, 0, 2]),
        h("LSTM", ["xt", "lstm_W", "lstm_R", "lstm_B", "", "h0"], ["lstm_y"], name="lstm", hidden_size=H),
        h("Squeeze", ["lstm_y", "axis1"], ["lstm_seq"], name="lstm_squeeze"),
        h("RNN", ["lstm_seq", "rnn_W", "rnn_R", "rnn_B"], ["rnn_y"], name="rnn", hidden_size=H,
          direction="bidirectional", activations=["Relu", "Relu"]),
        h("Transpose", ["rnn_y"], ["rnn_t"], name="rnn_dirs_last", perm=[0, 2, 1, 3]),
        h("Reshape", ["rnn_t", "merge_dirs"], ["rnn_seq"], name="rnn_merge"),
        h("GRU", ["rnn_seq", "gru_W", "gru_R", "gru_B"], ["gru_y"], name="gru", hidden_size=H,
          linear_before_reset=1),
        h("Squeeze", ["gru_y", "axis1"], ["gru_seq"], name="gru_squeeze"),
        h("Transpose", ["gru_seq"], ["gru_bf"], name="to_batch_first", perm=[1, 0, 2]),
        h("Gather", ["gru_bf", "last"], ["gru_last"], name="last_step", axis=1),
        h("Gemm", ["gru_last", "head.weight", "head.bias"], ["y"], name="head", transB=1),
    ]
    inits = [_w("lstm_W", 1, 4 * H, F), _w("lstm_R", 1, 4 * H, H), _w("lstm_B", 1, 8 * H),
             _i64("one", [1]), _i64("hidden", [H]), numpy_helper.from_array(np.array(0, np.float32), "zero"),
             _i64("axis1", [1]),
             _w("rnn_W", 2, H, H), _w("rnn_R", 2, H, H), _w("rnn_B", 2, 2 * H), _i64("merge_dirs", [0, 0, 2 * H]),
             _w("gru_W", 1, 3 * H, 2 * H), _w("gru_R", 1, 3 * H, H), _w("gru_B", 1, 6 * H),
             numpy_helper.from_array(np.array(-1, np.int64), "last"), _w("head.weight", 2, H), _w("head.bias", 2)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", T, F])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])
    return _model(nodes, [x], [y], inits)


SEQUENCE_LAYERS = {"LSTM": 1, "RNN": 1, "GRU": 1, "Linear": 1}


def final_state_model():
    """A GRU whose final state Y_h (not its sequence) feeds the head, squeezed from [1, batch, hidden]."""
    h = helper.make_node
    nodes = [
        h("Transpose", ["x"], ["xt"], name="to_time_major", perm=[1, 0, 2]),
        h("GRU", ["xt", "W", "R", "B"], ["", "y_h"], name="gru", hidden_size=4, linear_before_reset=1),
        h("Squeeze", ["y_h", "axis0"], ["state"], name="state"),
        h("Gemm", ["state", "head.weight", "head.bias"], ["y"], name="head", transB=1),
    ]
    inits = [_w("W", 1, 12, 3), _w("R", 1, 12, 4), _w("B", 1, 24), _i64("axis0", [0]), _w("head.weight", 2, 4),
             _w("head.bias", 2)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 6, 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2])
    return _model(nodes, [x], [y], inits)


def unsupported_model():
    """Three nodes netbuilder cannot express (a sine, a mean over the batch, a join along the batch), each fed by a
    supported Conv, so every one is listed."""
    h = helper.make_node
    nodes = [
        h("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[3, 3]),
        h("Sin", ["c"], ["s"], name="sine"),
        h("ReduceMean", ["c", "batch_axis"], ["m"], name="batch_mean", keepdims=1),
        h("Concat", ["c", "c"], ["j"], name="batch_join", axis=0),
    ]
    inits = [_w("w", 4, 2, 3, 3), _i64("batch_axis", [0])]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, 6, 6])
    outputs = [helper.make_tensor_value_info("s", TensorProto.FLOAT, ["batch", 4, 4, 4]),
               helper.make_tensor_value_info("m", TensorProto.FLOAT, [1, 4, 4, 4]),
               helper.make_tensor_value_info("j", TensorProto.FLOAT, ["joined", 4, 4, 4])]
    return _model(nodes, [x], outputs, inits)


def batch_first_model():
    """Batch-first (layout=1) RNNs, which onnxruntime cannot run: a bidirectional LSTM whose directions are merged
    by a Reshape, then a GRU whose final state is flattened into the last step."""
    h = helper.make_node
    H = 3
    nodes = [
        h("LSTM", ["x", "lstm_W", "lstm_R", "lstm_B"], ["lstm_y"], name="lstm", hidden_size=H, layout=1,
          direction="bidirectional"),
        h("Reshape", ["lstm_y", "merge"], ["seq"], name="merge_directions"),
        h("GRU", ["seq", "gru_W", "gru_R", "gru_B"], ["", "gru_h"], name="gru", hidden_size=H, layout=1,
          linear_before_reset=1),
        h("Flatten", ["gru_h"], ["y"], name="final_state", axis=1),
    ]
    inits = [_w("lstm_W", 2, 4 * H, 2), _w("lstm_R", 2, 4 * H, H), _w("lstm_B", 2, 8 * H),
             _i64("merge", [0, 0, 2 * H]), _w("gru_W", 1, 3 * H, 2 * H), _w("gru_R", 1, 3 * H, H),
             _w("gru_B", 1, 6 * H)]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", H])
    return _model(nodes, [x], [y], inits)
