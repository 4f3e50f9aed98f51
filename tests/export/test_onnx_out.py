"""ONNX export: inference path, dynamic batch, names, metadata, checker + parity, and refusals."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch

from netbuilder.cli import main
from netbuilder.compile import build
from netbuilder.export.errors import ExportError
from netbuilder.export.onnx_out import export_onnx
from netbuilder.export.weights import save_weights
from netbuilder.graph import save_project
from tests.export.conftest import EXAMPLES, EXAMPLES_DIR, example, ort_run, random_batch


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_exports_with_dynamo_and_passes_parity_at_batch_1_and_7(exported, name):
    path, report = exported[name]
    assert path.is_file()
    assert report.exporter == "dynamo" and not report.fallback_reason
    assert set(report.max_abs_diff) == {1, 7}
    assert max(report.max_abs_diff.values()) <= 1e-4


def test_exported_batch_axis_is_dynamic(exported):
    path, _ = exported["cnn_digits"]
    model = onnx.load(str(path))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param  # symbolic, not a number
    for batch in (1, 7, 13):
        (out,) = ort_run(path, *random_batch(path, batch))
        assert out.shape == (batch, 10)


def test_input_and_output_names_come_from_the_input_and_output_nodes(exported):
    model = onnx.load(str(exported["mlp_iris"][0]))
    assert [i.name for i in model.graph.input] == ["features"]
    assert [o.name for o in model.graph.output] == ["prediction"]


def test_exported_graph_is_the_inference_path_without_loss_nodes(exported):
    model = onnx.load(str(exported["cnn_digits"][0]))
    ops = {n.op_type for n in model.graph.node}
    assert not ops & {"SoftmaxCrossEntropyLoss", "NegativeLogLikelihoodLoss", "LogSoftmax"}
    assert len(model.graph.input) == 1  # no Target input


def test_metadata_names_producer_project_and_class_names(exported):
    model = onnx.load(str(exported["mlp_iris"][0]))
    meta = {p.key: p.value for p in model.metadata_props}
    assert model.producer_name == "netbuilder" and meta["producer"] == "netbuilder"
    assert meta["project"] == "MLP on iris"
    assert json.loads(meta["class_names"]) == ["setosa", "versicolor", "virginica"]
    normalization = json.loads(meta["input_normalization"])
    assert normalization["kind"] == "standardize" and len(normalization["mean"]) == 4


def test_gan_generator_metadata_claims_no_data_normalisation(exported):
    meta = {p.key: p.value for p in onnx.load(str(exported["gan_digits"][0])).metadata_props}
    assert meta["graph"] == "generator"
    assert "input_normalization" not in meta and "class_names" not in meta


def test_opset_can_be_chosen(tmp_path):
    report = export_onnx(example("mlp_iris"), tmp_path / "iris.onnx", opset=18)
    assert report.opset == 18
    assert onnx.load(str(report.path)).opset_import[0].version == 18


def test_gan_project_exports_its_generator_by_default(exported):
    model = onnx.load(str(exported["gan_digits"][0]))
    assert [i.name for i in model.graph.input] == ["noise"]
    assert [o.name for o in model.graph.output] == ["fake"]


def test_autoencoder_encoder_only_ends_at_the_narrowest_layer(tmp_path):
    report = export_onnx(example("autoencoder_digits"), tmp_path / "enc.onnx", encoder_only=True)
    assert report.output_names == ["encoding"]
    (code,) = ort_run(report.path, *random_batch(report.path, 4))
    assert code.shape == (4, 8)  # the 'code' layer has 8 units
    assert report.metadata["part"] == "encoder"


def test_encoder_only_can_end_at_a_chosen_node(tmp_path):
    report = export_onnx(example("autoencoder_digits"), tmp_path / "enc.onnx", encoder_only=True, until="relu1")
    (code,) = ort_run(report.path, *random_batch(report.path, 2))
    assert code.shape == (2, 32)


def test_encoder_end_that_does_not_exist_is_refused_with_the_layer_names(tmp_path):
    with pytest.raises(ExportError, match="no node called 'nope'.*enc1"):
        export_onnx(example("autoencoder_digits"), tmp_path / "enc.onnx", encoder_only=True, until="nope")


def test_export_uses_the_weights_of_the_given_checkpoint(tmp_path):
    project = example("mlp_iris")
    compiled = build(project.main_graph, "inference")
    torch.manual_seed(5)
    state = {k: torch.randn_like(v) for k, v in compiled.state_dict().items()}
    save_weights(state, tmp_path / "trained.safetensors")
    report = export_onnx(project, tmp_path / "iris.onnx", weights=tmp_path / "trained.safetensors")
    compiled.load_state_dict(state)
    compiled.eval()
    x = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    (got,) = ort_run(report.path, x)
    want = compiled.model(torch.from_numpy(x)).detach().numpy()
    assert np.abs(got - want).max() <= 1e-5


def test_checkpoint_of_another_network_is_refused_naming_the_missing_weights(tmp_path):
    compiled = build(example("mlp_iris").main_graph, "inference")
    save_weights(compiled.state_dict(), tmp_path / "iris.safetensors")
    with pytest.raises(ExportError, match="has no weights for stem"):
        export_onnx(example("residual_wine"), tmp_path / "wine.onnx", weights=tmp_path / "iris.safetensors")


def test_parity_failure_refuses_the_export_with_a_nonzero_exit_and_no_file(tmp_path, monkeypatch, capsys):
    import onnxruntime

    real_run = onnxruntime.InferenceSession.run

    def off_by_a_little(self, names, feeds, *args, **kwargs):
        return [o + 1e-3 for o in real_run(self, names, feeds, *args, **kwargs)]

    monkeypatch.setattr(onnxruntime.InferenceSession, "run", off_by_a_little)
    out = tmp_path / "iris.onnx"
    code = main(["export", str(EXAMPLES_DIR / "mlp_iris.nbproj"), "--onnx", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert "export refused" in err and "disagree" in err and "1.00e-03" in err
    assert not out.exists() and not list(tmp_path.iterdir())


def test_dynamo_failure_falls_back_to_torchscript_and_says_why(tmp_path, monkeypatch):
    real_export = torch.onnx.export

    def dynamo_breaks(*args, **kwargs):
        if kwargs.get("dynamo"):
            raise RuntimeError("simulated dynamo failure")
        return real_export(*args, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", dynamo_breaks)
    report = export_onnx(example("mlp_iris"), tmp_path / "iris.onnx")
    assert report.exporter == "torchscript"
    assert "simulated dynamo failure" in report.fallback_reason
    assert "TorchScript exporter was used" in report.summary()
    assert set(report.max_abs_diff) == {1, 7}


def test_unreadable_project_gives_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.nbproj"
    bad.write_text("{ not json")
    assert main(["export", str(bad), "--onnx", str(tmp_path / "x.onnx")]) == 2
    assert "bad.nbproj" in capsys.readouterr().err


def test_cli_exports_a_trained_gan_from_the_last_runs_checkpoint_by_default(tmp_path, capsys):
    project = example("gan_digits")
    save_project(project, tmp_path / "gan.nbproj")
    torch.manual_seed(3)
    compiled = {name: build(g, project.purpose(name)) for name, g in project.graphs.items()}
    state = {f"{name}/{k}": 0.1 * torch.randn_like(v) for name, c in compiled.items()
             for k, v in c.state_dict().items()}
    (tmp_path / "runs" / "gan").mkdir(parents=True)
    save_weights(state, tmp_path / "runs" / "gan" / "best.safetensors")  # as a GAN training run saves it
    assert main(["export", str(tmp_path / "gan.nbproj"), "--onnx", str(tmp_path / "g.onnx"), "--discriminator"]) == 0
    assert "using the weights in" in capsys.readouterr().out
    generator = compiled["generator"]
    generator.load_state_dict({k.split("/", 1)[1]: v for k, v in state.items() if k.startswith("generator/")})
    generator.eval()
    z = np.random.default_rng(0).normal(size=(3, 16)).astype(np.float32)
    (fake,) = ort_run(tmp_path / "g.onnx", z)
    assert np.abs(fake - generator.model(torch.from_numpy(z)).detach().numpy()).max() <= 1e-5
    assert (tmp_path / "g_discriminator.onnx").is_file()
