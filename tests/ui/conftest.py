"""Fixtures for driving the real window offscreen, with settings kept in a temporary folder."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QMessageBox

from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from tests.qt_fixtures import cnn, isolated_settings  # noqa: F401 (fixtures)


@pytest.fixture
def make_window(qtbot):
    """make_window(project) -> a shown MainWindow that never prompts (answers can be set per test)."""
    from netbuilder.ui.mainwindow import MainWindow

    def make(project: Project | None = None, **kwargs):
        window = MainWindow(project, **kwargs)
        window.ask_save_changes = lambda: QMessageBox.Discard  # tests never leave a modal prompt open
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # window shortcuts (Del, F, Ctrl+Z ...) only fire in the active window
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        return window

    return make


@pytest.fixture
def two_layers() -> Project:
    """An Input (4 features) and a Linear, not wired, side by side."""
    g = Graph("model")
    g.add_node("Input", (0.0, 0.0), name="x", params={"kind": "tabular", "features": 4})
    g.add_node("Linear", (300.0, 0.0), name="fc", params={"out_features": 3})
    return Project("two layers", {"model": g})
