"""Fixtures shared by the suites that drive the real window (tests/ui, tests/ui_training).

Each conftest imports them, which is how pytest makes fixtures from another module available.
"""

from __future__ import annotations

import os
import time
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


MODAL_LIMIT_S = 30.0  # a question a test means to answer is answered within milliseconds


@pytest.fixture(autouse=True)
def unanswered_modals(qapp):
    """Fail a test that leaves a modal dialog open, instead of hanging the suite.

    A modal dialog nobody answers (an unexpected question, a file chooser) blocks the test in the dialog's own
    event loop forever: no qtbot timeout can fire past it. A timer, which that loop still runs, closes any
    modal dialog open for over `MODAL_LIMIT_S` and the test then fails naming it.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

    left_open: list[str] = []
    since: dict[int, float] = {}

    def look() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            since.clear()
            return
        key = hash(modal)
        first = since.setdefault(key, time.monotonic())
        if time.monotonic() - first > MODAL_LIMIT_S:
            text = modal.text() if isinstance(modal, QMessageBox) else ""
            left_open.append(f"{type(modal).__name__} '{modal.windowTitle()}' {text}".strip())
            if isinstance(modal, QDialog):
                modal.reject()
            else:
                modal.close()
            since.pop(key, None)

    timer = QTimer()
    timer.setInterval(1000)
    timer.timeout.connect(look)
    timer.start()
    yield
    timer.stop()
    assert not left_open, f"modal dialog(s) left open with no answer, closed after {MODAL_LIMIT_S:.0f} s: {left_open}"


@pytest.fixture
def cnn() -> Project:
    return load_project(EXAMPLES / "cnn_digits.nbproj")


class ShownWindows:
    """Shows real MainWindows for a test and, at its end, stops every training or search thread they started.

    Each suite's window fixture is one of these: they differ only in what they set on a new window first.
    A thread left running past its test would keep training into the next tests (and once hung CI).
    """

    def __init__(self, qtbot, activate: bool = False) -> None:
        self.qtbot, self.activate, self.windows = qtbot, activate, []

    def show(self, window):
        from PySide6.QtWidgets import QMessageBox

        window.ask_save_changes = lambda: QMessageBox.Discard  # never a modal prompt in a test
        self.qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        self.qtbot.waitExposed(window)
        if self.activate:
            window.activateWindow()  # window shortcuts (Del, F, Ctrl+Z ...) only fire in the active window
            self.qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        self.windows.append(window)
        return window

    def stop_all(self) -> None:
        for window in self.windows:
            window.training.ask_stop_for_close = lambda: True
            stopped = window.experiments.stop_and_wait() and window.training.stop_and_wait()
            assert stopped, "a training or search thread did not end within a minute of Stop"
