"""Fixtures for driving the real window offscreen, with settings kept in a temporary folder."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from tests.qt_fixtures import ShownWindows
from tests.qt_fixtures import cnn, isolated_settings, unanswered_modals  # noqa: F401 (fixtures)


@pytest.fixture
def make_window(qtbot):
    """make_window(project) -> a shown, active MainWindow that never prompts (answers can be set per test)."""
    from netbuilder.ui.mainwindow import MainWindow

    shown = ShownWindows(qtbot, activate=True)
    yield lambda project=None, **kwargs: shown.show(MainWindow(project, **kwargs))
    shown.stop_all()


@pytest.fixture
def two_layers() -> Project:
    """An Input (4 features) and a Linear, not wired, side by side."""
    g = Graph("model")
    g.add_node("Input", (0.0, 0.0), name="x", params={"kind": "tabular", "features": 4})
    g.add_node("Linear", (300.0, 0.0), name="fc", params={"out_features": 3})
    return Project("two layers", {"model": g})
