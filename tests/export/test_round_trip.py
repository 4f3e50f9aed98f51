"""Export -> import -> export reproduces every example project's outputs."""

from __future__ import annotations

import numpy as np
import pytest

from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.onnx_out import export_onnx
from tests.export.conftest import EXAMPLES, ort_run, random_batch


@pytest.mark.parametrize("name", EXAMPLES)
def test_export_import_export_gives_the_original_outputs(exported, tmp_path, name):
    first, _ = exported[name]
    project, state = import_onnx(first)
    again = export_onnx(project, tmp_path / f"{name}_again.onnx", weights=state)
    arrays = random_batch(first, 5, seed=11)
    for want, got in zip(ort_run(first, *arrays), ort_run(again.path, *arrays)):
        assert want.shape == got.shape
        assert np.abs(want - got).max() <= 1e-5


def test_round_trip_keeps_the_input_and_output_names(exported):
    project, _ = import_onnx(exported["lstm_sine"][0])
    graph = project.graphs["model"]
    assert [n.name for n in graph.nodes.values() if n.type in ("Input", "Output")] == ["window", "prediction"]


def test_exported_lstm_comes_back_as_one_layer_giving_its_last_step(exported):
    project, _ = import_onnx(exported["lstm_sine"][0])
    layers = [n for n in project.graphs["model"].nodes.values() if n.spec.role == "layer"]
    assert [n.type for n in layers] == ["LSTM", "Linear"]
    assert layers[0].values()["return_sequence"] is False
