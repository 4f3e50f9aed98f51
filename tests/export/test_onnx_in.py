"""ONNX import: each supported operator onto its catalog layer, exact outputs, and clear refusals."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
import torch

from netbuilder.cli import main
from netbuilder.compile import build
from netbuilder.export.errors import OnnxImportError
from netbuilder.export.onnx_in import import_onnx
from netbuilder.graph import load_project
from tests.export import onnx_models
from tests.export.conftest import ort_run, random_batch


def save(model, tmp_path, name: str):
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    return path


def layer_counts(project) -> Counter:
    return Counter(n.type for n in project.graphs["model"].nodes.values() if n.spec.role == "layer")


def torch_outputs(project, state, arrays):
    compiled = build(project.graphs["model"], "inference")
    compiled.load_state_dict(state)
    compiled.eval()
    with torch.no_grad():
        out = compiled.model(*[torch.from_numpy(a) for a in arrays])
    return [o.numpy() for o in (out if isinstance(out, tuple) else (out,))]


def assert_reproduces(path, project, state, batch: int = 6, tolerance: float = 1e-5):
    arrays = random_batch(path, batch, seed=3)
    for want, got in zip(ort_run(path, *arrays), torch_outputs(project, state, arrays)):
        assert want.shape == got.shape
        assert np.abs(want - got).max() <= tolerance


def test_hand_built_image_model_maps_every_operator_onto_its_catalog_layer(tmp_path):
    path = save(onnx_models.image_model(), tmp_path, "image")
    project, state = import_onnx(path)
    assert layer_counts(project) == onnx_models.IMAGE_LAYERS
    assert_reproduces(path, project, state)


def test_imported_layers_take_their_names_from_the_weights_and_nodes(tmp_path):
    project, _ = import_onnx(save(onnx_models.image_model(), tmp_path, "image"))
    names = {n.name for n in project.graphs["model"].nodes.values()}
    assert {"x", "probs", "c1", "bn", "fc", "gate", "skip", "softmax"} <= names


def test_hand_built_recurrent_model_maps_lstm_rnn_and_gru_with_their_gate_orders(tmp_path):
    path = save(onnx_models.sequence_model(), tmp_path, "sequence")
    project, state = import_onnx(path)
    assert layer_counts(project) == onnx_models.SEQUENCE_LAYERS
    nodes = {n.type: n.values() for n in project.graphs["model"].nodes.values()}
    assert nodes["LSTM"]["return_sequence"] and nodes["RNN"]["return_sequence"]
    assert nodes["RNN"]["bidirectional"] and nodes["RNN"]["nonlinearity"] == "relu"
    assert not nodes["GRU"]["return_sequence"]  # the Gather of the last step folds into the layer
    assert_reproduces(path, project, state)


def test_rnn_final_state_becomes_the_last_step_of_the_layer(tmp_path):
    path = save(onnx_models.final_state_model(), tmp_path, "state")
    project, state = import_onnx(path)
    gru = next(n for n in project.graphs["model"].nodes.values() if n.type == "GRU")
    assert gru.values()["return_sequence"] is False
    assert_reproduces(path, project, state)


def test_batch_first_rnns_that_onnxruntime_cannot_run_are_checked_with_the_reference_evaluator(tmp_path):
    result = import_onnx(save(onnx_models.batch_first_model(), tmp_path, "batch_first"))
    assert any("onnx.reference" in note for note in result.notes)
    assert max(result.max_abs_diff.values()) <= 1e-5
    assert layer_counts(result.project) == {"LSTM": 1, "GRU": 1}


def test_checkpoint_keys_match_the_compiled_graph(tmp_path):
    project, state = import_onnx(save(onnx_models.image_model(), tmp_path, "image"))
    compiled = build(project.graphs["model"], "inference")
    assert set(state) == set(compiled.state_dict())


def test_unsupported_operators_are_all_listed_by_node_name_in_one_message(tmp_path):
    with pytest.raises(OnnxImportError) as info:
        import_onnx(save(onnx_models.unsupported_model(), tmp_path, "bad"))
    message = str(info.value)
    assert "3 ONNX node(s)" in message and "nothing was imported" in message
    for name in ("sine", "batch_mean", "batch_join"):
        assert name in message
    assert "no netbuilder layer" in info.value.unsupported["Sin 'sine'"]
    assert "batch axis" in info.value.unsupported["ReduceMean 'batch_mean'"]


def test_import_cli_writes_nothing_when_operators_are_unsupported(tmp_path, capsys):
    path = save(onnx_models.unsupported_model(), tmp_path, "bad")
    assert main(["import-onnx", str(path), "-o", str(tmp_path / "bad.nbproj")]) == 1
    assert "sine" in capsys.readouterr().err
    assert not (tmp_path / "bad.nbproj").exists() and not (tmp_path / "bad.safetensors").exists()


def test_gru_that_resets_before_the_recurrent_weights_is_refused_with_the_reason(tmp_path):
    model = onnx_models.final_state_model()
    gru = next(n for n in model.graph.node if n.op_type == "GRU")
    next(a for a in gru.attribute if a.name == "linear_before_reset").i = 0
    with pytest.raises(OnnxImportError, match="GRU 'gru': linear_before_reset=0"):
        import_onnx(save(model, tmp_path, "gru0"))


def test_truncated_file_gives_a_clear_error_naming_the_file(tmp_path):
    whole = save(onnx_models.image_model(), tmp_path, "whole").read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(OnnxImportError, match=r"cut\.onnx: .*(truncated|damaged)"):
        import_onnx(cut)


@pytest.mark.parametrize("content", [b"", b"\x00\xffnot an onnx model at all" * 10, b"{\"json\": true}"])
def test_garbage_or_empty_file_gives_a_clear_error(tmp_path, content):
    bad = tmp_path / "garbage.onnx"
    bad.write_bytes(content)
    with pytest.raises(OnnxImportError, match=r"garbage\.onnx: .*not an ONNX model"):
        import_onnx(bad)


def test_missing_file_gives_exit_2_from_the_cli(tmp_path, capsys):
    assert main(["import-onnx", str(tmp_path / "none.onnx"), "-o", str(tmp_path / "p.nbproj")]) == 2
    assert "none.onnx: no such file" in capsys.readouterr().err


def test_import_cli_saves_the_project_and_its_checkpoint_beside_it(tmp_path, capsys):
    path = save(onnx_models.image_model(), tmp_path, "image")
    assert main(["import-onnx", str(path), "-o", str(tmp_path / "out" / "imported.nbproj")]) == 0
    project = load_project(tmp_path / "out" / "imported.nbproj")
    assert layer_counts(project) == onnx_models.IMAGE_LAYERS
    from safetensors.torch import load_file

    state = load_file(str(tmp_path / "out" / "imported.safetensors"))
    assert_reproduces(path, project, state)
    assert "matches onnxruntime" in capsys.readouterr().out
