"""A layer on the canvas (`NodeItem`) and its typed ports (`PortItem`).

Items keep no copy of the model: they know their node id and the text the
scene last gave them to draw. `GraphScene` refreshes them from the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from netbuilder.graph.layering import box_height
from netbuilder.ui.theme import font, theme

WIDTH = 150.0  # leaves 80 px between auto-layout columns (230) for a wire and its shape label
HEADER = 24.0
ROW = 17.0
PORT_R = 5.5
SNAP = 10.0
DETAIL_ZOOM = 0.45  # below this zoom nodes draw as plain boxes, wires as hairlines, ports are hidden

# Short names for key parameters, so a node's second line reads "ch 16 · k 3".
SHORT = {"out_features": "out", "out_channels": "ch", "kernel_size": "k", "stride": "s", "padding": "pad",
         "hidden_size": "hidden", "return_sequence": "seq", "num_embeddings": "vocab", "embedding_dim": "dim",
         "scale_factor": "×", "output_size": "size", "negative_slope": "slope", "num_heads": "heads",
         "nhead": "heads"}

NAME_FONT = font(9.5, bold=True)
TYPE_FONT = font(8.0)
BODY_FONT = font(8.5)
LEFT_MIDDLE = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
# Looked up once: Qt calls itemChange a dozen times for each node it adds, and every lookup of a Qt enum
# member costs Python time (a 100,000-node canvas makes over a million such calls).
NODE_FLAGS = (QGraphicsItem.GraphicsItemFlag.ItemIsMovable | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
              | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged


@dataclass
class NodeLook:
    """What a node item draws, worked out by the scene from the model and the analysis."""

    name: str = ""
    type: str = ""
    category: str = ""
    params: str = ""
    shape: str = ""
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    frozen: bool = False
    port_shapes: dict[tuple[str, bool], str] = field(default_factory=dict)  # (port, is_output) -> shape


def node_height(n_in: int, n_out: int) -> float:
    return box_height(n_in, n_out)  # the layout's own measure (HEADER + ROW per port, at least two, + 10)


def short_message(message: str, look: NodeLook) -> str:
    """A diagnostic without the "Linear 'fc1':" the node already shows; the tooltip has it all."""
    for prefix in (f"{look.type} '{look.name}':", f"{look.type} '{look.name}'"):
        if message.startswith(prefix):
            message = message[len(prefix):].strip()
            break
    return message[:1].upper() + message[1:]


def _header_path() -> QPainterPath:
    """The rounded top of a node, computed once: every node's header has the same shape."""
    head = QPainterPath()
    head.addRoundedRect(QRectF(1, 1, WIDTH - 2, 3 * HEADER), 6, 6)
    clip = QPainterPath()
    clip.addRect(QRectF(0, 0, WIDTH, HEADER))
    return head.intersected(clip)


HEADER_PATH = _header_path()
HEADER_RECT = QRectF(0, 0, WIDTH, HEADER)


class CanvasScene(Protocol):
    """What the canvas items ask of the scene they are on (`GraphScene` provides it)."""

    def begin_wire(self, port: PortItem, pos: QPointF) -> None: ...
    def move_wire(self, pos: QPointF) -> None: ...
    def end_wire(self, pos: QPointF) -> None: ...
    def node_item_moved(self, node_id: str) -> None: ...
    def node_double_clicked(self, node_id: str) -> None: ...
    def toggle_group(self, group_id: str) -> None: ...
    def drag_group(self, group_id: str, delta: QPointF) -> None: ...
    def commit_moves(self) -> None: ...


def canvas_of(item: QGraphicsItem) -> CanvasScene | None:
    """The canvas scene ``item`` is on; None while it is on none (being built or removed)."""
    # Imported here: the scene module imports this one. A class check, not a Protocol isinstance:
    # this runs for every node moved in a drag, and a Protocol check costs ~150 times more.
    from netbuilder.ui.canvas.scene import GraphScene

    scene = item.scene()
    return scene if isinstance(scene, GraphScene) else None


