"""How long the window stalls while File › Open reads a very large project (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/window_open_scale.py [--sizes 10000 100000]

For a chain of N ReLUs it opens the file through File › Open (read, check and analyse on a
background thread, then the canvas is built in the UI thread) while a 10 ms QTimer ticks,
and prints: the background phase's time and the longest gap between ticks during it (how
responsive the window stays while the file is read), then the time of showing the project
(canvas scene, tabs, problems), which runs in the UI thread and stalls it for that long.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from validate_scale import project_text


def measure(count: int) -> None:
    from netbuilder.ui import project_files
    from netbuilder.ui.mainwindow import MainWindow

    path = Path(tempfile.mkdtemp()) / f"chain{count}.nbproj"
    path.write_text(project_text("chain", count))
    window = MainWindow()
    window.ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    window.show()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    marks: dict[str, float] = {}
    shown = project_files.ProjectFiles._show_opened

    def show(self, opened):  # the moment the background phase ends and the UI-thread phase starts
        marks["read"] = time.perf_counter()
        result = shown(self, opened)
        marks["shown"] = time.perf_counter()
        return result

    project_files.ProjectFiles._show_opened = show  # type: ignore[method-assign]
    window.ask_open_path = lambda: str(path)
    timer.start()
    start = time.perf_counter()
    ticks.append(start)
    window.actions_by_name["open"].trigger()
    while "shown" not in marks:
        QApplication.processEvents()
        time.sleep(0.001)
    timer.stop()
    during = [t for t in ticks if t <= marks["read"]] + [marks["read"]]
    gap = max(b - a for a, b in zip(during, during[1:]))
    print(f"{count:>7,} nodes: read+check+analyse off the UI thread {marks['read'] - start:6.2f} s, longest UI "
          f"stall meanwhile {gap * 1000:5.0f} ms; showing it (canvas scene, UI thread) "
          f"{marks['shown'] - marks['read']:6.2f} s", flush=True)
    project_files.ProjectFiles._show_opened = shown  # type: ignore[method-assign]
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from netbuilder.ui.app import make_app

    make_app()
    for count in args.sizes:
        measure(count)


if __name__ == "__main__":
    main()
