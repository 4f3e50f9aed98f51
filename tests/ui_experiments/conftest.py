"""Fixtures for driving the search window and the look-inside dock of the real window offscreen."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from netbuilder.graph.project import load_project
from tests.qt_fixtures import ShownWindows
from tests.qt_fixtures import EXAMPLES, isolated_settings, unanswered_modals  # noqa: F401 (fixtures)

RUN_TIMEOUT_MS = 120_000  # generous: two shared cores, and the first trial imports torch


def saved_copy(name: str, folder: Path) -> Path:
    """A copy of an example project in ``folder``: its runs and its study go to ``folder/runs/<name>/``."""
    return Path(shutil.copy(EXAMPLES / f"{name}.nbproj", folder / f"{name}.nbproj"))


@pytest.fixture
def open_window(qtbot):
    """open_window(path) -> a shown MainWindow on the project saved at ``path``."""
    from netbuilder.ui.mainwindow import MainWindow

    shown = ShownWindows(qtbot)

    def make(path: Path):
        window = MainWindow(load_project(path))
        window.training.ask_stop_for_close = lambda: True
        return shown.show(window)

    yield make
    shown.stop_all()
