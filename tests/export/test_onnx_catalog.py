"""ONNX import reads the layer catalog: an operator becomes the layer whose entry lists it."""

from __future__ import annotations

import dataclasses

import onnx
import pytest
from onnx import TensorProto, helper

from netbuilder.export.errors import OnnxImportError
from netbuilder.export.onnx_in import import_onnx
from netbuilder.graph import CATALOG
from netbuilder.graph.catalog import onnx_layer_types


def _one_node_model(tmp_path, op_type: str, **attributes: object):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 5])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 5])
    node = helper.make_node(op_type, ["x"], ["y"], name="the_node", **attributes)
    model = helper.make_model(helper.make_graph([node], "one", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    path = tmp_path / f"{op_type}.onnx"
    onnx.save(model, str(path))
    return path


def _layers(project) -> list:
    return [n for n in project.graphs["model"].nodes.values() if n.spec.role == "layer"]


def test_a_layer_added_to_the_catalog_with_its_onnx_operator_is_imported_with_no_other_change(tmp_path, monkeypatch):
    for name, spec in list(CATALOG.items()):  # start from a catalog where no layer imports Softplus
        if "Softplus" in spec.onnx_ops:
            monkeypatch.setitem(CATALOG, name, dataclasses.replace(
                spec, onnx_ops=tuple(op for op in spec.onnx_ops if op != "Softplus")))
    path = _one_node_model(tmp_path, "Softplus")
    with pytest.raises(OnnxImportError, match="Softplus has no netbuilder layer"):
        import_onnx(path)
    tanh = CATALOG["Tanh"]
    assert tanh.torch is not None
    monkeypatch.setitem(CATALOG, "SmoothReLU", dataclasses.replace(
        tanh, type="SmoothReLU", help="log(1 + exp(x)).", onnx_ops=("Softplus",),
        torch=dataclasses.replace(tanh.torch, module="torch.nn.Softplus")))
    result = import_onnx(path)  # verified against onnxruntime, so it computes the same
    assert [n.type for n in _layers(result.project)] == ["SmoothReLU"]


def test_an_onnx_attribute_sets_the_parameter_the_entry_maps_it_to(tmp_path):
    assert ("alpha", "negative_slope") in CATALOG["LeakyReLU"].onnx_attributes
    project, _ = import_onnx(_one_node_model(tmp_path, "LeakyRelu", alpha=0.2))
    (layer,) = _layers(project)
    assert layer.type == "LeakyReLU" and layer.params["negative_slope"] == 0.2


def test_an_attribute_the_entry_does_not_map_is_refused_rather_than_dropped(tmp_path, monkeypatch):
    monkeypatch.setitem(CATALOG, "LeakyReLU", dataclasses.replace(CATALOG["LeakyReLU"], onnx_attributes=()))
    with pytest.raises(OnnxImportError, match="LeakyRelu 'the_node': its attribute.* alpha have no LeakyReLU"):
        import_onnx(_one_node_model(tmp_path, "LeakyRelu", alpha=0.2))


def test_an_operator_two_entries_list_goes_to_the_one_whose_shape_rule_takes_the_input():
    assert onnx_layer_types("BatchNormalization") == ("BatchNorm1d", "BatchNorm2d")
    assert onnx_layer_types("Conv") == ("Conv1d", "Conv2d")
    # The round-trip tests import both kinds of each; here: the lookup is the catalog's, in its order.
    assert onnx_layer_types("Reshape") == ("Flatten", "Reshape")


def test_every_operator_an_entry_lists_is_one_import_can_convert():
    from netbuilder.export.onnx_ops import LAYER_CONVERTERS

    for spec in CATALOG.values():
        for op in spec.onnx_ops:
            needs_converter = spec.has_weights or len(spec.inputs) != 1
            assert op in LAYER_CONVERTERS or not needs_converter, f"{spec.type}: {op} needs a converter"
