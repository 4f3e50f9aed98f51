"""The window opens without importing torch (it is imported on first compile or training run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
from netbuilder.ui.app import make_app, open_window
app = make_app()
window = open_window("resources/examples/cnn_digits.nbproj")
app.processEvents()
assert window.isVisible() and window.editor().scene.node_items
print("torch" in sys.modules)
"""


def test_opening_the_window_with_a_project_does_not_import_torch(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_gui_command_does_not_import_torch_either(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "NETBUILDER_QUIT_WHEN_SHOWN": "1"}
    code = ("import sys; sys.argv = ['netbuilder', 'gui', 'resources/examples/cnn_digits.nbproj']\n"
            "from netbuilder.cli import main\nmain()\nprint('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"
