"""Canvas responsiveness on big graphs (offscreen): add a node, move 50 nodes, repaint.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/canvas_scale.py

For 200, 500 and 1,000 nodes it prints milliseconds per interaction, the
median of several runs. An interaction is the edit plus the canvas update,
as the user sees it; the re-analysis (shapes + diagnostics) that follows on
the next event-loop turn is printed on its own and also added in. Target:
<= 16 ms per interaction at 1,000 nodes. Ends with the start-up time
(process start to window shown; target < 1.0 s) from bench/startup_time.py.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QPointF, QSettings

from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from netbuilder.ui import commands as cmd
from netbuilder.ui.app import make_app
from netbuilder.ui.canvas.arrange import wrapped_positions

REPEATS = 7


def build(n: int) -> Graph:
    """A residual MLP of about ``n`` layers: Linear/ReLU pairs with an Add every few layers."""
    g = Graph("model")
    prev = g.add_node("Input", params={"kind": "tabular", "features": 32}, name="x")
    skip = prev
    while len(g.nodes) < n - 1:
        lin = g.add_node("Linear", params={"out_features": 32})
        g.connect(prev.id, "out", lin.id, "in")
        act = g.add_node("ReLU")
        g.connect(lin.id, "out", act.id, "in")
        prev = act
        if len(g.nodes) % 10 == 1:
            add = g.add_node("Add")
            g.connect(skip.id, "out", add.id, "a")
            g.connect(act.id, "out", add.id, "b")
            prev = skip = add
    out = g.add_node("Output")
    g.connect(prev.id, "out", out.id, "in")
    for nid, pos in wrapped_positions(g, 1.6).items():
        g.move(nid, pos)
    return g


def ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(n: int, app) -> dict[str, float]:
    from netbuilder.ui.mainwindow import MainWindow

    graph = build(n)
    window = MainWindow(Project("bench", {"model": graph}))
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    editor = window.editor()
    scene, view = editor.scene, editor.view
    results: dict[str, list[float]] = {"add": [], "analysis": [], "move": [], "paint_fit": [], "paint_100": []}
    for i in range(REPEATS):
        t0 = time.perf_counter()
        command = cmd.AddNode(graph, "GELU", (float(-400 - 40 * i), -300.0))
        window.undo_stack.push(command)  # model + canvas item, synchronously
        t1 = time.perf_counter()
        window.run_analysis()  # what the debounce timer runs next: shapes, problems, canvas refresh
        t2 = time.perf_counter()
        app.processEvents()  # repaint
        results["add"].append(t1 - t0 + time.perf_counter() - t2)
        results["analysis"].append(t2 - t1)
    ids = list(graph.nodes)[100:150]
    scene.select_nodes(ids)
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        for _step in range(1, 4):  # three mouse-move steps of one drag, then the release
            for nid in ids:
                scene.node_items[nid].moveBy(4.0, 2.0)
        scene.commit_moves()  # -> one MoveNodes command; the model and wires follow
        app.processEvents()
        results["move"].append((time.perf_counter() - t0) / 4)  # per mouse event
    view.fit_all()
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        view.viewport().grab()
        results["paint_fit"].append(time.perf_counter() - t0)
    view.set_zoom(1.0)
    view.centerOn(QPointF(*graph.nodes[ids[0]].position))
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        view.viewport().grab()
        results["paint_100"].append(time.perf_counter() - t0)
    window.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return {k: ms(v) for k, v in results.items()}


def main() -> None:
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
    app = make_app()
    print(f"{'nodes':>6} {'add node':>9} {'analysis':>9} {'add+anal.':>10} {'move 50':>8} "
          f"{'paint fit':>10} {'paint 100%':>11}   (ms, median of {REPEATS})")
    for n in (200, 500, 1000):
        r = measure(n, app)
        print(f"{n:>6} {r['add']:>9.2f} {r['analysis']:>9.2f} {r['add'] + r['analysis']:>10.2f} "
              f"{r['move']:>8.2f} {r['paint_fit']:>10.2f} {r['paint_100']:>11.2f}")
    print("target: <= 16 ms per interaction at 1,000 nodes")
    from bench.startup_time import startup_seconds
    print(f"start-up (process start to window shown, CNN example): {startup_seconds():.2f} s (target < 1.0 s)")


if __name__ == "__main__":
    main()