class PortItem(QGraphicsItem):
    """A typed input or output port; drag from it to draw a wire."""

    def __init__(self, parent: NodeItem, name: str, is_output: bool) -> None:
        super().__init__(parent)
        self.owner = parent
        self._set_up(name, is_output)

    def _set_up(self, name: str, is_output: bool) -> None:
        """What every port starts with (a collapsed block's ports too, whose parent is no NodeItem)."""
        self.name, self.is_output = name, is_output
        self.connected = False
        self.state = ""  # "" normal, "ok" a compatible target while wiring, "off" an incompatible one
        self.hovered = False
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)

    @property
    def node_id(self) -> str:
        return self.owner.node_id

    def boundingRect(self) -> QRectF:
        r = PORT_R + 4
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme()
        accent = t.category(self.owner.look.category)
        r = PORT_R + (2 if self.hovered or self.state == "ok" else 0)
        if self.state == "ok":
            painter.setPen(Qt.PenStyle.NoPen)
            glow = QColor(t.wire_ok)
            glow.setAlpha(90)
            painter.setBrush(glow)
            painter.drawEllipse(QPointF(0, 0), r + 3, r + 3)
        colour = t.wire_ok if self.state == "ok" else (t.grid if self.state == "off" else accent)
        painter.setPen(QPen(colour, 2))
        painter.setBrush(colour if self.connected or self.hovered else t.node)
        painter.drawEllipse(QPointF(0, 0), r, r)

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.update()

    # A press here starts a wire; the scene's WireDrag does the rest while this item grabs the mouse.
    def mousePressEvent(self, event) -> None:
        canvas = canvas_of(self)
        if event.button() == Qt.MouseButton.LeftButton and canvas is not None:
            canvas.begin_wire(self, event.scenePos())
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event) -> None:
        canvas = canvas_of(self)
        if canvas is not None:
            canvas.move_wire(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        canvas = canvas_of(self)
        if canvas is not None:
            canvas.end_wire(event.scenePos())


class NodeItem(QGraphicsItem):
    """One layer: name, type, key parameters and output shape; red with the message when wrong."""

    def __init__(self, node_id: str) -> None:
        super().__init__()
        self.node_id = node_id
        self.look = NodeLook()
        self.height = node_height(1, 1)
        self._rect = QRectF(0, 0, WIDTH, self.height)
        self._bounds = self._rect.adjusted(-3, -3, 3, 3)
        self.ports: dict[tuple[str, bool], PortItem] = {}
        self.snap = False
        # Training overlay (gradient flow): a tint, a short badge and a tooltip line; None when off.
        self.overlay_colour: QColor | None = None
        self.overlay_badge = ""
        self.overlay_warning = False
        self.overlay_tooltip = ""
        self.setFlags(NODE_FLAGS)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)

    # ---- what to draw --------------------------------------------------------------------------
    def set_look(self, look: NodeLook) -> None:
        if look == self.look and self.ports:
            return  # nothing to redraw: big graphs re-analyse without repainting every node
        if (look.inputs, look.outputs) != (self.look.inputs, self.look.outputs) or not self.ports:
            self._build_ports(look)
        self.look = look
        for (name, is_out), port in self.ports.items():
            shape = look.port_shapes.get((name, is_out))
            flow = f" — {'gives' if is_out else 'receives'} {shape}" if shape else ""
            port.setToolTip(f"{'output' if is_out else 'input'} '{name}'{flow}\ndrag from here to draw a wire")
        self._update_tooltip()
        self.update()

    def _update_tooltip(self) -> None:
        problems = self.look.errors or self.look.warnings
        lines = ([self.overlay_tooltip] if self.overlay_tooltip else []) + list(problems)
        self.setToolTip("\n".join(lines))

    # ---- training overlay ----------------------------------------------------------------------
    def set_overlay(self, colour: QColor | None, badge: str = "", tooltip: str = "", warning: bool = False) -> None:
        """Tint the node (gradient flow while training) and show ``badge`` above it; red when ``warning``."""
        if (colour, badge, warning) == (self.overlay_colour, self.overlay_badge, self.overlay_warning):
            if tooltip != self.overlay_tooltip:  # new figures, same look: no repaint needed
                self.overlay_tooltip = tooltip
                self._update_tooltip()
            return
        self.prepareGeometryChange()  # the badge sits above the node, outside the plain bounds
        self.overlay_colour, self.overlay_badge, self.overlay_tooltip = colour, badge, tooltip
        self.overlay_warning = warning
        self._bounds = self._rect.adjusted(-3, -22 if badge else -3, 3, 3)
        self._update_tooltip()
        self.update()

    def clear_overlay(self) -> None:
        self.set_overlay(None)

    def _paint_overlay(self, painter: QPainter, t) -> None:
        if self.overlay_colour is not None:
            body = QColor(self.overlay_colour)
            body.setAlpha(110)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(body)
            painter.drawRoundedRect(QRectF(1, HEADER, WIDTH - 2, self.height - HEADER - 1), 6, 6)
            painter.setBrush(self.overlay_colour)
            painter.drawRect(QRectF(1, self.height - 5, WIDTH - 2, 4))
        if self.overlay_badge:
            painter.setFont(TYPE_FONT)
            w = QFontMetrics(TYPE_FONT).horizontalAdvance(self.overlay_badge) + 12
            pill = QRectF(WIDTH - w - 4, -19, w, 16)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.error if self.overlay_warning else t.node_border)
            painter.drawRoundedRect(pill, 8, 8)
            painter.setPen(QColor("white") if self.overlay_warning else t.text)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, self.overlay_badge)

    def _build_ports(self, look: NodeLook) -> None:
        for port in self.ports.values():
            port.setParentItem(None)  # type: ignore[arg-type]  # None detaches it; the stub omits None
            if port.scene() is not None:
                port.scene().removeItem(port)
        self.prepareGeometryChange()
        self.height = node_height(len(look.inputs), len(look.outputs))
        self._rect = QRectF(0, 0, WIDTH, self.height)
        self._bounds = self._rect.adjusted(-3, -3, 3, 3)
        self.ports = {}
        for names, is_out in ((look.inputs, False), (look.outputs, True)):
            for i, name in enumerate(names):
                port = PortItem(self, name, is_out)
                port.setPos(WIDTH if is_out else 0.0, self.port_y(i, len(names)))
                self.ports[(name, is_out)] = port

    def port_y(self, index: int, count: int) -> float:
        body = self.height - HEADER
        return HEADER + body * (index + 1) / (count + 1)

    def port(self, name: str, is_output: bool) -> PortItem | None:
        return self.ports.get((name, is_output))

    # ---- geometry and painting -----------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds

    def set_detail(self, full: bool) -> None:
        """Ports only matter close up; hiding them far out saves a paint call per port."""
        for port in self.ports.values():
            port.setVisible(full)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, WIDTH, self.height), 7, 7)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t, look = theme(), self.look
        accent = t.error if look.errors else t.category(look.category)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL_ZOOM:
            # Zoomed far out: plain boxes, which keeps a 1,000-node overview smooth.
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(t.selected if self.isSelected() else (t.error if look.errors else t.node_border))
            painter.drawRect(self._rect)
            painter.setBrush(accent)
            painter.drawRect(HEADER_RECT)
            if self.overlay_colour is not None:
                painter.setBrush(self.overlay_colour)
                painter.drawRect(QRectF(0, HEADER, WIDTH, self.height - HEADER))
            return
        rect = self._rect
        if look.errors:
            border, width = t.error, 2.0
        elif self.isSelected():
            border, width = t.selected, 2.0
        else:
            border, width = t.node_border, 1.0
        painter.setPen(QPen(border, width))
        painter.setBrush(t.node)
        painter.drawRoundedRect(rect, 7, 7)
        # The header is tinted with the category colour, clipped to the rounded top.
        tint = QColor(accent)
        tint.setAlpha(70 if t.dark else 45)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawPath(HEADER_PATH)
        painter.setBrush(accent)
        painter.drawRect(QRectF(1, HEADER - 2, WIDTH - 2, 2))
        if self.overlay_colour is not None or self.overlay_badge:
            self._paint_overlay(painter, t)
        self._paint_text(painter, t)
        if self.isSelected() and look.errors:
            painter.setPen(QPen(t.selected, 1.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(-3, -3, 3, 3), 9, 9)

    def _paint_text(self, painter: QPainter, t) -> None:
        look = self.look
        painter.setFont(TYPE_FONT)
        fm_type = QFontMetrics(TYPE_FONT)
        name_nat = QFontMetrics(NAME_FONT).horizontalAdvance(look.name)
        type_w = min(fm_type.horizontalAdvance(look.type) + 2, max(WIDTH * 0.4, WIDTH - 22 - name_nat))
        painter.setPen(t.muted)
        painter.drawText(QRectF(WIDTH - 10 - type_w, 0, type_w, HEADER - 2),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         fm_type.elidedText(look.type, Qt.TextElideMode.ElideRight, int(type_w)))
        painter.setFont(NAME_FONT)
        painter.setPen(t.text)
        name_w = WIDTH - 20 - type_w
        painter.drawText(QRectF(10, 0, name_w, HEADER - 2), LEFT_MIDDLE,
                         QFontMetrics(NAME_FONT).elidedText(look.name, Qt.TextElideMode.ElideRight, int(name_w)))
        painter.setFont(BODY_FONT)
        fm = QFontMetrics(BODY_FONT)
        indent = 10.0
        if len(look.inputs) > 1:  # name the ports of merges and losses beside them
            painter.setFont(TYPE_FONT)
            painter.setPen(t.muted)
            for i, name in enumerate(look.inputs):
                y = self.port_y(i, len(look.inputs))
                painter.drawText(QRectF(10, y - 8, 44, 16), LEFT_MIDDLE, name)
            indent = 52.0
            painter.setFont(BODY_FONT)
        avail = int(WIDTH - indent - 10)
        y = HEADER + 3
        if look.params:
            painter.setPen(t.text)
            painter.drawText(QRectF(indent, y, avail, ROW), LEFT_MIDDLE,
                             fm.elidedText(look.params, Qt.TextElideMode.ElideRight, avail))
            y += ROW
        if look.errors:
            painter.setPen(t.error)
            text = "⚠ " + short_message(look.errors[0], look)
        elif look.shape:
            painter.setPen(t.muted)
            text = look.shape
        else:
            text = ""
        if text:
            painter.drawText(QRectF(indent, y, avail, ROW), LEFT_MIDDLE,
                             fm.elidedText(text, Qt.TextElideMode.ElideRight, avail))
            y += ROW
        if look.frozen:
            painter.setPen(t.muted)
            painter.drawText(QRectF(indent, y, avail, ROW), LEFT_MIDDLE, "❄ frozen")

    # ---- moving --------------------------------------------------------------------------------
    def itemChange(self, change, value):
        if change == POSITION_CHANGE and self.snap:
            return QPointF(round(value.x() / SNAP) * SNAP, round(value.y() / SNAP) * SNAP)
        if change == POSITION_CHANGED:
            canvas = canvas_of(self)
            if canvas is not None:
                canvas.node_item_moved(self.node_id)
        elif change == SELECTED_CHANGED:
            self.setZValue(1.5 if value else 1)
        return value  # what QGraphicsItem.itemChange returns; calling it through the binding costs a node's build

    def mouseDoubleClickEvent(self, event) -> None:
        canvas = canvas_of(self)
        if canvas is not None:
            canvas.node_double_clicked(self.node_id)
        super().mouseDoubleClickEvent(event)
