"""Fixtures shared by the suites that drive the real window (tests/ui, tests/ui_training).

Each conftest imports them, which is how pytest makes fixtures from another module available.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings

from netbuilder.graph.project import Project, load_project

EXAMPLES = Path(__file__).resolve().parents[1] / "resources" / "examples"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory, monkeypatch):
    """Keep the window's settings (layout, recent files, recovery file) in a fresh folder per test, and its
    per-user data (the runs of unsaved projects, QStandardPaths.AppDataLocation) in another."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("user_data")))
    yield folder


@pytest.fixture
def cnn() -> Project:
    return load_project(EXAMPLES / "cnn_digits.nbproj")
