"""The Runs dock: every run of the project in a sortable table; selecting several overlays their curves; a run is
renamed by editing its name, noted, deleted (asked first), and its network and settings restored as one undoable
step; the list follows the runs (a run ending, another project) and survives Save As and reopening."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit

from netbuilder.graph.project import load_project, save_project
from netbuilder.graph.runs import RUN_NOTES, list_runs, runs_folder
from netbuilder.train import Trainer
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end

FIRST_WIDTH, FIRST_LR = 32, 0.01  # the example's own
SECOND_WIDTH, SECOND_LR = 8, 0.05


@pytest.fixture
def trained_twice(tmp_path) -> Path:
    """A saved iris project trained twice (2 epochs as it came, then 3 epochs narrower and faster); the file
    holds the second version."""
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    path = save_project(project, tmp_path / "iris.nbproj")
    Trainer(project, epochs=2, layer_stats=False).run()
    hidden1 = project.main_graph.node_named("hidden1")
    project.main_graph.set_param(hidden1.id, "out_features", SECOND_WIDTH)
    project.training.learning_rate = SECOND_LR
    save_project(project)
    Trainer(project, epochs=3, layer_stats=False).run()
    return path


def shown(make_window, project):
    window = make_window(project, epochs=2)
    window.set_project(project)  # the project's own runs folder (the fixture's scratch folder is replaced)
    window.training.runs_dock.raise_()
    return window


def panel_of(window):
    return window.training.runs_panel


def click_row(qtbot, panel, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    table = panel.table
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier,
                     table.visualItemRect(table.item(row, 0)).center())


def row_of(panel, epochs: int) -> int:
    return next(r for r in range(panel.table.rowCount()) if panel.record_at(r).epochs_completed == epochs)


def column(panel, header: str) -> int:
    return next(c for c in range(panel.table.columnCount()) if panel.table.horizontalHeaderItem(c).text() == header)


def test_every_run_is_listed_newest_first_with_its_figures(qtbot, make_window, trained_twice):
    panel = panel_of(shown(make_window, load_project(trained_twice)))
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers == ["Name", "Date", "Ended", "Epochs", "val loss", "val accuracy", "Parameters", "Multiply-adds",
                       "Duration", "Device"]
    assert [panel.table.item(r, column(panel, "Epochs")).text() for r in range(2)] == ["3", "2"]
    assert all(panel.table.item(r, column(panel, "Ended")).text() == "completed" for r in range(2))
    assert panel.table.item(0, column(panel, "Parameters")).text()  # counted when the run ended


def test_selecting_two_runs_overlays_two_curves_in_two_colours_with_the_legend_under_the_plot(
        qtbot, make_window, trained_twice):
    panel = panel_of(shown(make_window, load_project(trained_twice)))
    click_row(qtbot, panel, 0)
    click_row(qtbot, panel, 1, Qt.KeyboardModifier.ControlModifier)
    overlay = panel.overlay
    assert len(panel.selected_records()) == 2 and len(overlay.curves) == 2
    titles = [r.title for r in panel.selected_records()]
    counts = sorted(overlay.point_count(t) for t in titles)
    assert counts == [2, 3] and overlay.chosen() == "val_loss"
    assert overlay.colour_of(titles[0]) != overlay.colour_of(titles[1])
    # The legend is under the plot (never over a curve), each run's name after a mark in its colour.
    legend = overlay.legend
    qtbot.waitUntil(lambda: legend.isVisible() and legend.geometry().top() >= overlay.graphics.geometry().bottom()
                    and overlay.graphics.height() > 100)  # once laid out: the plot keeps the height
    assert all(f'color:{overlay.colour_of(t)}">&#9632;</span>&nbsp;{t}' in legend.text() for t in titles)
    overlay.figure.setCurrentIndex(overlay.figure.findData("val_accuracy"))
    assert sorted(overlay.point_count(t) for t in titles) == [2, 3]


def test_a_click_on_a_header_sorts_the_runs_by_that_column(qtbot, make_window, trained_twice):
    panel = panel_of(shown(make_window, load_project(trained_twice)))
    header = panel.table.horizontalHeader()
    epochs = column(panel, "Epochs")
    orders = []
    for _ in range(2):  # a second click turns the order round
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(header.sectionViewportPosition(epochs) + 5, header.height() // 2))
        orders.append([panel.table.item(r, epochs).text() for r in range(2)])
    assert sorted(orders) == [["2", "3"], ["3", "2"]]


def test_editing_a_runs_name_renames_it(qtbot, make_window, trained_twice):
    panel = panel_of(shown(make_window, load_project(trained_twice)))
    row = row_of(panel, 2)
    folder = panel.record_at(row).folder
    table = panel.table
    where = table.visualItemRect(table.item(row, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # a double-click is a click, then
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=where)  # the second press
    editor = table.viewport().findChild(QLineEdit)
    assert editor is not None and editor.isVisible()
    editor.selectAll()
    qtbot.keyClicks(editor, "baseline")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: (folder / RUN_NOTES).is_file())  # Qt commits an edit from its event loop
    assert json.loads((folder / RUN_NOTES).read_text())["name"] == "baseline"
    assert panel.table.item(row_of(panel, 2), 0).text() == "baseline"
    assert next(r for r in list_runs(folder.parent) if r.folder == folder).title == "baseline"


def test_a_note_is_kept_with_the_run_and_shown_for_it(qtbot, make_window, trained_twice):
    panel = panel_of(shown(make_window, load_project(trained_twice)))
    panel.ask_note = lambda record: "narrower layers, higher rate"
    click_row(qtbot, panel, 0)
    qtbot.mouseClick(panel.note_button, Qt.MouseButton.LeftButton)
    assert "narrower layers, higher rate" in panel.note.text()
    assert panel.table.item(0, 0).toolTip() == "narrower layers, higher rate"


def test_deleting_asks_first_and_then_removes_the_run_from_disk(qtbot, make_window, trained_twice):
    window = shown(make_window, load_project(trained_twice))
    panel, controller = panel_of(window), window.training
    newest = panel.record_at(0)
    assert controller.best_checkpoint == newest.weights
    asked = []
    panel.ask_delete = lambda records: asked.append([r.folder for r in records]) or False
    click_row(qtbot, panel, 0)
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert asked == [[newest.folder]] and newest.folder.is_dir() and panel.table.rowCount() == 2  # declined
    panel.ask_delete = lambda records: True
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert not newest.folder.exists() and panel.table.rowCount() == 1
    older = panel.record_at(0)
    assert controller.best_checkpoint == older.weights  # Export never offers the deleted weights
    assert controller.progress.format() == "completed · 2 epochs"  # the newest run left is shown


def test_restoring_a_run_puts_back_its_network_and_settings_and_one_undo_takes_it_back(
        qtbot, make_window, trained_twice):
    window = shown(make_window, load_project(trained_twice))
    panel, project = panel_of(window), window.project
    graph, scene = project.main_graph, window.editors[project.main_graph_name].scene
    click_row(qtbot, panel, row_of(panel, 2))  # the first run: the wider, slower version
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert graph.node_named("hidden1").params["out_features"] == FIRST_WIDTH
    assert project.training.learning_rate == FIRST_LR
    assert window.training.panel.learning_rate.value() == pytest.approx(FIRST_LR)  # the settings panel follows
    assert set(scene.node_items) == set(graph.nodes) and set(scene.edge_items) == set(graph.edges)
    assert window.undo_stack.undoText() == f"Restore run {panel.selected_records()[0].title}"
    window.actions_by_name["undo"].trigger()
    assert graph.node_named("hidden1").params["out_features"] == SECOND_WIDTH
    assert project.training.learning_rate == SECOND_LR
    assert window.training.panel.learning_rate.value() == pytest.approx(SECOND_LR)
    assert set(scene.node_items) == set(graph.nodes)
    window.actions_by_name["redo"].trigger()
    assert graph.node_named("hidden1").params["out_features"] == FIRST_WIDTH


def test_the_list_follows_a_run_ending_and_another_project(qtbot, make_window, trained_twice):
    window = shown(make_window, load_project(trained_twice))
    panel = panel_of(window)
    assert not panel.restore_button.isEnabled()  # nothing selected
    run_to_end(qtbot, window)
    assert panel.table.rowCount() == 3
    window.new_project(None)
    assert panel.table.rowCount() == 0 and panel.empty.isVisible()


def test_runs_of_an_unsaved_project_survive_save_as_and_reopening(qtbot, make_window, tmp_path):
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    project.path = None
    window = shown(make_window, project)
    first, second = run_to_end(qtbot, window), run_to_end(qtbot, window)
    assert panel_of(window).table.rowCount() == 2
    window.ask_carry_runs = lambda source, target, move: True
    assert window.save_as(tmp_path / "kept.nbproj")
    root = runs_folder(tmp_path / "kept.nbproj")
    assert sorted(p.name for p in root.iterdir()) == sorted([first.best_checkpoint.parent.name,
                                                             second.best_checkpoint.parent.name])
    assert panel_of(window).table.rowCount() == 2 and panel_of(window).root == root
    window.close()
    reopened = shown(make_window, load_project(tmp_path / "kept.nbproj"))
    assert panel_of(reopened).table.rowCount() == 2
    assert reopened.training.best_checkpoint == root / second.best_checkpoint.parent.name / "best.safetensors"


def test_the_tensorboard_setting_makes_each_run_write_event_files_into_its_folder(qtbot, make_window, tmp_path):
    pytest.importorskip("tensorboard")
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    window = shown(make_window, save_project(project, tmp_path / "iris.nbproj") and project)
    box = panel_of(window).tensorboard
    assert box.isEnabled() and not box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    outcome = run_to_end(qtbot, window)
    assert list(outcome.best_checkpoint.parent.glob("events.out.tfevents.*"))
    again = shown(make_window, project)
    assert panel_of(again).tensorboard.isChecked()  # remembered
