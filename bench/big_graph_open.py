"""How long big imported networks take to import, lay out and open in the window.

Run: `QT_QPA_PLATFORM=offscreen .venv/bin/python bench/big_graph_open.py [--only densenet121 ...]`.

The models are the model-zoo classics that ship inside the `onnx` package (``backend/test/data/light``), so
nothing is downloaded. For each it times, separately:

- import: `import_onnx` without the onnxruntime check (reading, mapping, building the graph, blocks, layout);
- blocks: grouping the layers into blocks again (`group_imported`) on a flat copy;
- layout: the layered layout (`layered_layout`) with the blocks collapsed, and with every block expanded;
- open: the canvas built for the graph, shown and fitted at a readable zoom (`GraphEditor`, `open_at`), then
  one full repaint of the fitted view (what panning and zooming redraw);
- window: the whole main window opened on the project (the canvas plus shape inference and the panels).

and prints the node and block counts. Target: DenseNet-121 opens in under 2 s.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

import onnx

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from netbuilder.export.onnx_in import import_onnx
from netbuilder.graph.grouping import group_imported
from netbuilder.graph.layering import layered_layout
from netbuilder.graph.model import Graph

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"
MODELS = ("densenet121", "resnet50", "inception_v1")
TARGET_S = 2.0
T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def flat_copy(graph: Graph) -> Graph:
    flat = graph.clone()
    for gid in list(flat.groups):
        flat.remove_group(gid)
    return flat


def open_in_editor(graph: Graph) -> tuple[float, float, float]:
    """Seconds to build the canvas, show and fit it, and repaint the fitted view; and the zoom it opened at."""
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QApplication

    from netbuilder.ui.canvas.view import readable_zoom
    from netbuilder.ui.editor import GraphEditor

    app = QApplication.instance() or QApplication([])
    start = time.perf_counter()
    editor = GraphEditor(graph, QUndoStack())
    editor.resize(1400, 900)
    editor.view.open_at()
    editor.show()
    app.processEvents()
    opened = time.perf_counter() - start
    _, paint = timed(lambda: editor.view.viewport().grab())
    zoom = editor.view.zoom
    seen = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    print(f"  {graph.name}: the view shows {'all of it' if seen.contains(editor.scene.items_rect()) else 'its start'}"
          f" at {zoom:.2f} (readable from {readable_zoom():.2f})")
    editor.close_editor()
    editor.deleteLater()
    app.processEvents()
    return opened, paint, zoom


def open_in_window(project) -> float:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from netbuilder.ui.mainwindow import MainWindow

    app = QApplication.instance() or QApplication([])
    start = time.perf_counter()
    window = MainWindow(project)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    seconds = time.perf_counter() - start
    window.ask_save_changes = lambda: QMessageBox.StandardButton.Discard  # nothing to save in a bench
    window.close()
    window.deleteLater()
    app.processEvents()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(MODELS), help="model names (light_<name>.onnx)")
    parser.add_argument("--no-window", action="store_true", help="skip opening the whole main window")
    args = parser.parse_args()
    print(f"{'model':<14} {'nodes':>5} {'blocks':>6} {'import':>7} {'blocks':>7} {'layout':>7} {'flat':>7} "
          f"{'open':>7} {'paint':>7} {'zoom':>5} {'total':>7} {'window':>7}")
    for name in args.only:
        imported, t_import = timed(partial(import_onnx, LIGHT / f"light_{name}.onnx", verify=False))
        graph = imported.project.graphs["model"]
        flat = flat_copy(graph)
        _, t_blocks = timed(partial(group_imported, flat))
        _, t_layout = timed(partial(layered_layout, graph))
        expanded = graph.clone()
        for group in expanded.groups.values():
            group.collapsed = False
        _, t_flat = timed(partial(layered_layout, expanded))
        t_open, t_paint, zoom = open_in_editor(graph)
        t_window = float("nan") if args.no_window else open_in_window(imported.project)
        total = t_import + t_open
        print(f"{name:<14} {len(graph.nodes):>5} {len(graph.groups):>6} {t_import:>6.2f}s {t_blocks:>6.3f}s "
              f"{t_layout:>6.3f}s {t_flat:>6.3f}s {t_open:>6.2f}s {t_paint:>6.3f}s {zoom:>5.2f} {total:>6.2f}s "
              f"{t_window:>6.2f}s{'' if total < TARGET_S or name != 'densenet121' else '  (over the 2 s target)'}")
    print("import: import_onnx without the onnxruntime check, blocks and layout included; blocks, layout, flat: "
          "grouping again, layout with blocks collapsed, every block expanded; open: canvas built, shown and fitted; "
          "paint: one repaint of the fitted view; total: import + open; window: the main window opened on the "
          "project (with shape inference)")


if __name__ == "__main__":
    main()
