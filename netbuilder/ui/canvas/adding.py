"""`LayerAdding`: the editor's half that adds new layers — placed clear of other nodes, and wired in
when the user's gesture says where (after the selected node, from a wire let go on empty canvas, into the
middle of a wire). Each gesture is one undo step, made of the pure edits of `netbuilder.graph.edits`.

`GraphEditor` is built on it; what it needs from the editor is declared below.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QUndoStack
from PySide6.QtWidgets import QWidget

from netbuilder.graph import edits
from netbuilder.graph.catalog import CATALOG, LayerSpec
from netbuilder.graph.layout import COLUMN
from netbuilder.graph.model import ConnectionRefused, Graph
from netbuilder.graph.serialize import paste_fragment
from netbuilder.ui.canvas.bubble import Bubble
from netbuilder.ui.canvas.nodes import WIDTH
from netbuilder.ui.canvas.picker import LayerPicker
from netbuilder.ui.canvas.placement import Rect, beside, free_offset, free_spot, layer_size, node_rect
from netbuilder.ui.canvas.scene import GraphScene
from netbuilder.ui.canvas.view import GraphView
from netbuilder.ui.canvas.wiring import (PortRef, after_fits, first_input, first_output, free_output, output_shape,
                                         takes)

FRAGMENT_MIME = "application/x-netbuilder-fragment"
E = TypeVar("E", bound=edits.GraphEdit)


class LayerAdding(QWidget):
    """Adding, pasting and duplicating layers, and wiring new ones in."""

    message = Signal(str)  # a short note for the status bar (refused wires, nothing to paste ...)

    graph: Graph
    undo_stack: QUndoStack
    scene: GraphScene
    view: GraphView
    bubble: Bubble
    picker: LayerPicker | None

    def push(self, edit: E) -> E:
        raise NotImplementedError

    def selected_ids(self) -> list[str]:
        raise NotImplementedError

    # ---- where -----------------------------------------------------------------------------------
    def _taken(self) -> list[Rect]:
        """Where nodes (and collapsed blocks) are: the places a new node keeps clear of."""
        rects = [node_rect(self.graph, nid) for nid in self.graph.nodes]
        for item in self.scene.group_items.values():
            if item.isVisible() and item.collapsed:
                r = item.rect
                rects.append(Rect(r.x(), r.y(), r.width(), r.height()))
        return rects

    def _selected_node(self) -> str | None:
        ids = self.scene.selected_node_ids()
        return ids[0] if len(ids) == 1 and not self.scene.selected_group_ids() else None

    def _free_spot(self, layer_type: str, at: tuple[float, float]) -> tuple[float, float]:
        return free_spot(layer_size(layer_type), at, self._taken())

    def _cursor_point(self) -> QPointF | None:
        """The mouse pointer in scene coordinates while it is over this canvas, else None."""
        pos = self.view.viewport().mapFromGlobal(QCursor.pos())
        return self.view.mapToScene(pos) if self.view.viewport().rect().contains(pos) else None

    # ---- one layer -------------------------------------------------------------------------------
    def add_layer(self, layer_type: str, position: tuple[float, float] | None = None,
                  wire_after: bool = False) -> str:
        """Add a layer and select it; returns its id.

        Without a ``position`` it goes beside the selected node, else in the middle of the view; either
        way clear of every other node. With ``wire_after``, a selected node with a free output is wired
        into it when the types fit, in the same undo step (double-clicks in the palette build a chain).
        """
        selected = self._selected_node()
        if position is None:
            if selected is not None:
                position = beside(node_rect(self.graph, selected))
            else:
                c = self.view.centre()
                w, h = layer_size(layer_type)
                position = (c.x() - w / 2, c.y() - h / 2)
        position = self._free_spot(layer_type, position)
        port = free_output(self.graph, selected) if wire_after and selected is not None else None
        source = PortRef(selected, port, True) if selected is not None and port is not None else None
        into = after_fits(self.graph, self.scene.analysis, source, layer_type) if source is not None else None
        if source is None or into is None:
            add = self.push(edits.AddNode(layer_type, position))
            self.scene.select_nodes([add.node_id])
            return add.node_id
        name = self.graph.nodes[source.node_id].name
        self.undo_stack.beginMacro(f"Add {layer_type} after {name}")
        add = self.push(edits.AddNode(layer_type, position))
        self.push(edits.Connect(source.node_id, source.port, add.node_id, into))
        self.undo_stack.endMacro()
        self.scene.select_nodes([add.node_id])
        self.message.emit(f"Added {layer_type} after '{name}' and wired it (Undo takes both back)")
        return add.node_id

    def add_wired(self, layer_type: str, end: PortRef, at: QPointF) -> str:
        """Add ``layer_type`` at ``at``, wired to ``end``, as one undo step.

        An output ``end`` feeds the new layer's first input; an input ``end`` is fed by its first output.
        When there is no such port, or the graph refuses the wire, the layer is still added and the reason
        is said beside it."""
        w, h = layer_size(layer_type)
        corner = (at.x(), at.y() - h / 2) if end.is_output else (at.x() - w, at.y() - h / 2)
        position = self._free_spot(layer_type, corner)
        port = first_input(layer_type) if end.is_output else first_output(layer_type)
        refused = "it has no port to wire" if port is None else ""
        self.undo_stack.beginMacro(f"Add {layer_type}")
        add = self.push(edits.AddNode(layer_type, position))
        if port is not None:
            ends = ((end.node_id, end.port, add.node_id, port) if end.is_output
                    else (add.node_id, port, end.node_id, end.port))
            try:
                self.graph.check_connect(*ends)
                self.push(edits.Connect(*ends))
            except ConnectionRefused as exc:
                refused = str(exc)
        self.undo_stack.endMacro()
        self.scene.select_nodes([add.node_id])
        if refused:
            self.say(f"{layer_type} added but not wired: {refused}", at)
        return add.node_id

    def insert_on_wire(self, edge_id: str, layer_type: str) -> str | None:
        """Put a new ``layer_type`` in the middle of a wire (source → new layer → target), as one undo step."""
        edge = self.graph.edges.get(edge_id)
        into, out = first_input(layer_type), first_output(layer_type)
        if edge is None or into is None or out is None:
            self.message.emit(f"{layer_type} cannot go on a wire: it needs an input and an output")
            return None
        a, b = self.graph.nodes[edge.source].position, self.graph.nodes[edge.target].position
        position = self._free_spot(layer_type, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2))
        self.undo_stack.beginMacro(f"Insert {layer_type}")
        add = self.push(edits.AddNode(layer_type, position))
        self.push(edits.Disconnect(edge_id))
        self.push(edits.Connect(edge.source, edge.source_port, add.node_id, into))
        self.push(edits.Connect(add.node_id, out, edge.target, edge.target_port))
        self.undo_stack.endMacro()
        self.scene.select_nodes([add.node_id])
        return add.node_id

    # ---- pasting -----------------------------------------------------------------------------------
    @staticmethod
    def _offset_to(fragment: dict[str, Any], at: tuple[float, float]) -> tuple[float, float]:
        xs = [n["position"][0] for n in fragment.get("nodes", [])] or [0.0]
        ys = [n["position"][1] for n in fragment.get("nodes", [])] or [0.0]
        return at[0] - min(xs), at[1] - min(ys)

    def _clear_offset(self, fragment: dict[str, Any], preferred: tuple[float, float]) -> tuple[float, float]:
        """The offset nearest ``preferred`` at which no pasted node lands on a node already here."""
        shapes = []
        for n in fragment.get("nodes", []) if isinstance(fragment, dict) else []:
            try:
                w, h = layer_size(n["type"])
                shapes.append(Rect(float(n["position"][0]), float(n["position"][1]), w, h))
            except (KeyError, TypeError, ValueError, IndexError):
                continue  # a damaged entry: the paste itself reports it
        return free_offset(shapes, self._taken(), preferred) if shapes else preferred

    def insert_block(self, name: str, fragment: dict[str, Any], at: tuple[float, float]) -> list[str]:
        """Paste a saved block at ``at`` (clear of other nodes) and group it under its name, as one undo step."""
        offset = self._clear_offset(fragment, self._offset_to(fragment, at))
        self.undo_stack.beginMacro(f"Insert block {name}")
        paste = self.push(edits.Paste(fragment, offset, f"Insert {name}"))
        if paste.node_ids:
            self.push(edits.GroupNodes(name, paste.node_ids))
        self.undo_stack.endMacro()
        self.scene.select_nodes(paste.node_ids)
        return paste.node_ids

    def paste(self, at: QPointF | None = None) -> list[str]:
        """Paste layers copied here or in another project: at ``at``, else at the mouse when it is over the
        canvas, else in the middle of the view; clear of the nodes already there."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(FRAGMENT_MIME):
            self.message.emit("The clipboard holds no layers to paste")
            return []
        try:
            fragment = json.loads(bytes(mime.data(FRAGMENT_MIME).data()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            self.message.emit(f"Cannot paste: {exc}")
            return []
        point = at or self._cursor_point()
        if point is None:
            c = self.view.centre()
            point = QPointF(c.x() - WIDTH / 2, c.y() - 40)
        preferred = self._offset_to(fragment, (point.x(), point.y())) if isinstance(fragment, dict) else (0.0, 0.0)
        return self._paste(fragment, self._clear_offset(fragment, preferred), "Paste")

    def duplicate(self) -> list[str]:
        """A copy of the selection (with its inner wires) just below it, clear of other nodes."""
        ids = self.selected_ids()
        if not ids:
            self.message.emit("Select layers to duplicate")
            return []
        fragment = self.graph.fragment(ids)
        rects = [node_rect(self.graph, i) for i in ids]
        below = max(r.y + r.h for r in rects) - min(r.y for r in rects) + 2 * 20.0
        return self._paste(fragment, self._clear_offset(fragment, (0.0, below)), "Duplicate")

    def _paste(self, fragment: dict[str, Any], offset: tuple[float, float], text: str) -> list[str]:
        try:  # try a damaged clipboard on a scratch graph first: a command must not fail inside redo()
            paste_fragment(Graph("scratch"), fragment, offset)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self.message.emit(f"Cannot paste: {exc}")
            return []
        paste = self.push(edits.Paste(fragment, offset, text))
        self.scene.select_nodes(paste.node_ids)
        return paste.node_ids

    # ---- wiring ------------------------------------------------------------------------------------
    def connect_ports(self, source: str, source_port: str, target: str, target_port: str) -> bool:
        """Wire two ports; a refusal is said beside the mouse (and in the status bar), never raised."""
        at, self.scene.wire_end = self.scene.wire_end, None
        try:
            self.graph.check_connect(source, source_port, target, target_port)
        except ConnectionRefused as exc:
            self.say(f"Wire refused: {exc}", at)
            return False
        self.push(edits.Connect(source, source_port, target, target_port))
        return True

    def disconnect_nodes(self, node_ids: list[str]) -> int:
        """Delete every wire into or out of these nodes, as one undo step; returns how many."""
        wires = list(dict.fromkeys(e.id for nid in node_ids for e in self.graph.edges_of(nid)))
        if wires:
            self.undo_stack.beginMacro(f"Disconnect {len(wires)} wire{'s' * (len(wires) != 1)}")
            for eid in wires:
                self.push(edits.Disconnect(eid))
            self.undo_stack.endMacro()
        return len(wires)

    def disconnect_wire(self, edge_id: str) -> None:
        if edge_id in self.graph.edges:
            self.push(edits.Disconnect(edge_id))

    def say(self, text: str, at: QPointF | None = None, error: bool = True) -> None:
        """A note beside scene point ``at`` (the middle of the view when None), and in the status bar."""
        self.message.emit(text)
        point = self.view.mapFromScene(at) if at is not None else self.view.viewport().rect().center()
        self.bubble.show_at(text, point, error)

    # ---- the layer list ------------------------------------------------------------------------------
    def open_picker(self, title: str, at: QPointF, layers: list[LayerSpec] | None = None,
                    fits: Callable[[LayerSpec], bool] | None = None) -> LayerPicker:
        """The searchable layer list, popped up at scene point ``at``."""
        if self.picker is not None:
            self.picker.close()
        picker = self.picker = LayerPicker(title, layers, fits, self)
        picker.destroyed.connect(lambda *_: self._forget_picker(picker))
        picker.popup_at(self.view.viewport().mapToGlobal(self.view.mapFromScene(at)))
        return picker

    def _forget_picker(self, picker: LayerPicker) -> None:
        if self.picker is picker:
            self.picker = None

    def _after_list(self, end: PortRef, title: str, at: QPointF) -> LayerPicker:
        shape = output_shape(self.scene.analysis, end)
        picker = self.open_picker(title, at, [s for s in CATALOG.values() if s.inputs],
                                  lambda s: takes(s.type, s.inputs[0].name, shape))
        picker.chosen.connect(lambda layer_type: self.add_wired(layer_type, end, at))
        return picker

    def on_wire_dropped(self, node_id: str, port: str, is_output: bool, at: QPointF) -> LayerPicker:
        """A wire let go on empty canvas: the layers that can take it, the chosen one wired in there."""
        end = PortRef(node_id, port, is_output)
        name = self.graph.nodes[node_id].name
        if is_output:
            return self._after_list(end, f"Add a layer after '{name}'", at)
        picker = self.open_picker(f"Add a layer feeding '{name}'", at, [s for s in CATALOG.values() if s.outputs])
        picker.chosen.connect(lambda layer_type: self.add_wired(layer_type, end, at))
        return picker

    def pick_layer_here(self, at: QPointF) -> LayerPicker:
        """Add layer here: a layer from the list, placed at ``at``."""
        picker = self.open_picker("Add a layer here", at)
        picker.chosen.connect(lambda layer_type: self.add_layer(layer_type, (at.x() - WIDTH / 2, at.y() - 20)))
        return picker

    def pick_layer_after(self, node_id: str) -> LayerPicker | None:
        """Add layer after: a layer from the list, wired to the node's free output."""
        port = free_output(self.graph, node_id)
        if port is None:
            return None
        rect = node_rect(self.graph, node_id)
        at = QPointF(rect.x + COLUMN, rect.y + rect.h / 2)
        return self._after_list(PortRef(node_id, port, True), f"Add a layer after '{self.graph.nodes[node_id].name}'",
                                at)

    def pick_layer_on_wire(self, edge_id: str, at: QPointF) -> LayerPicker | None:
        """Insert a layer on this wire: a layer from the list, put between the wire's ends."""
        edge = self.graph.edges.get(edge_id)
        if edge is None:
            return None
        shape = output_shape(self.scene.analysis, PortRef(edge.source, edge.source_port, True))
        layers = [s for s in CATALOG.values() if s.inputs and s.outputs and s.role == "layer"]
        picker = self.open_picker("Insert a layer on this wire", at, layers,
                                  lambda s: takes(s.type, s.inputs[0].name, shape))
        picker.chosen.connect(lambda layer_type: self.insert_on_wire(edge_id, layer_type))
        return picker
