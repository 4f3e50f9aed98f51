"""The Training settings' Start from row, and the fine-tuning template opened from New… training from its body."""

from __future__ import annotations

from pathlib import Path

import torch
from PySide6.QtCore import Qt

from netbuilder.graph.project import load_project, save_project
from netbuilder.train import read_checkpoint
from netbuilder.ui.training import start_from_row
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end

BODY = EXAMPLES / "finetune_counts_body.safetensors"


def iris_saved_at(path: Path):
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    save_project(project, path)
    return project


def choose_file(monkeypatch, path: Path | str) -> list[str]:
    """Answer the Browse… dialog with ``path``; returns the start folders it was opened in."""
    starts: list[str] = []

    def answer(parent, title, start, filter_):
        starts.append(start)
        return str(path), filter_

    monkeypatch.setattr(start_from_row.QFileDialog, "getOpenFileName", answer)
    return starts


def test_the_template_opened_from_new_trains_with_its_shipped_body_frozen(qtbot, make_window):
    window = make_window(epochs=1)
    assert window.new_project(EXAMPLES / "finetune_counts.nbproj")
    assert window.project.path is None  # an unsaved copy: the weights file is named by an absolute path now
    assert Path(window.training.panel.start_from.value()) == BODY.resolve()
    window.project.dataset.options["samples"] = 200  # a quick run; the weights are what is checked
    outcome = run_to_end(qtbot, window)
    assert outcome.reason == "completed", outcome.message
    shipped, _ = read_checkpoint(BODY)
    trained, _ = read_checkpoint(outcome.last_checkpoint)
    body = [k for k in shipped if k in trained]
    assert len(body) == len(shipped) and all(torch.equal(trained[k], shipped[k]) for k in body)
    assert any(k.startswith("count_head") for k in trained if k not in shipped)  # the new head: not in the file


def test_browse_stores_a_file_inside_the_project_folder_relative_to_it_as_one_undoable_edit(
        qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(iris_saved_at(tmp_path / "iris.nbproj"))
    (tmp_path / "weights").mkdir()
    choose_file(monkeypatch, tmp_path / "weights" / "body.safetensors")
    row = window.training.panel.start_from
    qtbot.mouseClick(row.browse, Qt.LeftButton)
    assert window.project.training.start_from == "weights/body.safetensors"
    assert row.value() == "weights/body.safetensors" and row.clear.isEnabled()
    window.undo_stack.undo()
    assert window.project.training.start_from == "" and row.value() == ""


def test_browse_stores_a_file_elsewhere_as_an_absolute_path(qtbot, make_window, tmp_path, monkeypatch):
    (tmp_path / "project").mkdir()
    window = make_window(iris_saved_at(tmp_path / "project" / "iris.nbproj"))
    choose_file(monkeypatch, BODY)
    qtbot.mouseClick(window.training.panel.start_from.browse, Qt.LeftButton)
    assert window.project.training.start_from == str(BODY.resolve())


def test_a_cancelled_browse_changes_nothing(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(iris_saved_at(tmp_path / "iris.nbproj"))
    choose_file(monkeypatch, "")
    qtbot.mouseClick(window.training.panel.start_from.browse, Qt.LeftButton)
    assert window.project.training.start_from == "" and not window.undo_stack.canUndo()


def test_clear_turns_the_setting_off(qtbot, make_window, tmp_path):
    project = iris_saved_at(tmp_path / "iris.nbproj")
    project.training.start_from = "body.safetensors"
    window = make_window(project)
    row = window.training.panel.start_from
    assert row.value() == "body.safetensors"
    qtbot.mouseClick(row.clear, Qt.LeftButton)
    assert window.project.training.start_from == "" and not row.clear.isEnabled()


def test_save_as_to_another_folder_keeps_naming_the_same_file(qtbot, make_window, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    project = iris_saved_at(tmp_path / "a" / "iris.nbproj")
    project.training.start_from = "body.safetensors"
    window = make_window(project)
    assert window.save_as(tmp_path / "b" / "copy.nbproj")
    assert window.project.training.start_from == "../a/body.safetensors"
    assert window.training.panel.start_from.value() == "../a/body.safetensors"
    assert load_project(tmp_path / "b" / "copy.nbproj").training.start_from == "../a/body.safetensors"
