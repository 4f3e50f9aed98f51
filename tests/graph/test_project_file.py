"""The .nbproj file: round trip, examples, clear errors for damaged files, atomic saves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from netbuilder.graph import FORMAT_VERSION, Project, ProjectFileError, load_project, save_project
from netbuilder.graph.project import dumps
from tests.graph.builders import classifier

EXAMPLES = sorted((Path(__file__).parents[2] / "resources" / "examples").glob("*.nbproj"))


def saved(tmp_path: Path, data) -> Path:
    path = tmp_path / "p.nbproj"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def good_dict() -> dict:
    g, _ = classifier()
    return Project(name="demo", graphs={"model": g}).to_dict()


def test_a_project_survives_a_save_and_load_unchanged(tmp_path):
    g, ids = classifier()
    g.set_options(ids["fc1"], trainable=False, init="kaiming")
    g.add_group("body", [ids["fc1"], ids["act"]])
    project = Project(name="demo", graphs={"model": g}, view={"zoom": 1.5})
    project.training.learning_rate = 0.05
    project.dataset.augmentation.flip = True
    path = save_project(project, tmp_path / "demo.nbproj")
    again = load_project(path)
    assert dumps(again) == dumps(project)
    assert again.graphs["model"].nodes[ids["fc1"]].trainable is False


def test_the_file_is_readable_json_with_a_format_version(tmp_path):
    path = save_project(Project(graphs={"model": classifier()[0]}), tmp_path / "x.nbproj")
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION
    assert {"graphs", "dataset", "training", "view"} <= set(data)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_loads_and_validates_clean(path):
    project = load_project(path)
    for name, analysis in project.analyze().items():
        assert analysis.diagnostics == [], f"{path.name} [{name}]: {analysis.diagnostics}"


def test_there_is_an_example_for_each_family():
    assert {p.stem for p in EXAMPLES} >= {"mlp_iris", "cnn_digits", "lstm_sine", "autoencoder_digits",
                                          "gan_digits", "residual_wine"}


def test_a_truncated_file_names_the_line_and_column(tmp_path):
    text = json.dumps(good_dict(), indent=1)
    path = saved(tmp_path, text[: len(text) // 2])
    with pytest.raises(ProjectFileError, match=r"p\.nbproj: at line \d+, column \d+: the file is not valid JSON"):
        load_project(path)


def test_garbage_bytes_are_reported_as_not_utf8(tmp_path):
    path = tmp_path / "p.nbproj"
    path.write_bytes(b"\xff\xfe\x00garbage\x9c")
    with pytest.raises(ProjectFileError, match="not UTF-8"):
        load_project(path)


def test_a_file_from_a_newer_version_is_refused_with_advice(tmp_path):
    data = good_dict()
    data["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(ProjectFileError, match="newer netbuilder.*update netbuilder"):
        load_project(saved(tmp_path, data))


def test_a_wrong_type_names_its_path_inside_the_file(tmp_path):
    data = good_dict()
    data["graphs"]["model"]["nodes"][1]["params"]["out_features"] = [1, {"x": 2}]
    with pytest.raises(ProjectFileError, match=r"at graphs\.model\.nodes\[1\]\.params\.out_features\[1\]"):
        load_project(saved(tmp_path, data))


def test_a_missing_key_is_named(tmp_path):
    data = good_dict()
    del data["graphs"]["model"]["nodes"][2]["type"]
    with pytest.raises(ProjectFileError, match=r"at graphs\.model\.nodes\[2\]: the node has no 'type'"):
        load_project(saved(tmp_path, data))


def test_a_wire_to_a_missing_node_is_named(tmp_path):
    data = good_dict()
    data["graphs"]["model"]["edges"][0]["to"][0] = "n-nowhere"
    with pytest.raises(ProjectFileError, match=r"edges\[0\]\.to: the wire refers to a node 'n-nowhere'"):
        load_project(saved(tmp_path, data))


def test_a_bad_setting_is_named_with_the_allowed_values(tmp_path):
    data = good_dict()
    data["training"]["optimizer"] = "adamax"
    with pytest.raises(ProjectFileError, match=r"at training\.optimizer: optimizer should be one of sgd, adam"):
        load_project(saved(tmp_path, data))


def test_an_unknown_layer_type_is_named(tmp_path):
    data = good_dict()
    data["graphs"]["model"]["nodes"][0]["type"] = "Conv5d"
    with pytest.raises(ProjectFileError, match="unknown layer type 'Conv5d'"):
        load_project(saved(tmp_path, data))


@pytest.mark.parametrize("text", ["[]", "null", "42", '"x"', '{"format_version": "1"}', "{}"])
def test_files_that_are_not_projects_are_refused_clearly(tmp_path, text):
    with pytest.raises(ProjectFileError):
        load_project(saved(tmp_path, text))


def test_deep_nesting_is_refused_not_a_crash(tmp_path):
    with pytest.raises(ProjectFileError):
        load_project(saved(tmp_path, "[" * 100_000 + "]" * 100_000))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ProjectFileError, match="cannot read the file"):
        load_project(tmp_path / "nope.nbproj")


def test_loading_a_broken_graph_keeps_it_for_validation_to_report(tmp_path):
    data = good_dict()
    edges = data["graphs"]["model"]["edges"]
    edges.append({**edges[1], "id": "e-dup"})  # a second wire into the same port
    project = load_project(saved(tmp_path, data))
    assert any(d.code == "duplicate_input" for d in project.analyze()["model"].diagnostics)


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path, monkeypatch):
    path = save_project(Project(name="first", graphs={"model": classifier()[0]}), tmp_path / "p.nbproj")
    before = path.read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save_project(Project(name="second", graphs={"model": classifier()[0]}), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.nbproj"], "the temporary file must be cleaned up"
