"""Fixtures for driving the training parts of the real window offscreen."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from netbuilder.graph.project import Project
from tests.qt_fixtures import ShownWindows
from tests.qt_fixtures import cnn, isolated_settings, unanswered_modals  # noqa: F401 (fixtures)

RUN_TIMEOUT_MS = 90_000  # generous: two shared cores, and the first run imports torch


@pytest.fixture
def make_window(qtbot, tmp_path):
    """make_window(project, epochs) -> a shown MainWindow whose runs write checkpoints under tmp_path."""
    from netbuilder.ui.mainwindow import MainWindow

    shown = ShownWindows(qtbot)

    def make(project: Project | None = None, epochs: int | None = None):
        window = MainWindow(project)
        window.training.ask_stop_for_close = lambda: True
        window.training.out_dir = tmp_path / "run"
        window.training.epochs = epochs
        return shown.show(window)

    yield make
    shown.stop_all()


def run_to_end(qtbot, window):
    """Click Train and wait for the run to end; returns the RunOutcome."""
    from PySide6.QtCore import Qt

    with qtbot.waitSignal(window.training.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.training.train_button, Qt.LeftButton)
    return blocker.args[0]
