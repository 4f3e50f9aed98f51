"""`GraphScene`: draws one `Graph` and follows its notifications.

It keeps the maps node id -> NodeItem, edge id -> EdgeItem and group id ->
GroupItem (as orange-canvas-core's CanvasScene does) and turns user gestures
into intent signals (`nodes_moved`, `wire_requested`, ...) that the editor
makes into undoable commands. It never edits the graph itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsScene

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.diagnostics import Diagnostic
from netbuilder.graph.events import Signal as ModelSignal
from netbuilder.graph.model import Edge, Graph, Group, Node
from netbuilder.ui.canvas.building import FREEZE_LIMIT, SYNC_LIMIT, SceneBuild, model_rect, thaw_collector
from netbuilder.ui.canvas.frames import BlockFrames
from netbuilder.ui.canvas.groups import GroupItem
from netbuilder.ui.canvas.interactions import WireDrag
from netbuilder.ui.canvas.nodes import SHORT, WIDTH, NodeItem, NodeLook, PortItem
from netbuilder.ui.canvas.wires import EdgeItem
from netbuilder.ui.theme import theme

GRID = 20.0
MARGIN = 3000.0  # free canvas kept around the outermost nodes


def format_value(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "×".join(map(str, value))
    return str(value)


class GraphScene(QGraphicsScene, BlockFrames):
    """The items of one graph, kept in step with the model."""

    nodes_moved = Signal(object)  # {node_id: (old, new)} after a drag
    wire_requested = Signal(str, str, str, str)  # source, source port, target, target port
    # A wire let go on empty canvas: node id, port, whether it is an output, the scene point (offer a layer there).
    wire_dropped = Signal(str, str, bool, QPointF)
    group_toggle_requested = Signal(str)
    node_activated = Signal(str)  # double click

    def __init__(self, graph: Graph, parent=None) -> None:
        super().__init__(parent)
        self.graph = graph
        self.analysis: Analysis | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[str, EdgeItem] = {}
        self.group_items: dict[str, GroupItem] = {}
        self.snap = False
        self.wire: WireDrag | None = None
        self.wire_end: QPointF | None = None  # where the last wire drag was let go (a refusal is said there)
        self.detail = True  # False when zoomed far out: ports hidden (see GraphView.set_zoom)
        self._dragging_group = False  # a block drag moves many nodes; reframe once per step, not per node
        self._building = True  # items for a whole graph: block frames once at the end, not once per layer
        self._diagnostics: dict[str | None, list[Diagnostic]] = {}  # the analysis's problems by node id
        self._bad_edges: set[str] = set()  # wires the analysis marks wrong
        self.build: SceneBuild | None = None  # the slice-by-slice build of a big graph while it runs
        self._block_ports: dict = {}  # collapsed block id -> its boundary ports (BlockFrames)
        self._in_blocks: set[str] = set()  # nodes in a block at the last frame refresh (BlockFrames)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self.setSceneRect(QRectF(-5000, -5000, 10000, 10000))
        ev = graph.events
        self._slots: list[tuple[ModelSignal, Callable[..., Any]]] = [
            (ev.node_added, self._node_added), (ev.node_removed, self._node_removed),
            (ev.node_changed, self._node_changed), (ev.edge_added, self._edge_added),
            (ev.edge_removed, self._edge_removed), (ev.group_added, self._groups_changed),
            (ev.group_removed, self._group_removed), (ev.group_changed, self._groups_changed)]
        for signal, slot in self._slots:
            signal.connect(slot)
        if len(graph.nodes) > SYNC_LIMIT:  # a huge graph: fill the canvas over many ticks (see building.py)
            self.setSceneRect(self.sceneRect().united(model_rect(graph, WIDTH, MARGIN)))
            self.build = SceneBuild(self)
            self.build.start()
            return
        for node in graph.nodes.values():
            self.add_node_item(node)
        for edge in graph.edges.values():
            self.add_edge_item(edge)
        self.build_finished()

    @property
    def building(self) -> bool:
        """True while a big graph's items are still being added (some nodes or wires are not drawn yet)."""
        return self._building

    def build_finished(self) -> None:
        """Every node and wire is drawn: block frames once for all of them."""
        self._building = False
        self.build = None
        self._groups_changed()

    def index_now(self) -> None:
        """Let Qt's BSP index take in the items added so far. Asking for the items at a point does it; left
        pending, every geometry change of a not yet indexed item scans all of them (quadratic in a big build)."""
        self.items(QPointF(self.sceneRect().left(), self.sceneRect().top()))

    def detach(self) -> None:
        """Stop following the graph (the tab is closing)."""
        if self.build is not None:
            self.build.stop()
        if len(self.graph.nodes) >= FREEZE_LIMIT:
            thaw_collector()  # its items were frozen out of the cycle collector's passes (building.py)
        for signal, slot in self._slots:
            signal.disconnect(slot)

    # ---- model -> items ------------------------------------------------------------------------
    def _node_added(self, node: Node) -> None:
        self.add_node_item(node)
        if node.group is not None:  # an undone delete puts a layer back into its block
            self._groups_changed()

    def add_node_item(self, node: Node) -> None:
        item = NodeItem(node.id)
        item.snap = self.snap
        self.node_items[node.id] = item
        item.set_look(self.look_for(node))
        if not self.detail:  # ports are shown unless zoomed far out
            item.set_detail(False)
        item.setPos(QPointF(*node.position))
        self.addItem(item)
        self._room_for(item.pos())

    def _node_removed(self, node: Node) -> None:
        item = self.node_items.pop(node.id, None)
        if item is not None:
            self.removeItem(item)
        if node.group is not None:
            self._groups_changed()

    def _node_changed(self, node: Node, what: str) -> None:
        item = self.node_items.get(node.id)
        if item is None:
            return
        if what == "position":
            pos = QPointF(*node.position)
            if item.pos() != pos:
                item.setPos(pos)
            self._room_for(pos)
        elif what == "group":
            self._groups_changed()
        else:
            item.set_look(self.look_for(node))

    def _room_for(self, pos: QPointF) -> None:
        """Grow the scrollable area so every node (and some room around it) can be reached."""
        rect = self.sceneRect()
        if not rect.adjusted(MARGIN / 2, MARGIN / 2, -MARGIN / 2, -MARGIN / 2).contains(pos):
            self.setSceneRect(rect.united(QRectF(pos.x() - MARGIN, pos.y() - MARGIN, 2 * MARGIN, 2 * MARGIN)))

    def _edge_added(self, edge: Edge) -> None:
        if edge.source not in self.node_items or edge.target not in self.node_items:
            return  # a big graph still being built: its wire phase draws this wire once both ends are drawn
        self.add_edge_item(edge)
        self._wire_touched_block(edge)

    def add_edge_item(self, edge: Edge) -> None:
        item = EdgeItem(edge.id)
        self.edge_items[edge.id] = item
        if self.analysis is not None and edge.id in self.analysis.edge_shapes:  # before placing: placed once
            item.set_label(str(self.analysis.edge_shapes[edge.id]), edge.id in self._bad_edges)
        self.addItem(item)
        self._place_edge(edge)
        for nid, port, is_out in ((edge.source, edge.source_port, True), (edge.target, edge.target_port, False)):
            p = self.node_items[nid].port(port, is_out)
            if p is not None and not p.connected:  # a new wire connects both its ports: nothing to look up
                p.connected = True
                p.update()

    def _edge_removed(self, edge: Edge) -> None:
        item = self.edge_items.pop(edge.id, None)
        if item is not None:
            self.removeItem(item)
        self._update_ports(edge)
        self._wire_touched_block(edge)

    def _wire_touched_block(self, edge: Edge) -> None:
        """A wire into or out of a collapsed block can change the ports its box shows (and where its wires end);
        an expanded block's frame does not depend on wires, so a wire inside or across one rebuilds nothing."""
        if self._building:
            return
        ends = [nid for nid in (edge.source, edge.target) if nid in self.graph.nodes]
        if any(self.collapsed_group_of(nid) is not None for nid in ends):
            self._groups_changed()

    def _update_ports(self, edge: Edge) -> None:
        for nid, port, is_out in ((edge.source, edge.source_port, True), (edge.target, edge.target_port, False)):
            item = self.node_items.get(nid)
            p = item.port(port, is_out) if item else None
            if p is not None:
                edges = self.graph.edges_out_of(nid) if is_out else self.graph.edges_into(nid)
                p.connected = any((e.source_port if is_out else e.target_port) == port for e in edges)
                p.update()

    def _group_removed(self, group: Group) -> None:
        item = self.group_items.pop(group.id, None)
        if item is not None:
            self.removeItem(item)
        self._groups_changed()

    # ---- analysis -> looks ---------------------------------------------------------------------
    def look_for(self, node: Node, diagnostics=None) -> NodeLook:
        spec = node.spec
        values = node.values()
        keys = [k for k in spec.key_params if k in values]
        params = " · ".join(f"{SHORT.get(k, k)} {format_value(values[k])}" for k in keys)
        look = NodeLook(name=node.name, type=node.type, category=spec.category, params=params,
                        inputs=tuple(p.name for p in spec.inputs), outputs=tuple(p.name for p in spec.outputs),
                        frozen=not node.trainable and spec.has_weights)
        a = self.analysis
        if a is not None:
            info = a.nodes.get(node.id)
            if info is not None:
                look.port_shapes = {**{(k, False): str(v) for k, v in info.inputs.items()},
                                    **{(k, True): str(v) for k, v in info.outputs.items()}}
            if info is not None and info.outputs:
                look.shape = "→ " + ", ".join(str(s) for s in info.outputs.values())
            elif info is not None and not spec.outputs and info.inputs:
                look.shape = "← " + ", ".join(str(s) for s in info.inputs.values())
            for d in self._diagnostics.get(node.id, ()) if diagnostics is None else diagnostics:
                (look.errors if d.is_error else look.warnings).append(d.message)
        return look

    def set_analysis(self, analysis: Analysis) -> None:
        """Repaint shapes and problems from a fresh analysis (only the nodes whose results changed)."""
        old, self.analysis = self.analysis, analysis
        by_node: dict[str | None, list[Diagnostic]] = {}  # None: the graph's own problems
        for d in analysis.diagnostics:
            by_node.setdefault(d.node_id, []).append(d)
        old_by_node, self._diagnostics = self._diagnostics, by_node
        for nid, item in self.node_items.items():
            if (old is not None and old.nodes.get(nid) == analysis.nodes.get(nid)
                    and old_by_node.get(nid) == by_node.get(nid)):
                continue  # same shapes and problems: the look cannot have changed
            item.set_look(self.look_for(self.graph.nodes[nid], by_node.get(nid, ())))
        self._bad_edges = bad_edges = {d.edge_id for d in analysis.diagnostics if d.edge_id and d.is_error}
        for eid, wire in self.edge_items.items():
            shape = analysis.edge_shapes.get(eid)
            wire.set_label(str(shape) if shape is not None else "", eid in bad_edges)
        if self.graph.groups:
            self._groups_changed(place_edges=False)  # block summaries and error borders

    # ---- geometry ------------------------------------------------------------------------------
    def anchor(self, node_id: str, port: str, is_output: bool) -> QPointF:
        hidden_by = self.collapsed_group_of(node_id)
        if hidden_by is not None and hidden_by in self.group_items:
            return self.block_anchor(hidden_by, node_id, port, is_output)
        node = self.node_items[node_id]
        p = node.port(port, is_output)
        return p.scenePos() if p is not None else node.scenePos()

    def _place_edge(self, edge: Edge) -> None:
        item = self.edge_items.get(edge.id)
        if item is None:
            return
        hide_s, hide_t = self.collapsed_group_of(edge.source), self.collapsed_group_of(edge.target)
        item.setVisible(hide_s is None or hide_s != hide_t)
        if item.isVisible():
            item.set_ends(self.anchor(edge.source, edge.source_port, True),
                          self.anchor(edge.target, edge.target_port, False))

    def node_item_moved(self, node_id: str) -> None:
        """A node item moved (dragged or following the model): its wires and block frames follow."""
        if node_id not in self.graph.nodes:
            return
        for edge in self.graph.edges_of(node_id):
            self._place_edge(edge)
        if self.graph.nodes[node_id].group is not None and not self._dragging_group:
            self._groups_changed()

    # ---- gestures -> intents ---------------------------------------------------------------------
    def set_detail(self, full: bool) -> None:
        if full != self.detail:
            self.detail = full
            for item in self.node_items.values():
                item.set_detail(full)

    def set_snap(self, on: bool) -> None:
        self.snap = on
        for item in self.node_items.values():
            item.snap = on

    def commit_moves(self) -> None:
        """After a drag: every node item not where the model has it becomes one move request."""
        moves = {}
        for nid, item in self.node_items.items():
            old = self.graph.nodes[nid].position
            new = (item.pos().x(), item.pos().y())
            if not (math.isclose(old[0], new[0]) and math.isclose(old[1], new[1])):
                moves[nid] = (old, new)
        if moves:
            self.nodes_moved.emit(moves)

    def drag_group(self, gid: str, delta: QPointF) -> None:
        self._dragging_group = True
        try:
            for nid in self.graph.group_members(gid):
                if nid in self.node_items:
                    self.node_items[nid].moveBy(delta.x(), delta.y())
        finally:
            self._dragging_group = False
        self._groups_changed()

    def toggle_group(self, gid: str) -> None:
        self.group_toggle_requested.emit(gid)

    def node_double_clicked(self, node_id: str) -> None:
        self.node_activated.emit(node_id)

    def begin_wire(self, port: PortItem, pos: QPointF) -> None:
        self.wire = WireDrag(self, port)
        self.wire.move(pos)

    def move_wire(self, pos: QPointF) -> None:
        if self.wire is not None:
            self.wire.move(pos)

    def end_wire(self, pos: QPointF) -> None:
        if self.wire is None:
            return
        drag, self.wire = self.wire, None
        ends = drag.finish(pos)
        self.wire_end = pos
        if ends is not None:
            self.wire_requested.emit(*ends)
        elif drag.dragged_to(pos) and self.is_empty_at(pos):
            self.wire_dropped.emit(drag.port.node_id, drag.port.name, drag.port.is_output, pos)

    def is_empty_at(self, pos: QPointF) -> bool:
        """No node, port or block under ``pos`` (wires do not count: a new layer may go over one)."""
        return not any(isinstance(i, (NodeItem, PortItem, GroupItem)) and i.isVisible() for i in self.items(pos))

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self.wire is None:
            self.commit_moves()

    # ---- selection helpers -----------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edge_ids(self) -> list[str]:
        return [i.edge_id for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def selected_group_ids(self) -> list[str]:
        return [i.group_id for i in self.selectedItems() if isinstance(i, GroupItem)]

    def select_nodes(self, node_ids) -> None:
        self.clearSelection()
        for nid in node_ids:
            if nid in self.node_items:
                self.node_items[nid].setSelected(True)

    def items_rect(self) -> QRectF:
        if self._building:  # not every node is drawn yet: frame where the model puts them all
            return model_rect(self.graph, WIDTH, 0.0)
        rect = QRectF()
        for item in list(self.node_items.values()) + list(self.group_items.values()):
            if item.isVisible():
                rect = rect.united(item.sceneBoundingRect())
        return rect

    # ---- background ----------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        rect = QRectF(rect)
        t = theme()
        painter.fillRect(rect, t.background)
        scale = painter.worldTransform().m11()
        step = GRID if scale >= 0.6 else GRID * 5
        if scale * step < 8:
            return
        painter.setPen(QPen(t.grid, 0))
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        lines = []
        x = left
        while x < rect.right():
            lines.append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            lines.append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        painter.drawLines(lines)
