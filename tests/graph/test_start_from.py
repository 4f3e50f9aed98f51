"""The training setting start_from: what a project file may hold, and how the path follows the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from netbuilder.graph.project import Project, load_project, save_project
from netbuilder.graph.serialize import ProjectFileError
from netbuilder.graph.settings import TrainingSettings, from_dict
from netbuilder.graph.start_from import StartFromError, pinned, rebased, resolve


def test_it_is_off_by_default_and_round_trips_through_the_file(tmp_path):
    assert TrainingSettings().start_from == ""
    project = Project("p", training=TrainingSettings(start_from="weights/body.safetensors"))
    save_project(project, tmp_path / "p.nbproj")
    assert load_project(tmp_path / "p.nbproj").training.start_from == "weights/body.safetensors"


@pytest.mark.parametrize("value, words", [(3, "start_from"), ("body.pt", ".safetensors weights file"),
                                          ("a\nb.safetensors", "control character")])
def test_a_file_holding_something_else_is_refused_naming_the_place(value, words):
    with pytest.raises(ProjectFileError, match=words) as caught:
        from_dict(TrainingSettings, {"start_from": value}, "training")
    assert "training.start_from" in str(caught.value)


def test_a_relative_path_is_read_against_the_project_folder_and_an_absolute_one_as_it_is(tmp_path):
    assert resolve("", tmp_path) is None
    assert resolve("w/b.safetensors", tmp_path) == tmp_path / "w" / "b.safetensors"
    assert resolve(str(tmp_path / "b.safetensors"), None) == tmp_path / "b.safetensors"


def test_a_relative_path_without_a_project_folder_cannot_be_resolved_and_says_why():
    with pytest.raises(StartFromError, match="not been saved yet"):
        resolve("b.safetensors", None)


def test_rebased_names_the_same_file_from_the_new_folder(tmp_path):
    old, new = tmp_path / "a", tmp_path / "b" / "c"
    assert rebased("w/body.safetensors", old, new) == "../../a/w/body.safetensors"
    assert rebased("body.safetensors", old, old) == "body.safetensors"
    assert rebased(str(tmp_path / "x.safetensors"), old, new) == str(tmp_path / "x.safetensors")
    assert rebased("", old, new) == ""


def test_pinned_makes_a_template_path_absolute(tmp_path):
    assert Path(pinned("body.safetensors", tmp_path)) == (tmp_path / "body.safetensors").resolve()
    assert pinned("", tmp_path) == ""


def test_save_as_elsewhere_rewrites_the_relative_path_and_a_failed_save_leaves_it(tmp_path):
    (tmp_path / "a").mkdir()
    project = Project("p", training=TrainingSettings(start_from="body.safetensors"))
    save_project(project, tmp_path / "a" / "p.nbproj")
    (tmp_path / "b").mkdir()
    save_project(project, tmp_path / "b" / "q.nbproj")
    assert project.training.start_from == "../a/body.safetensors"
    with pytest.raises(OSError):
        save_project(project, tmp_path / "missing" / "r.nbproj")
    assert project.training.start_from == "../a/body.safetensors"
