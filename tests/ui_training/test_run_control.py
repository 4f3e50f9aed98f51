"""Pause, resume and stop act within a batch; editing is locked while training; closing asks and stops."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui_training.conftest import RUN_TIMEOUT_MS

LONG = 500  # epochs: the run outlives the test unless stopped


def start_long_run(qtbot, make_window, cnn):
    window = make_window(cnn, epochs=LONG)
    controller = window.training
    qtbot.mouseClick(controller.train_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: controller.worker is not None and controller.worker.step > 0, timeout=RUN_TIMEOUT_MS)
    return window, controller


def test_pause_holds_the_run_and_resume_continues_it(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    qtbot.mouseClick(controller.pause_button, Qt.LeftButton)
    assert controller.resume_button.isEnabled() and not controller.pause_button.isEnabled()
    QTest.qWait(300)  # the batch in progress finishes
    held = controller.worker.step
    QTest.qWait(500)
    assert controller.worker.step == held
    qtbot.mouseClick(controller.resume_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: controller.worker.step > held, timeout=10_000)
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=RUN_TIMEOUT_MS)


def test_stop_ends_the_run_and_keeps_the_last_good_checkpoint(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    with qtbot.waitSignal(controller.run_finished, timeout=10_000) as blocker:
        qtbot.mouseClick(controller.stop_button, Qt.LeftButton)
    outcome = blocker.args[0]
    assert outcome.reason == "stopped"
    assert outcome.last_checkpoint is not None and outcome.last_checkpoint.is_file()
    assert "stopped on request" in controller.status.text().lower()


def test_stop_while_paused_ends_the_run(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    qtbot.mouseClick(controller.pause_button, Qt.LeftButton)
    with qtbot.waitSignal(controller.run_finished, timeout=10_000) as blocker:
        qtbot.mouseClick(controller.stop_button, Qt.LeftButton)
    assert blocker.args[0].reason == "stopped"


def test_editing_is_locked_with_a_visible_reason_while_training(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    editor = window.editor()
    banner = controller.banners[editor]
    assert banner.isVisible() and "locked while training" in banner.text()
    assert not editor.view.isInteractive()
    assert not window.layer_palette.isEnabled() and not window.inspector.isEnabled()
    assert not window.actions_by_name["delete"].isEnabled() and not window.actions_by_name["undo"].isEnabled()
    nodes_before = len(window.project.graphs["model"].nodes)
    editor.scene.select_nodes(list(window.project.graphs["model"].nodes)[:1])
    window.actions_by_name["delete"].trigger()  # a disabled action does nothing
    QTest.keyClick(editor.view.viewport(), Qt.Key_Delete)
    assert len(window.project.graphs["model"].nodes) == nodes_before
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=RUN_TIMEOUT_MS)
    assert editor.view.isInteractive() and window.layer_palette.isEnabled() and not banner.isVisible()
    assert window.actions_by_name["delete"].isEnabled()


def test_the_run_trains_a_snapshot_so_edits_after_train_cannot_reach_it(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    running = controller.worker.project
    assert running is not window.project
    assert running.graphs["model"] is not window.project.graphs["model"]
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=RUN_TIMEOUT_MS)


def test_closing_the_window_while_training_asks_then_stops_cleanly(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    asked = []
    controller.ask_stop_for_close = lambda: asked.append(True) or True
    assert window.close()
    assert asked and not controller.running


def test_answering_no_keeps_the_window_open_and_the_run_going(qtbot, make_window, cnn):
    window, controller = start_long_run(qtbot, make_window, cnn)
    controller.ask_stop_for_close = lambda: False
    assert not window.close()
    assert window.isVisible() and controller.running
    controller.stop()
    qtbot.waitUntil(lambda: not controller.running, timeout=RUN_TIMEOUT_MS)
