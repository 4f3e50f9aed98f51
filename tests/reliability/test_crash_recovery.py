"""Autosave and recovery, end to end, with a real crash.

A child process opens the window offscreen on a copy of an example project,
adds a layer, waits for the autosave timer to write the recovery file and is
then killed with SIGKILL (the window never closes). A fresh window started
with the same settings offers the autosaved work, and accepting it brings back
the added layer, pointing at the original file, which the autosave never
touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "examples" / "cnn_digits.nbproj"

SESSION = r"""
import sys
from PySide6.QtCore import QSettings, QTimer
from netbuilder.graph.project import load_project
from netbuilder.ui.app import make_app
from netbuilder.ui.mainwindow import MainWindow

settings_file, project_path = sys.argv[1:3]
app = make_app()
window = MainWindow(load_project(project_path), settings=QSettings(settings_file, QSettings.IniFormat),
                    autosave_ms=100)
window.show()
node_id = window.editor().add_layer("Tanh")

def report_once_autosaved():
    if window.recovery.pending():
        print(node_id, flush=True)
        poll.stop()  # keep running (and autosaving) until killed

poll = QTimer(interval=20, timeout=report_once_autosaved)
poll.start()
app.exec()
"""


def _crash_after_autosave(settings_file: Path, project: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen([sys.executable, "-c", SESSION, str(settings_file), str(project)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        node_id = child.stdout.readline().strip()
        assert node_id, f"the window session ended before autosaving: {child.stderr.read() if child.stderr else ''}"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    return node_id


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_work_autosaved_before_a_crash_is_offered_and_recovered_in_a_new_window(qtbot, tmp_path) -> None:
    from netbuilder.ui.mainwindow import MainWindow

    project = tmp_path / "work" / "cnn.nbproj"
    project.parent.mkdir()
    shutil.copy(EXAMPLE, project)
    original = project.read_bytes()
    settings_file = tmp_path / "settings" / "netbuilder.ini"
    settings_file.parent.mkdir()

    node_id = _crash_after_autosave(settings_file, project)

    fresh = MainWindow(settings=QSettings(str(settings_file), QSettings.IniFormat))
    fresh.ask_save_changes = lambda: QMessageBox.Discard  # never a modal prompt in a test
    qtbot.addWidget(fresh)
    offered: list[str] = []
    fresh.ask_recover = lambda when: offered.append(when) or True
    assert fresh.recovery.pending()
    assert fresh.offer_recovery()
    assert offered, "the new window did not offer the autosaved work"
    assert node_id in fresh.editor().graph.nodes
    assert fresh.project.path == project and fresh.isWindowModified()
    assert project.read_bytes() == original  # autosave writes the recovery file, never the user's file
