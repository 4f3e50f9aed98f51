"""The training parts add nothing heavy to start-up: torch, pyqtgraph and numpy load on the first Train click."""

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
assert window.training.run_dock.isVisible() and window.training.panel.epochs.value() == 15
print(sorted(m for m in ("torch", "pyqtgraph", "numpy") if m in sys.modules))
"""


def test_the_window_with_its_training_docks_opens_without_torch_pyqtgraph_or_numpy(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
