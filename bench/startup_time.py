"""Time from process start to the main window shown, with the CNN example loaded.

    .venv/bin/python bench/startup_time.py

Runs `python -m netbuilder gui resources/examples/cnn_digits.nbproj` with
NETBUILDER_QUIT_WHEN_SHOWN=1 (the window prints when it is on screen, then
exits) and reports the median of a few runs. Target: < 1.0 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def startup_seconds(runs: int = 3) -> float:
    env = {**os.environ, "NETBUILDER_QUIT_WHEN_SHOWN": "1", "QT_QPA_PLATFORM": os.environ.get(
        "QT_QPA_PLATFORM", "offscreen"), "XDG_CONFIG_HOME": tempfile.mkdtemp()}
    times = []
    for _ in range(runs):
        start = time.time()
        out = subprocess.run([sys.executable, "-m", "netbuilder", "gui", "resources/examples/cnn_digits.nbproj"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
        shown = float(next(line for line in out.splitlines() if line.startswith("shown_at=")).split("=")[1])
        times.append(shown - start)
    return statistics.median(times)


if __name__ == "__main__":
    print(f"start-up (process start to window shown, CNN example): {startup_seconds():.2f} s (target < 1.0 s)")
