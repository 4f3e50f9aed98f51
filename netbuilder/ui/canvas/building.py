"""Filling a big graph's canvas a slice at a time, so the window keeps answering while a huge file opens.

`GraphScene` builds a graph of up to `SYNC_LIMIT` nodes at once, as it always did. A bigger one is built by a
`SceneBuild`: a zero-interval QTimer that adds nodes, then wires, for about `SLICE_S` seconds per tick and
then lets the event loop run (paint, input, the busy bar). It works from the model, not from a copy: each
tick takes the ids still to build from a list made when its phase began and skips those the model no longer
has or the scene already shows. The scene meanwhile follows model notifications as usual (a node added by an
edit is drawn at once; a wire whose ends are not drawn yet waits for the wire phase), so an edit made while
the canvas fills is neither lost nor drawn twice.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF, QTimer, Signal

from netbuilder.graph.bulk import hold_collector, release_collector
from netbuilder.graph.layering import box_height
from netbuilder.graph.model import Graph

if TYPE_CHECKING:
    from netbuilder.ui.canvas.scene import GraphScene

SYNC_LIMIT = 2_000  # nodes: a graph this small is built in one go (tests and everyday projects see no change)
SLICE_S = 0.03  # seconds of UI-thread work per tick: well under a frame budget a user notices
CHECK_EVERY = 32  # items built between two clock reads (reading the clock costs too)
FREEZE_LIMIT = 20_000  # nodes: from this size on a finished canvas's objects are kept out of collector passes


def thaw_collector() -> None:
    """Give the objects frozen out of the collector's passes back to it (a big canvas closing)."""
    gc.unfreeze()


class _Hold:
    """One build's hold on Python's cycle collector (`graph.bulk.hold_collector`), let go once: when the build
    ends, or when Qt deletes it unfinished (a canvas closed without `stop`), so the collector is never left off
    for good. Its full pass visits every object alive: with a 100,000-node graph's items that is a UI stall of
    seconds, every time the heap has grown by a quarter. A build of a graph of `FREEZE_LIMIT` nodes or more
    freezes the objects alive as it ends (the graph and its items), so later passes while the user edits skip
    them; `thaw_collector` (such a canvas closing) gives them back."""

    def __init__(self) -> None:
        hold_collector()
        self.held = True

    def release(self, freeze: bool = False) -> None:
        if self.held:
            self.held = False
            release_collector(freeze)


def model_rect(graph: Graph, width: float, margin: float) -> QRectF:
    """The area every node of ``graph`` covers (from the model's positions), with ``margin`` around it.

    Set as the scene rect before a slice-by-slice build: a scene rect that grew node after node would make
    Qt's BSP index rebuild itself each time, which costs the whole graph on every growth."""
    if not graph.nodes:
        return QRectF()
    xs = [n.position[0] for n in graph.nodes.values()]
    ys = [n.position[1] for n in graph.nodes.values()]
    tallest = box_height(8, 8)  # a generous node height: the margin dwarfs the difference
    return QRectF(min(xs) - margin, min(ys) - margin, max(xs) - min(xs) + width + 2 * margin,
                  max(ys) - min(ys) + tallest + 2 * margin)


class SceneBuild(QObject):
    """Builds ``scene``'s items for its graph over several event-loop ticks; `finished` once all are shown."""

    progress = Signal(int, int)  # items built so far, items to build (nodes + wires)
    finished = Signal()  # the build is over: every item drawn, or given up because the canvas closed

    def __init__(self, scene: GraphScene) -> None:
        super().__init__(scene)
        self.scene = scene
        graph = scene.graph
        self._nodes: list[str] = list(graph.nodes)
        self._edges: list[str] | None = None  # listed once every node is drawn (wires need both ends)
        self._at = 0
        self.total = len(self._nodes) + len(graph.edges)
        self.done = 0
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.step)
        self._hold: _Hold | None = None

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        self._hold = hold = _Hold()
        self.destroyed.connect(lambda *_: hold.release())
        self._timer.start()

    def stop(self) -> None:
        """Give up (the canvas is closing); nothing more is built."""
        if self._timer.isActive():
            self._timer.stop()
            if self._hold is not None:
                self._hold.release()
            self.finished.emit()

    def step(self) -> None:
        """One tick: build for about `SLICE_S` seconds, then hand the event loop back."""
        scene, graph = self.scene, self.scene.graph
        deadline = time.perf_counter() + SLICE_S
        while time.perf_counter() < deadline:
            if self._edges is None and self._at >= len(self._nodes):
                self._edges, self._at = list(graph.edges), 0
                self.total = self.done + len(self._edges)
            todo = self._nodes if self._edges is None else self._edges
            if self._at >= len(todo):
                self._finish()
                return
            batch = todo[self._at:self._at + CHECK_EVERY]
            self._at += len(batch)
            self.done += len(batch)
            if self._edges is None:
                for nid in batch:
                    node = graph.nodes.get(nid)
                    if node is not None and nid not in scene.node_items:
                        scene.add_node_item(node)
            else:
                for eid in batch:
                    edge = graph.edges.get(eid)
                    if edge is not None and eid not in scene.edge_items:
                        scene.add_edge_item(edge)
        scene.index_now()
        self.progress.emit(self.done, self.total)

    def _finish(self) -> None:
        self._timer.stop()
        if self._hold is not None:
            self._hold.release(freeze=len(self.scene.graph.nodes) >= FREEZE_LIMIT)
        self.scene.build_finished()
        self.progress.emit(self.total, self.total)
        self.finished.emit()
