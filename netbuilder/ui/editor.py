"""`GraphEditor`: one graph's canvas plus the edits a user makes on it, as undo commands.

Adding, pasting and wiring in new layers live in `netbuilder.ui.canvas.adding` (its base class); the
right-click menus in `netbuilder.ui.canvas.menus`.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from PySide6.QtCore import QMimeData, QPoint, QPointF, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QMenu, QVBoxLayout, QWidget

from netbuilder.graph import edits
from netbuilder.graph.analysis import Analysis
from netbuilder.graph.layout import banded_positions
from netbuilder.graph.model import Graph
from netbuilder.graph.room import room_to_expand
from netbuilder.ui.canvas.adding import FRAGMENT_MIME, LayerAdding
from netbuilder.ui.canvas.bubble import Bubble
from netbuilder.ui.canvas.groups import PAD, TITLE
from netbuilder.ui.canvas.menus import build_context_menu
from netbuilder.ui.canvas.nodes import DETAIL_ZOOM, WIDTH, NodeItem
from netbuilder.ui.canvas.picker import LayerPicker
from netbuilder.ui.canvas.scene import GraphScene
from netbuilder.ui.canvas.view import BLOCK_MIME, LAYER_MIME, GraphView
from netbuilder.ui.commands import EditCommand

__all__ = ["FRAGMENT_MIME", "GraphEditor"]
E = TypeVar("E", bound=edits.GraphEdit)


class GraphEditor(LayerAdding):
    """Canvas of one graph; every change goes through the shared undo stack."""

    selection_changed = Signal()
    inspect_requested = Signal(str, str)  # node or block id, the inspector field to focus ("" for none)
    group_requested = Signal()  # the user asked to make the selection a block (the window asks its name)

    def __init__(self, graph: Graph, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graph, self.undo_stack = graph, undo_stack
        self.scene = GraphScene(graph, self)
        self.view = GraphView(self.scene, self)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.view)
        self.bubble = Bubble(self.view.viewport())
        self.picker: LayerPicker | None = None  # the layer list while it is open
        self.context_menu: QMenu | None = None  # the last right-click menu
        self.editable = True
        self.scene.nodes_moved.connect(self._on_moved)
        self.scene.wire_requested.connect(self.connect_ports)
        self.scene.wire_dropped.connect(self.on_wire_dropped)
        self.scene.group_toggle_requested.connect(self.toggle_group)
        self.scene.selectionChanged.connect(self.selection_changed)
        self.view.dropped.connect(self._on_drop)
        self.view.context_requested.connect(self._on_context)

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
        self.editable = editable
        self.view.setInteractive(editable)
        self.view.setAcceptDrops(editable)
        if not editable and self.picker is not None:
            self.picker.close()

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

    def _on_drop(self, mime: str, data: bytes, pos: QPointF) -> None:
        if mime == LAYER_MIME:
            self.add_layer(data.decode(), (pos.x() - WIDTH / 2, pos.y() - 20))
        elif mime == BLOCK_MIME:
            block = json.loads(data.decode())
            self.insert_block(block["name"], block["fragment"], (pos.x(), pos.y()))

    def _on_context(self, point: QPoint) -> None:
        """A right click at viewport ``point``: the menu for what is under it."""
        if self.context_menu is not None:
            self.context_menu.deleteLater()
        self.context_menu = build_context_menu(self, point)
        self.context_menu.popup(self.view.viewport().mapToGlobal(point))

    # ---- moving ----------------------------------------------------------------------------------
    def _on_moved(self, moves: dict) -> None:
        n = len(moves)
        self.push(edits.MoveNodes(moves, f"Move {n} layer{'s' * (n != 1)}"))

    def auto_layout(self, direction: str = "right") -> None:
        """In layers flowing ``direction`` ("right" or "down"), wrapped into bands that fit the view, collapsed
        blocks as single boxes, as one undo step."""
        size = self.view.viewport().size()
        positions = banded_positions(self.graph, max(0.5, size.width() / max(1, size.height())), direction)
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
        """Collapse or expand a block; an expanded block pushes aside what its frame would cover (one step)."""
        if gid not in self.graph.groups:
            return
        collapsed = not self.graph.groups[gid].collapsed
        room = {} if collapsed else room_to_expand(self.graph, gid, PAD, TITLE)
        if not room:
            self.push(edits.UpdateGroup(gid, collapsed=collapsed))
            return
        self.undo_stack.beginMacro("Expand block")
        self.push(edits.MoveNodes({nid: (self.graph.nodes[nid].position, pos) for nid, pos in room.items()},
                                  "Make room"))
        self.push(edits.UpdateGroup(gid, collapsed=False))
        self.undo_stack.endMacro()

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
