"""A huge graph's canvas fills a slice at a time: the event loop keeps running, edits made meanwhile are
neither lost nor drawn twice, and the finished canvas selects and undoes as a small one does."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QUndoStack

from netbuilder.graph import edits
from netbuilder.graph.model import Graph
from netbuilder.ui.canvas.building import SLICE_S, SYNC_LIMIT
from netbuilder.ui.editor import GraphEditor

BIG = SYNC_LIMIT + 1_500  # just past the size built in one go
WAIT_MS = 60_000  # a bound, not an expectation: the build takes a few seconds on a slow machine


def chain(count: int) -> Graph:
    """An Input and ``count`` ReLUs wired one after another, left to right."""
    graph = Graph("model")
    previous = graph.add_node("Input", (0.0, 0.0), name="x", params={"kind": "tabular", "features": 4}).id
    for i in range(count):
        node = graph.add_node("ReLU", (230.0 * (i + 1), 0.0), name=f"relu{i}")
        graph.connect(previous, "out", node.id, "in")
        previous = node.id
    return graph


def open_editor(qtbot, graph: Graph) -> GraphEditor:
    editor = GraphEditor(graph, QUndoStack())
    qtbot.addWidget(editor)
    editor.resize(900, 600)
    editor.show()
    return editor


def test_a_small_graph_is_drawn_whole_before_the_editor_is_returned(qtbot):
    editor = open_editor(qtbot, chain(50))
    assert not editor.scene.building and editor.scene.build is None
    assert len(editor.scene.node_items) == 51 and len(editor.scene.edge_items) == 50


def test_a_huge_graph_fills_its_canvas_while_the_event_loop_keeps_ticking(qtbot):
    graph = chain(BIG)
    ticks: list[float] = []
    scenes: list = []  # the canvas being built, once there is one
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()) if scenes and scenes[0].building else None)
    timer.start()
    editor = open_editor(qtbot, graph)
    scenes.append(editor.scene)
    assert editor.scene.building and len(editor.scene.node_items) < len(graph.nodes)
    progress: list[tuple[int, int]] = []
    assert editor.scene.build is not None
    editor.scene.build.progress.connect(lambda done, total: progress.append((done, total)))
    qtbot.waitUntil(lambda: not editor.scene.building, timeout=WAIT_MS)
    timer.stop()
    assert len(ticks) >= 3  # the timer fired while the canvas was being built, not only once it was done
    gaps = sorted(b - a for a, b in zip(ticks, ticks[1:]))
    assert gaps[len(gaps) // 2] < 10 * SLICE_S  # a typical gap is about one slice
    assert set(editor.scene.node_items) == set(graph.nodes) and set(editor.scene.edge_items) == set(graph.edges)
    assert progress[-1] == (len(graph.nodes) + len(graph.edges),) * 2
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_edits_made_while_the_canvas_fills_are_drawn_once_each(qtbot):
    graph = chain(BIG)
    editor = open_editor(qtbot, graph)
    *_, gone, last = list(graph.nodes)
    added = editor.push(edits.AddNode("ReLU", (0.0, 400.0)))  # drawn at once
    wire = editor.push(edits.Connect(last, "out", added.node_id, "in"))  # its source is not drawn yet
    editor.push(edits.RemoveNodes([gone]))  # not drawn yet either: never drawn
    assert added.node_id in editor.scene.node_items and wire.edge_id not in editor.scene.edge_items
    qtbot.waitUntil(lambda: not editor.scene.building, timeout=WAIT_MS)
    assert set(editor.scene.node_items) == set(graph.nodes) and gone not in editor.scene.node_items
    assert set(editor.scene.edge_items) == set(graph.edges) and wire.edge_id in editor.scene.edge_items
    assert editor.scene.edge_items[wire.edge_id].isVisible()


def test_the_finished_canvas_selects_and_undoes_like_a_small_one(qtbot):
    graph = chain(BIG)
    editor = open_editor(qtbot, graph)
    qtbot.waitUntil(lambda: not editor.scene.building, timeout=WAIT_MS)
    some = list(graph.nodes)[100:103]
    editor.scene.select_nodes(some)
    assert sorted(editor.scene.selected_node_ids()) == sorted(some)
    editor.delete_selection()
    assert not any(nid in graph.nodes or nid in editor.scene.node_items for nid in some)
    editor.undo_stack.undo()
    assert all(nid in graph.nodes and nid in editor.scene.node_items for nid in some)
    assert set(editor.scene.edge_items) == set(graph.edges)


def test_the_window_says_how_far_the_canvas_has_got_until_it_is_complete(make_window, qtbot):
    from netbuilder.graph.project import Project

    window = make_window()
    window.set_project(Project("big", {"model": chain(BIG)}))
    bar = window.busy.bar
    assert window.busy.active() and window.busy.label.text() == "Drawing model…"
    qtbot.waitUntil(lambda: 0 < bar.value() < bar.maximum(), timeout=WAIT_MS)  # a filling bar, not a busy one
    qtbot.waitUntil(lambda: not window.busy.active(), timeout=WAIT_MS)
    assert not bar.isVisible() and len(window.editors["model"].scene.node_items) == BIG + 1


def test_a_canvas_closed_while_it_fills_stops_and_gives_the_cycle_collector_back(qtbot):
    import gc

    editor = open_editor(qtbot, chain(BIG))
    assert editor.scene.building and not gc.isenabled()  # held off while the canvas fills
    ended: list[bool] = []
    assert editor.scene.build is not None
    editor.scene.build.finished.connect(lambda: ended.append(True))
    editor.close_editor()
    assert ended and gc.isenabled()
    count = len(editor.scene.node_items)
    qtbot.wait(50)
    assert len(editor.scene.node_items) == count  # nothing more is built


def test_a_canvas_deleted_unfinished_gives_the_cycle_collector_back(qtbot):
    import gc

    editor = GraphEditor(chain(BIG), QUndoStack())  # never closed: Qt deletes it while it fills
    assert editor.scene.building and not gc.isenabled()
    editor.deleteLater()
    qtbot.waitUntil(gc.isenabled, timeout=5_000)


def test_a_file_read_begun_before_a_canvas_fills_and_ending_meanwhile_leaves_the_collector_off(qtbot):
    import gc

    from netbuilder.graph.bulk import collector_paused

    with collector_paused():  # what a file read on File › Open's thread holds (`ui.opening.read_project`)
        editor = open_editor(qtbot, chain(BIG))
    # the read has ended while the canvas fills
    assert editor.scene.building and not gc.isenabled()
    qtbot.waitUntil(lambda: not editor.scene.building, timeout=WAIT_MS)
    assert gc.isenabled()  # and the canvas, done last, gives it back
