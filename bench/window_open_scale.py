"""How long the window stalls while File › Open reads a very large project (offscreen).

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/window_open_scale.py [--sizes 10000 100000]

For a chain of N ReLUs it opens the file through File › Open (read, check and analyse on a
background thread, then the canvas is built in the UI thread) while a 10 ms QTimer ticks,
and prints: the background phase's time and the longest gap between ticks during it (how
responsive the window stays while the file is read); the time of showing the project (tabs,
problems, the start of the canvas), which runs in the UI thread and stalls it for that long; then
the time until the canvas shows every node and wire (a big graph is drawn a slice per event-loop
tick, see netbuilder/ui/canvas/building.py) and the longest stall of the UI thread meanwhile.
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
    while "shown" not in marks or any(e.scene.building for e in window.editors.values()):
        QApplication.processEvents()
        time.sleep(0.001)
    built = time.perf_counter()
    timer.stop()
    ticks.append(built)
    during = [t for t in ticks if t <= marks["read"]] + [marks["read"]]
    gap = max(b - a for a, b in zip(during, during[1:]))
    drawing = [marks["read"]] + [t for t in ticks if t > marks["read"]]
    stall = max(b - a for a, b in zip(drawing, drawing[1:]))
    editor = window.editors["model"]
    assert len(editor.scene.node_items) == count + 1 and len(editor.scene.edge_items) == count
    print(f"{count:>7,} nodes: read+check+analyse off the UI thread {marks['read'] - start:6.2f} s, longest UI "
          f"stall meanwhile {gap * 1000:5.0f} ms; showing it (UI thread) {marks['shown'] - marks['read']:6.2f} s; "
          f"canvas complete after {built - marks['read']:6.2f} s, longest UI stall meanwhile {stall * 1000:5.0f} ms",
          flush=True)
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
