"""`GraphEditor`: one graph's canvas plus the edits a user makes on it, as undo commands."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from PySide6.QtCore import QMimeData, QPointF, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QVBoxLayout, QWidget

from netbuilder.graph import edits
from netbuilder.graph.analysis import Analysis
from netbuilder.graph.layout import banded_positions
from netbuilder.graph.model import ConnectionRefused, Graph
from netbuilder.graph.serialize import paste_fragment
from netbuilder.ui.commands import EditCommand
from netbuilder.ui.canvas.nodes import DETAIL_ZOOM, WIDTH, NodeItem
from netbuilder.ui.canvas.scene import GraphScene
from netbuilder.ui.canvas.view import BLOCK_MIME, LAYER_MIME, GraphView

FRAGMENT_MIME = "application/x-netbuilder-fragment"
PASTE_OFFSET = (40.0, 40.0)
E = TypeVar("E", bound=edits.GraphEdit)


class GraphEditor(QWidget):
    """Canvas of one graph; every change goes through the shared undo stack."""

    message = Signal(str)  # a short note for the status bar (refused wires, nothing to paste ...)
    selection_changed = Signal()

    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph, self.undo_stack = graph, undo_stack
        self.scene = GraphScene(graph, self)
        self.view = GraphView(self.scene, self)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.view)
        self.scene.nodes_moved.connect(self._on_moved)
        self.scene.wire_requested.connect(self.connect_ports)
        self.scene.group_toggle_requested.connect(self.toggle_group)
        self.scene.selectionChanged.connect(self.selection_changed)
        self.view.dropped.connect(self._on_drop)

    def push(self, edit: E) -> E:
        """Apply ``edit`` to this graph as one undo step; returns it (with the ids it made)."""
        self.undo_stack.push(EditCommand(edit, self.graph))
        return edit

    def close_editor(self) -> None:
        self.scene.detach()

    def set_analysis(self, analysis: Analysis) -> None:
        self.scene.set_analysis(analysis)

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid changes from the canvas: selecting, dragging, wiring, deleting and drops."""
        self.view.setInteractive(editable)
        self.view.setAcceptDrops(editable)

    def add_banner(self, widget: QWidget) -> None:
        """Show ``widget`` in a strip above the canvas (the training lock's notice)."""
        self._layout.insertWidget(0, widget)

    def add_footer(self, widget: QWidget) -> None:
        """Show ``widget`` in a strip below the canvas (the gradient legend)."""
        self._layout.addWidget(widget)

    def node_item(self, node_id: str) -> NodeItem | None:
        """The canvas item of a node (overlays paint on it), or None for a node it does not show."""
        return self.scene.node_items.get(node_id)

    def node_items(self) -> list[NodeItem]:
        return list(self.scene.node_items.values())

    def fit_all(self) -> None:
        """Zoom and scroll so the whole graph shows."""
        self.view.fit_all()

    # ---- adding ----------------------------------------------------------------------------------
    def add_layer(self, layer_type: str, position: tuple[float, float] | None = None) -> str:
        """Add a layer (at the view centre by default, clear of other nodes); returns its id."""
        if position is None:
            c = self.view.centre()
            position = self._free_spot(c.x() - WIDTH / 2, c.y() - 30)
        add = self.push(edits.AddNode(layer_type, position))
        self.scene.select_nodes([add.node_id])
        return add.node_id

    def _free_spot(self, x: float, y: float) -> tuple[float, float]:
        taken = {(round(n.position[0]), round(n.position[1])) for n in self.graph.nodes.values()}
        while (round(x), round(y)) in taken:
            x, y = x + 30, y + 30
        return x, y

    def _on_drop(self, mime: str, data: bytes, pos: QPointF) -> None:
        if mime == LAYER_MIME:
            self.add_layer(data.decode(), (pos.x() - WIDTH / 2, pos.y() - 20))
        elif mime == BLOCK_MIME:
            block = json.loads(data.decode())
            self.insert_block(block["name"], block["fragment"], (pos.x(), pos.y()))

    def insert_block(self, name: str, fragment: dict[str, Any], at: tuple[float, float]) -> list[str]:
        """Paste a saved block at ``at`` and group it under its name, as one undo step."""
        offset = self._offset_to(fragment, at)
        self.undo_stack.beginMacro(f"Insert block {name}")
        paste = self.push(edits.Paste(fragment, offset, f"Insert {name}"))
        if paste.node_ids:
            self.push(edits.GroupNodes(name, paste.node_ids))
        self.undo_stack.endMacro()
        self.scene.select_nodes(paste.node_ids)
        return paste.node_ids

    @staticmethod
    def _offset_to(fragment: dict[str, Any], at: tuple[float, float]) -> tuple[float, float]:
        xs = [n["position"][0] for n in fragment.get("nodes", [])] or [0.0]
        ys = [n["position"][1] for n in fragment.get("nodes", [])] or [0.0]
        return at[0] - min(xs), at[1] - min(ys)

    # ---- wiring ----------------------------------------------------------------------------------
    def connect_ports(self, source: str, source_port: str, target: str, target_port: str) -> bool:
        """Wire two ports; a refusal becomes a message, never an exception."""
        try:
            self.graph.check_connect(source, source_port, target, target_port)
        except ConnectionRefused as exc:
            self.message.emit(f"Wire refused: {exc}")
            return False
        self.push(edits.Connect(source, source_port, target, target_port))
        return True

    # ---- moving ----------------------------------------------------------------------------------
    def _on_moved(self, moves: dict) -> None:
        n = len(moves)
        self.push(edits.MoveNodes(moves, f"Move {n} layer{'s' * (n != 1)}"))

    def auto_layout(self) -> None:
        """Left to right by depth, wrapped into rows that fit the view, as one undo step."""
        size = self.view.viewport().size()
        positions = banded_positions(self.graph, max(0.5, size.width() / max(1, size.height())))
        moves = {nid: (self.graph.nodes[nid].position, pos) for nid, pos in positions.items()
                 if self.graph.nodes[nid].position != pos}
        if moves:
            self.push(edits.MoveNodes(moves, "Auto-layout"))
        self.view.fit_all()

    # ---- selection edits -------------------------------------------------------------------------
    def selected_ids(self) -> list[str]:
        """Selected nodes, plus every layer of a selected block."""
        ids = dict.fromkeys(self.scene.selected_node_ids())
        for gid in self.scene.selected_group_ids():
            ids.update(dict.fromkeys(self.graph.group_members(gid)))
        return list(ids)

    def delete_selection(self) -> None:
        nodes = self.selected_ids()
        edges = [e for e in self.scene.selected_edge_ids()
                 if self.graph.edges[e].source not in nodes and self.graph.edges[e].target not in nodes]
        if not nodes and not edges:
            return
        self.undo_stack.beginMacro("Delete")
        for eid in edges:
            self.push(edits.Disconnect(eid))
        if nodes:
            self.push(edits.RemoveNodes(nodes))
        self.undo_stack.endMacro()

    def copy(self) -> bool:
        ids = self.selected_ids()
        if not ids:
            self.message.emit("Nothing selected to copy")
            return False
        text = json.dumps(self.graph.fragment(ids))
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME, text.encode())
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        return True

    def paste(self) -> list[str]:
        """Paste layers copied here or in another project, centred in the view."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(FRAGMENT_MIME):
            self.message.emit("The clipboard holds no layers to paste")
            return []
        fragment = json.loads(bytes(mime.data(FRAGMENT_MIME).data()).decode())
        c = self.view.centre()
        return self._paste(fragment, self._offset_to(fragment, (c.x() - WIDTH / 2, c.y() - 40)), "Paste")

    def duplicate(self) -> list[str]:
        ids = self.selected_ids()
        if not ids:
            self.message.emit("Select layers to duplicate")
            return []
        return self._paste(self.graph.fragment(ids), PASTE_OFFSET, "Duplicate")

    def _paste(self, fragment: dict[str, Any], offset: tuple[float, float], text: str) -> list[str]:
        try:  # try a damaged clipboard on a scratch graph first: a command must not fail inside redo()
            paste_fragment(Graph("scratch"), fragment, offset)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.message.emit(f"Cannot paste: {exc}")
            return []
        paste = self.push(edits.Paste(fragment, offset, text))
        self.scene.select_nodes(paste.node_ids)
        return paste.node_ids

    def select_all(self) -> None:
        self.scene.select_nodes(self.graph.nodes)

    # ---- blocks ----------------------------------------------------------------------------------
    def group_selection(self, name: str) -> str | None:
        ids = self.selected_ids()
        if not ids:
            self.message.emit("Select the layers to group into a block")
            return None
        group = self.push(edits.GroupNodes(name, ids))
        self.scene.clearSelection()
        self.scene.group_items[group.group_id].setSelected(True)
        return group.group_id

    def current_group(self) -> str | None:
        """The selected block, or the block of the first selected layer."""
        groups = self.scene.selected_group_ids()
        if groups:
            return groups[0]
        for nid in self.scene.selected_node_ids():
            if self.graph.nodes[nid].group is not None:
                return self.graph.nodes[nid].group
        return None

    def ungroup(self) -> bool:
        gid = self.current_group()
        if gid is None:
            self.message.emit("Select a block to ungroup")
            return False
        members = self.graph.group_members(gid)
        self.push(edits.Ungroup(gid))
        self.scene.select_nodes(members)
        return True

    def toggle_group(self, gid: str) -> None:
        if gid in self.graph.groups:
            collapsed = not self.graph.groups[gid].collapsed
            self.push(edits.UpdateGroup(gid, collapsed=collapsed))

    def block_fragment(self, gid: str) -> dict[str, Any]:
        return self.graph.fragment(self.graph.group_members(gid))

    # ---- navigation ------------------------------------------------------------------------------
    def select_and_centre(self, node_id: str) -> None:
        if node_id not in self.scene.node_items:
            return
        self.scene.select_nodes([node_id])
        gid = self.scene.collapsed_group_of(node_id)
        block = self.scene.group_items.get(gid) if gid else None
        item: QGraphicsItem = block if block is not None else self.scene.node_items[node_id]
        if block is not None:
            block.setSelected(True)
        if self.view.zoom < DETAIL_ZOOM:  # too far out to read it: come close enough
            self.view.set_zoom(1.0)
        self.view.centerOn(item.sceneBoundingRect().center())
