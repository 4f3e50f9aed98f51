"""The search window: ranges picked in its table, a background search filling the trials table and plots,
resumed by a second Start, and a trial applied to the project as one undoable step."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from tests.ui_experiments.conftest import RUN_TIMEOUT_MS, saved_copy


def run_search(qtbot, dialog, trials: int):
    dialog.trials_box.setValue(trials)
    with qtbot.waitSignal(dialog.search_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dialog.start_button, Qt.LeftButton)
    ended = blocker.args[0]
    assert ended.outcome is not None, ended.error
    return ended.outcome


@pytest.fixture
def iris_search(qtbot, open_window, tmp_path):
    """The search window of a window on a saved copy of the iris example, set to 2 epochs a trial."""
    window = open_window(saved_copy("mlp_iris", tmp_path))
    window.actions_by_name["search"].trigger()
    dialog = window.experiments.search_dialog
    qtbot.waitExposed(dialog)
    dialog.epochs_box.setValue(2)
    return window, dialog


def test_the_ranges_table_offers_the_default_space_ticked(iris_search):
    _, dialog = iris_search
    assert dialog.ranges.ticked() == ["learning_rate", "batch_size", "optimizer", "hidden1.out_features",
                                      "hidden2.out_features"]
    assert "dropout.p" in [p.name for p in dialog.ranges.params]  # offered, not ticked


def test_a_four_trial_search_fills_the_table_curve_scatter_and_importances(qtbot, iris_search, tmp_path):
    window, dialog = iris_search
    dialog.ranges.set_ticked("dropout.p", True)
    dialog.ranges.set_range("learning_rate", 0.005, 0.05)
    outcome = run_search(qtbot, dialog, 4)
    assert [t.number for t in outcome.trials] == [0, 1, 2, 3]
    assert all(0.005 <= t.params["learning_rate"] <= 0.05 and "dropout.p" in t.params for t in outcome.trials)
    assert dialog.table.rowCount() == 4 and not dialog.running
    assert "Val accuracy" in [dialog.table.horizontalHeaderItem(c).text() for c in range(dialog.table.columnCount())]
    done = [t for t in outcome.trials if t.state == "complete"]
    curve = dialog.plots.best_curve()
    assert len(curve) == len(done) and all(b >= a for (_, a), (_, b) in zip(curve, curve[1:]))  # best so far
    assert dialog.plots.front and set(dialog.plots.front) <= {t.number for t in done}
    if len(done) >= 2:
        assert math.isclose(sum(dialog.plots.importances.values()), 1.0, rel_tol=1e-6)
    assert dialog.table.selected_trial().number == outcome.best.number  # the best is picked for Apply
    assert (tmp_path / "runs" / "mlp_iris" / "search-default" / "trial-3" / "history.json").is_file()
    assert "trial budget is spent" in dialog.status.text()


def test_a_second_start_resumes_the_same_study(qtbot, iris_search):
    _, dialog = iris_search
    run_search(qtbot, dialog, 2)
    outcome = run_search(qtbot, dialog, 2)
    assert [t.number for t in outcome.trials] == [0, 1, 2, 3]
    assert dialog.table.rowCount() == 4


def test_a_new_window_on_the_project_shows_its_earlier_trials(qtbot, open_window, tmp_path):
    path = saved_copy("mlp_iris", tmp_path)
    first = open_window(path)
    dialog = first.experiments.open_search()
    dialog.epochs_box.setValue(1)
    run_search(qtbot, dialog, 2)
    dialog.ranges.set_ticked("optimizer", False)  # the space searched is kept with the runs
    second = open_window(path)
    again = second.experiments.open_search()
    assert again.table.rowCount() == 2
    assert "2 trial(s) from earlier searches" in again.status.text()
    assert "optimizer" in again.ranges.ticked() and again.epochs_box.value() == 1


def test_the_best_trial_applies_as_one_step_that_undo_takes_back_and_redo_puts_again(qtbot, iris_search):
    window, dialog = iris_search
    outcome = run_search(qtbot, dialog, 4)
    best = outcome.best
    project = window.project
    graph = project.main_graph
    before = (project.training.learning_rate, project.training.batch_size, project.training.optimizer,
              graph.node_named("hidden1").params["out_features"], graph.node_named("hidden2").params["out_features"])
    depth = window.undo_stack.count()
    qtbot.mouseClick(dialog.apply_button, Qt.LeftButton)
    after = (project.training.learning_rate, project.training.batch_size, project.training.optimizer,
             graph.node_named("hidden1").params["out_features"], graph.node_named("hidden2").params["out_features"])
    assert after == tuple(best.params[k] for k in ("learning_rate", "batch_size", "optimizer",
                                                     "hidden1.out_features", "hidden2.out_features"))
    assert window.undo_stack.count() == depth + 1
    assert window.undo_stack.undoText() == f"Apply search trial {best.number}"
    assert window.training.panel.learning_rate.value() == pytest.approx(best.params["learning_rate"], rel=1e-3)
    window.actions_by_name["undo"].trigger()
    assert (project.training.learning_rate, project.training.batch_size, project.training.optimizer,
            graph.node_named("hidden1").params["out_features"],
            graph.node_named("hidden2").params["out_features"]) == before
    window.actions_by_name["redo"].trigger()
    assert graph.node_named("hidden1").params["out_features"] == best.params["hidden1.out_features"]
    assert window.modified


def test_a_range_that_cannot_be_read_is_shown_and_nothing_starts(qtbot, iris_search):
    _, dialog = iris_search
    dialog.ranges.set_range("learning_rate", "fast", 0.1)
    qtbot.mouseClick(dialog.start_button, Qt.LeftButton)
    assert not dialog.running
    assert "learning_rate" in dialog.status.text() and "number" in dialog.status.text()


def test_stop_ends_the_search_in_progress(qtbot, iris_search):
    _, dialog = iris_search
    dialog.epochs_box.setValue(200)
    dialog.trials_box.setValue(10)
    qtbot.mouseClick(dialog.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 1 and "epoch" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)
    with qtbot.waitSignal(dialog.search_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dialog.stop_button, Qt.LeftButton)
    assert blocker.args[0].outcome.ended == "stopped"
    assert "stopped" in dialog.status.text() and dialog.start_button.isEnabled()


def _start_long_search(qtbot, dialog):
    dialog.epochs_box.setValue(200)
    dialog.trials_box.setValue(10)
    qtbot.mouseClick(dialog.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "epoch" in dialog.status.text(), timeout=RUN_TIMEOUT_MS)


def test_train_is_unavailable_while_a_search_runs_and_back_when_it_ends(qtbot, iris_search):
    window, dialog = iris_search
    train = window.actions_by_name["train"]
    assert train.isEnabled()
    _start_long_search(qtbot, dialog)
    assert not train.isEnabled() and "search is running" in train.toolTip()
    train.trigger()  # a shortcut or a stale click still cannot start a run beside the search
    assert not window.training.running
    with qtbot.waitSignal(dialog.search_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(dialog.stop_button, Qt.LeftButton)
    assert train.isEnabled()


def test_closing_the_window_mid_search_asks_and_no_keeps_the_search_going(qtbot, iris_search):
    window, dialog = iris_search
    asked = []
    dialog.ask_stop_for_close = lambda: asked.append("no") or False
    _start_long_search(qtbot, dialog)
    window.close()
    assert asked == ["no"] and window.isVisible() and dialog.running
    dialog.ask_stop_for_close = lambda: asked.append("yes") or True
    window.close()
    assert asked == ["no", "yes"] and not window.isVisible() and not dialog.running
