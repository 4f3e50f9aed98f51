"""Transfer learning from the command line: import a trained model, new head, frozen body, fine-tune."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file

from netbuilder.cli import main
from netbuilder.graph import DatasetSettings, Graph, Project, TrainingSettings, load_project, save_project


def moons_classifier(folder) -> str:
    """A small MLP for the two-moons data (2 classes), saved as a project."""
    g = Graph("model")
    prev = g.add_node("Input", params={"kind": "tabular", "features": 2}, name="point")
    for name, kind, params in [("fc1", "Linear", {"out_features": 16}), ("act1", "ReLU", {}),
                               ("fc2", "Linear", {"out_features": 16}), ("act2", "ReLU", {}),
                               ("head", "Linear", {"out_features": 2})]:
        node = g.add_node(kind, params=params, name=name)
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    out = g.add_node("Output", name="scores")
    g.connect(prev.id, "out", out.id, "in")
    project = Project("moons", {"model": g}, DatasetSettings("moons", options={"samples": 200}),
                      TrainingSettings(epochs=1, batch_size=50, device="cpu"))
    path = folder / "moons.nbproj"
    save_project(project, path)
    return str(path)


@pytest.mark.slow
def test_imported_model_fine_tunes_a_new_head_on_another_data_set_with_its_body_frozen(tmp_path, capsys):
    source = moons_classifier(tmp_path)
    assert main(["export", source, "--onnx", str(tmp_path / "moons.onnx")]) == 0
    target = tmp_path / "spirals.nbproj"
    assert main(["import-onnx", str(tmp_path / "moons.onnx"), "-o", str(target), "--new-classes", "3",
                 "--dataset", "spirals", "--dataset-option", "classes=3", "--dataset-option", "samples=300"]) == 0
    project = load_project(target)
    graph = project.graphs["model"]
    head = graph.node_named("head")
    assert head.values()["out_features"] == 3
    assert [n.name for n in graph.nodes.values() if not n.trainable] == ["fc1", "fc2"]
    assert project.dataset.name == "spirals" and project.dataset.options == {"classes": 3, "samples": 300}
    body = load_file(str(tmp_path / "spirals.safetensors"))
    assert set(body) == {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}  # the new head starts fresh

    capsys.readouterr()
    code = main(["train", str(target), "--init-from", str(tmp_path / "spirals.safetensors"), "--freeze-loaded",
                 "--epochs", "2", "--out", str(tmp_path / "run"), "--json", "--device", "cpu"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert code == 0, lines
    final = lines[-1]
    assert final["reason"] == "completed" and "val_accuracy" in final["metrics"]
    trained = load_file(str(tmp_path / "run" / "last.safetensors"))
    for key, before in body.items():  # the body did not move ...
        assert torch.equal(trained[key], before), key
    assert trained["head.weight"].shape == (3, 16)  # ... and the new head was trained for three classes
