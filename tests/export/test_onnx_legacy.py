"""ONNX import across opsets: legacy semantics, exporter patterns folded into layers, constants as layers.

Each model is built by hand at the opset whose semantics it tests; `import_onnx` checks the imported graph
against onnxruntime on the original file, so a test that imports at all also computes the same. The
assertions say which layers the model becomes.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from netbuilder.compile import build

from netbuilder.export.errors import OnnxImportError
from netbuilder.export.onnx_in import import_onnx

RNG = np.random.default_rng(3)
h = helper.make_node


def _f32(name: str, values) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.float32), name)


def _i64(name: str, values) -> TensorProto:
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def _import(tmp_path, nodes, x_shape, y_shape, inits=(), opset=13, extra_inputs=(), verify=True):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", *x_shape])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", *y_shape] if y_shape is not None else None)
    # IR version 3 (opsets before 7) lists every initializer among the graph inputs too.
    listed = [helper.make_tensor_value_info(i.name, i.data_type, list(i.dims)) for i in inits] if opset < 7 else []
    graph = helper.make_graph(nodes, "legacy", [x, *extra_inputs, *listed], [y], list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="tests")
    model.ir_version = 3 if opset < 7 else 7 if opset < 15 else 9  # as the exporters of the time wrote
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    return import_onnx(path, verify=verify)


def _layers(result) -> list:
    return [n for n in result.project.graphs["model"].nodes.values() if n.spec.role == "layer"]


def _types(result) -> Counter:
    return Counter(n.type for n in _layers(result))


# ---- legacy semantics --------------------------------------------------------------------------------------
def test_an_opset_6_add_broadcast_from_an_axis_becomes_a_fixed_bias_per_channel(tmp_path):
    # Before opset 7, a [3] constant added with broadcast=1, axis=1 lines up with the channels, not the width.
    # Neither onnxruntime nor onnx's reference evaluator runs an opset-6 Add, so the check is done here.
    nodes = [h("Add", ["x", "c"], ["y"], broadcast=1, axis=1)]
    result = _import(tmp_path, nodes, [3, 4, 5], [3, 4, 5], [_f32("c", [1.0, -2.0, 3.0])], opset=6, verify=False)
    (bias,) = _layers(result)
    assert bias.type == "Bias" and bias.params["per"] == "channel" and bias.params["learnable"] is False
    compiled = build(result.project.graphs["model"], "inference")
    compiled.load_state_dict(result.state)
    x = torch.randn(2, 3, 4, 5)
    expected = x + torch.tensor([1.0, -2.0, 3.0]).reshape(3, 1, 1)
    assert torch.equal(compiled.model(x), expected)


def _attr(result, node) -> str:
    from netbuilder.compile.builder import attribute_names

    return attribute_names(result.project.graphs["model"])[node.id]


def test_a_softmax_before_opset_13_normalises_everything_from_its_axis(tmp_path):
    nodes = [h("Softmax", ["x"], ["y"], axis=1)]
    result = _import(tmp_path, nodes, [3, 2, 2], [3, 2, 2], opset=11)
    assert [n.type for n in _layers(result)] == ["Flatten", "Softmax", "Reshape"]


def test_a_legacy_softmax_over_a_pooled_image_is_one_softmax_over_the_channels(tmp_path):
    # SqueezeNet's last layer: [N, 1000, 1, 1] with axis 1 flattens nothing that is not size 1.
    result = _import(tmp_path, [h("Softmax", ["x"], ["y"], axis=1)], [5, 1, 1], [5, 1, 1], opset=9)
    (softmax,) = _layers(result)
    assert softmax.type == "Softmax" and softmax.params["dim"] == 0


def test_sum_of_three_inputs_is_one_sum_layer(tmp_path):
    nodes = [h("Relu", ["x"], ["a"]), h("Sigmoid", ["x"], ["b"]), h("Tanh", ["x"], ["c"]),
             h("Sum", ["a", "b", "c"], ["y"])]
    result = _import(tmp_path, nodes, [6], [6], opset=8)
    assert _types(result)["Sum"] == 1


def test_a_sum_of_six_is_two_sum_layers(tmp_path):
    nodes = [h("Relu", ["x"], ["a"])] + [h("Sum", ["a"] * 6, ["y"])]
    result = _import(tmp_path, nodes, [4], [4], opset=8)
    assert _types(result)["Sum"] == 2


def test_the_upsample_of_opset_9_becomes_an_upsample_layer(tmp_path):
    nodes = [h("Upsample", ["x", "scales"], ["y"], mode="nearest")]
    result = _import(tmp_path, nodes, [2, 3, 4], [2, 6, 8], [_f32("scales", [1, 1, 2, 2])], opset=9)
    (up,) = _layers(result)
    assert up.type == "Upsample" and up.params == {"scale_factor": 2, "mode": "nearest"}


def test_a_batchnorm_epsilon_of_1e5_written_in_float32_is_torchs_even_with_zero_variance(tmp_path):
    nodes = [h("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=float(np.float32(1e-5)))]
    inits = [_f32("s", [1, 2]), _f32("b", [0, 1]), _f32("m", [0.5, 0]), _f32("v", [0, 0])]
    result = _import(tmp_path, nodes, [2, 3, 3], [2, 3, 3], inits, opset=9)
    assert [n.type for n in _layers(result)] == ["BatchNorm2d"]


def test_constants_are_folded_at_the_models_opset(tmp_path):
    # The zoo's light models: weights made by ConstantOfShape, reshaped by an opset-9 Unsqueeze with an axes
    # attribute (which the newest Unsqueeze would reject).
    nodes = [h("ConstantOfShape", ["shape"], ["w"], value=numpy_helper.from_array(np.array([0.5], np.float32))),
             h("Unsqueeze", ["w"], ["w3"], axes=[1, 2]), h("Mul", ["x", "w3"], ["y"])]
    result = _import(tmp_path, nodes, [3, 2, 2], [3, 2, 2], [_i64("shape", [3])], opset=9)
    (scale,) = _layers(result)
    assert scale.type == "Scale" and scale.params["per"] == "channel"


# ---- preprocessing and constants -------------------------------------------------------------------------
def test_input_normalisation_becomes_a_fixed_bias_then_a_fixed_scale(tmp_path):
    mean, std = [[[0.485]], [[0.456]], [[0.406]]], [[[0.229]], [[0.224]], [[0.225]]]
    nodes = [h("Sub", ["x", "mean"], ["centred"]), h("Div", ["centred", "std"], ["y"])]
    result = _import(tmp_path, nodes, [3, 4, 4], [3, 4, 4], [_f32("mean", mean), _f32("std", std)])
    bias, scale = _layers(result)
    assert (bias.type, scale.type) == ("Bias", "Scale")
    assert all(n.params["per"] == "channel" and not n.params["learnable"] for n in (bias, scale))
    np.testing.assert_allclose(result.state[f"{_attr(result, bias)}.bias"].reshape(-1), [-0.485, -0.456, -0.406])
    np.testing.assert_allclose(result.state[f"{_attr(result, scale)}.weight"].reshape(-1),
                               1 / np.array([0.229, 0.224, 0.225], np.float32), rtol=1e-6)


def test_a_constant_minus_a_layer_output_is_negate_then_bias(tmp_path):
    result = _import(tmp_path, [h("Sub", ["one", "x"], ["y"])], [5], [5], [_f32("one", 1.0)])
    assert [n.type for n in _layers(result)] == ["Negate", "Bias"]


def test_a_scale_and_shift_after_a_batchnorm_fold_into_it(tmp_path):
    # Caffe2's spatial batch norm followed by its "scale" layer (DenseNet, Inception v2).
    nodes = [h("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"]), h("Mul", ["n", "gamma"], ["g"]),
             h("Add", ["g", "beta"], ["y"])]
    inits = [_f32("s", [1, 2]), _f32("b", [0, 1]), _f32("m", [0.5, 0]), _f32("v", [1, 2]),
             _f32("gamma", [[[3.0]], [[0.5]]]), _f32("beta", [[[1.0]], [[-1.0]]])]
    result = _import(tmp_path, nodes, [2, 3, 3], [2, 3, 3], inits, opset=9)
    (bn,) = _layers(result)
    assert bn.type == "BatchNorm2d"
    assert result.state[f"{_attr(result, bn)}.weight"].tolist() == [3.0, 1.0]
    assert result.state[f"{_attr(result, bn)}.bias"].tolist() == [1.0, -0.5]


def test_a_shape_computation_feeding_a_reshape_folds_into_a_flatten(tmp_path):
    # Shape -> Gather -> Unsqueeze -> Concat -> Reshape: how TorchScript writes x.view(x.size(0), -1).
    nodes = [h("Shape", ["x"], ["shape"]), h("Gather", ["shape", "zero"], ["n"], axis=0),
             h("Unsqueeze", ["n", "axis0"], ["n1"]), h("Concat", ["n1", "minus_one"], ["target"], axis=0),
             h("Reshape", ["x", "target"], ["y"])]
    inits = [_i64("zero", 0), _i64("axis0", [0]), _i64("minus_one", [-1])]
    result = _import(tmp_path, nodes, [2, 3, 4], [24], inits)
    assert [n.type for n in _layers(result)] == ["Flatten"]


# ---- padding, pools and convolutions -----------------------------------------------------------------------
def test_a_max_pool_padded_only_at_the_end_is_ceil_mode(tmp_path):
    nodes = [h("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])]
    result = _import(tmp_path, nodes, [2, 8, 8], [2, 4, 4], opset=9)
    (pool,) = _layers(result)
    assert pool.type == "MaxPool2d" and pool.params["ceil_mode"] is True and pool.params["padding"] == 0


def test_an_average_pool_counting_uneven_padding_pads_with_zeros_first(tmp_path):
    nodes = [h("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 1, 1, 0],
               count_include_pad=1)]
    result = _import(tmp_path, nodes, [2, 5, 5], [2, 3, 3])
    assert [n.type for n in _layers(result)] == ["ZeroPad2d", "AvgPool2d"]


def test_a_pool_whose_one_window_covers_the_image_is_global_pooling(tmp_path):
    # Inception v1's last pool: a 7×7 window, padded at the end, over a 6×6 image.
    nodes = [h("AveragePool", ["x"], ["y"], kernel_shape=[7, 7], pads=[0, 0, 1, 1])]
    result = _import(tmp_path, nodes, [4, 6, 6], [4, 1, 1], opset=9)
    assert [n.type for n in _layers(result)] == ["AdaptiveAvgPool2d"]


def test_same_upper_padding_is_even_padding_plus_the_remainder_before_the_convolution(tmp_path):
    w = _f32("w", RNG.normal(size=(4, 2, 2, 2)))
    nodes = [h("Conv", ["x", "w"], ["y"], kernel_shape=[2, 2], auto_pad="SAME_UPPER")]
    result = _import(tmp_path, nodes, [2, 5, 5], [4, 5, 5], [w])
    pad, conv = _layers(result)
    assert (pad.type, conv.type) == ("ZeroPad2d", "Conv2d") and pad.params["padding"] == [0, 1, 0, 1]


def test_a_grouped_convolution_with_a_rectangular_kernel_keeps_its_groups_and_sizes(tmp_path):
    w = _f32("w", RNG.normal(size=(6, 2, 3, 1)))
    nodes = [h("Conv", ["x", "w"], ["y"], kernel_shape=[3, 1], group=2, strides=[2, 1], pads=[1, 0, 1, 0])]
    result = _import(tmp_path, nodes, [4, 6, 5], [6, 3, 5], [w])
    (conv,) = _layers(result)
    assert conv.params["groups"] == 2 and conv.params["kernel_size"] == [3, 1] and conv.params["stride"] == [2, 1]


def test_pad_modes_become_the_padding_layers(tmp_path):
    for mode, layer in (("reflect", "ReflectionPad2d"), ("edge", "ReplicationPad2d"), ("constant", "ZeroPad2d")):
        nodes = [h("Pad", ["x", "pads"], ["y"], mode=mode)]
        result = _import(tmp_path, nodes, [2, 4, 4], [2, 7, 5], [_i64("pads", [0, 0, 2, 0, 0, 0, 1, 1])])
        (pad,) = _layers(result)
        assert pad.type == layer and pad.params["padding"] == [0, 1, 2, 1]


# ---- activations and plumbing -----------------------------------------------------------------------------
@pytest.mark.parametrize("low,high,layer", [(0.0, 6.0, "ReLU6"), (-1.0, 2.0, "Hardtanh"), (0.0, None, "ReLU")])
def test_clip_becomes_relu6_hardtanh_or_relu(tmp_path, low, high, layer):
    inputs = ["x", "lo"] + (["hi"] if high is not None else [])
    inits = [_f32("lo", low)] + ([_f32("hi", high)] if high is not None else [])
    result = _import(tmp_path, [h("Clip", inputs, ["y"])], [5], [5], inits)
    assert [n.type for n in _layers(result)] == [layer]


def test_clip_of_opset_6_reads_its_bounds_from_attributes(tmp_path):
    result = _import(tmp_path, [h("Clip", ["x"], ["y"], min=-0.5, max=0.5)], [5], [5], opset=6)
    (clip,) = _layers(result)
    assert clip.type == "Hardtanh" and (clip.params["min_val"], clip.params["max_val"]) == (-0.5, 0.5)


def test_a_hard_sigmoid_with_other_constants_is_a_scale_a_bias_and_a_clip(tmp_path):
    result = _import(tmp_path, [h("HardSigmoid", ["x"], ["y"], alpha=0.2, beta=0.5)], [5], [5])
    assert [n.type for n in _layers(result)] == ["Scale", "Bias", "Hardtanh"]


@pytest.mark.parametrize("mode,layers", [("CRD", ["PixelShuffle"]), ("DCR", ["Reshape", "Permute", "Reshape"])])
def test_depth_to_space_in_both_orders(tmp_path, mode, layers):
    nodes = [h("DepthToSpace", ["x"], ["y"], blocksize=2, mode=mode)]
    result = _import(tmp_path, nodes, [8, 3, 2], [2, 6, 4])
    assert [n.type for n in _layers(result)] == layers


def test_a_split_into_three_wires_each_part_from_its_own_port(tmp_path):
    nodes = [h("Split", ["x", "sizes"], ["a", "b", "c"], axis=1), h("Sub", ["a", "c"], ["d"]),
             h("Mul", ["d", "b"], ["y"])]
    result = _import(tmp_path, nodes, [6], [2], [_i64("sizes", [2, 2, 2])])
    graph = result.project.graphs["model"]
    split = next(n for n in graph.nodes.values() if n.type == "Split")
    assert split.params["sizes"] == [2, 2, 2]
    assert sorted(e.source_port for e in graph.edges_out_of(split.id)) == ["out", "out2", "out3"]


def test_squeeze_and_unsqueeze_become_one_layer_per_axis(tmp_path):
    nodes = [h("Unsqueeze", ["x", "axes"], ["u"]), h("Squeeze", ["u", "axes"], ["y"])]
    result = _import(tmp_path, nodes, [4], [4], [_i64("axes", [1, 3])])
    assert [n.type for n in _layers(result)] == ["Unsqueeze", "Unsqueeze", "Squeeze", "Squeeze"]


def test_a_transpose_keeping_the_batch_first_is_a_permute(tmp_path):
    result = _import(tmp_path, [h("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])], [3, 4, 5], [4, 5, 3])
    (permute,) = _layers(result)
    assert permute.type == "Permute" and permute.params["dims"] == [1, 2, 0]


def test_torchs_softplus_with_its_threshold_is_one_softplus(tmp_path):
    # How the dynamo exporter writes nn.Softplus(beta=2, threshold=10).
    nodes = [h("Mul", ["x", "beta"], ["s"]), h("Softplus", ["s"], ["sp"]), h("Div", ["sp", "beta"], ["soft"]),
             h("Greater", ["s", "t"], ["big"]), h("Where", ["big", "x", "soft"], ["y"])]
    result = _import(tmp_path, nodes, [5], [5], [_f32("beta", 2.0), _f32("t", 10.0)], opset=18)
    (softplus,) = _layers(result)
    assert softplus.type == "Softplus" and softplus.params == {"beta": 2.0, "threshold": 10.0}


def test_layer_normalization_over_the_last_axis_is_a_layernorm_with_its_scale_and_shift(tmp_path):
    nodes = [h("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1, epsilon=1e-5)]
    inits = [_f32("g", [1.0, 2.0, 0.5, 1.0]), _f32("b", [0.0, 0.1, 0.2, 0.3])]
    result = _import(tmp_path, nodes, [3, 4], [3, 4], inits, opset=17)
    (norm,) = _layers(result)
    assert norm.type == "LayerNorm"
    assert result.state[f"{_attr(result, norm)}.weight"].tolist() == [1.0, 2.0, 0.5, 1.0]


def test_layer_normalization_with_another_epsilon_is_refused_rather_than_approximated(tmp_path):
    nodes = [h("LayerNormalization", ["x", "g"], ["y"], epsilon=1e-6)]
    with pytest.raises(OnnxImportError, match="epsilon is 1e-06"):
        _import(tmp_path, nodes, [4], [4], [_f32("g", [1.0] * 4)], opset=17)


# ---- what is still refused, and why ----------------------------------------------------------------------
def test_refusals_name_each_node_and_the_reason(tmp_path):
    nodes = [h("Relu", ["x"], ["r"]), h("Greater", ["r", "zero"], ["g"]), h("Where", ["g", "r", "x"], ["w"]),
             h("LRN", ["r4"], ["l"], size=4), h("Unsqueeze", ["r", "axes"], ["r4"]), h("Add", ["w", "q"], ["y"]),
             h("Softmax", ["x"], ["q"], axis=0)]
    inits = [_f32("zero", 0.0), _i64("axes", [2, 3])]
    nodes = [nodes[0], nodes[1], nodes[2], nodes[4], nodes[3], nodes[6], nodes[5]]
    with pytest.raises(OnnxImportError) as info:
        _import(tmp_path, nodes, [4], [4], inits)
    unsupported = info.value.unsupported
    assert "Softplus" in unsupported["Where 'w'"]
    assert "even" in unsupported["LRN 'l'"]
    assert "batch axis" in unsupported["Softmax 'q'"]
