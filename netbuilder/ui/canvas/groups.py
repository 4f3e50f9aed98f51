"""A block (named group of layers) on the canvas: a frame around its layers, or,
collapsed, one box with the block's external ports."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem

from netbuilder.graph.block_ports import BoundaryPort
from netbuilder.ui.canvas.nodes import (BODY_FONT, HEADER, NAME_FONT, PORT_R, ROW, TYPE_FONT, WIDTH, PortItem,
                                        canvas_of, node_height)
from netbuilder.ui.theme import theme

PAD = 14.0
TITLE = 24.0
TOGGLE = QRectF(6, 4, 16, 16)


class GroupItem(QGraphicsItem):
    """Drawn from a rectangle the scene computes from the member items; holds no model data."""

    def __init__(self, group_id: str) -> None:
        super().__init__()
        self.group_id = group_id
        self.rect = QRectF()
        self.name = ""
        self.collapsed = False
        self.summary = ""
        self.inputs: list[BoundaryPort] = []
        self.outputs: list[BoundaryPort] = []
        self.ports: list[BlockPortItem] = []  # shown while collapsed
        self.error = False
        self._drag_from: QPointF | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)

    def set_frame(self, rect: QRectF, name: str, collapsed: bool, summary: str,
                  inputs: list[BoundaryPort], outputs: list[BoundaryPort], error: bool) -> None:
        self.prepareGeometryChange()
        self.rect, self.name, self.collapsed, self.summary = rect, name, collapsed, summary
        if (inputs, outputs) != (self.inputs, self.outputs) or len(self.ports) != len(inputs) + len(outputs):
            for port in self.ports:
                port.setParentItem(None)  # type: ignore[arg-type]  # None detaches it; the stub omits None
                if port.scene() is not None:
                    port.scene().removeItem(port)
            self.ports = [BlockPortItem(self, ref) for ref in [*inputs, *outputs]]
        self.inputs, self.outputs, self.error = inputs, outputs, error
        for port in self.ports:
            slots = self.outputs if port.is_output else self.inputs
            port.setPos(self.anchor(slots.index(port.ref), len(slots), port.is_output))
            port.setVisible(collapsed)
        self.setZValue(1 if collapsed else -1)
        self.setToolTip(f"block '{name}' — {summary}\nclick ▸/▾ to collapse or expand; drag the title to move it")
        self.update()

    @staticmethod
    def collapsed_rect(top_left: QPointF, n_in: int, n_out: int) -> QRectF:
        return QRectF(top_left.x(), top_left.y(), WIDTH, node_height(n_in, n_out))

    def anchor(self, index: int, count: int, is_output: bool) -> QPointF:
        """Where the index-th external port of a collapsed block sits, in scene coordinates."""
        body = self.rect.height() - HEADER
        y = self.rect.top() + HEADER + body * (index + 1) / (count + 1)
        return QPointF(self.rect.right() if is_output else self.rect.left(), y)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-PORT_R - 3, -3, PORT_R + 3, 3)

    def shape(self) -> QPainterPath:
        """Expanded, only the title bar is the block's own: a rubber band drawn inside the frame
        selects layers, not the whole block (which Delete would then remove)."""
        path = QPainterPath()
        path.addRect(self.rect if self.collapsed else QRectF(self.rect.topLeft(), QSizeF(self.rect.width(), TITLE)))
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme()
        border = t.error if self.error else (t.selected if self.isSelected() else t.group_border)
        if self.collapsed:
            self._paint_collapsed(painter, t, border)
            return
        painter.setPen(QPen(border, 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(t.group_fill)
        painter.drawRoundedRect(self.rect, 10, 10)
        painter.setFont(NAME_FONT)
        painter.setPen(t.text)
        title = QRectF(self.rect.left() + 26, self.rect.top(), self.rect.width() - 32, TITLE)
        painter.drawText(title, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{self.name}")
        painter.setFont(TYPE_FONT)
        painter.setPen(t.muted)
        painter.drawText(title, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.summary)
        self._paint_toggle(painter, t, "▾")

    def _paint_collapsed(self, painter: QPainter, t, border: QColor) -> None:
        r = self.rect
        painter.setPen(QPen(border, 2 if self.error or self.isSelected() else 1.2))
        painter.setBrush(t.node)
        painter.drawRoundedRect(r, 7, 7)
        # Stacked-card edge: says "there is more inside" without words.
        painter.setPen(QPen(t.group_border, 1))
        painter.drawLine(QPointF(r.left() + 6, r.bottom() + 3), QPointF(r.right() - 6, r.bottom() + 3))
        painter.setPen(Qt.PenStyle.NoPen)
        tint = QColor(t.category("Blocks"))
        tint.setAlpha(70)
        painter.setBrush(tint)
        painter.drawRoundedRect(QRectF(r.left() + 1, r.top() + 1, r.width() - 2, HEADER - 2), 6, 6)
        painter.setFont(NAME_FONT)
        painter.setPen(t.text)
        fm = QFontMetrics(NAME_FONT)
        painter.drawText(QRectF(r.left() + 26, r.top(), r.width() - 34, HEADER - 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(self.name, Qt.TextElideMode.ElideRight, int(r.width() - 34)))
        painter.setFont(BODY_FONT)
        painter.setPen(t.muted)
        painter.drawText(QRectF(r.left() + 10, r.top() + HEADER + 3, r.width() - 20, ROW),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.summary)
        self._paint_toggle(painter, t, "▸")

    def name_ports(self, layer_names: dict[str, str]) -> None:
        """Tooltips that say which layer inside each port belongs to."""
        for port in self.ports:
            ref = port.ref
            port.setToolTip(f"{'output' if ref.is_output else 'input'} '{ref.port}' of "
                            f"'{layer_names.get(ref.node_id, ref.node_id)}' inside this block\n"
                            "drag from here to draw a wire")

    def _paint_toggle(self, painter: QPainter, t, arrow: str) -> None:
        painter.setFont(TYPE_FONT)
        painter.setPen(t.muted)
        painter.drawText(TOGGLE.translated(self.rect.topLeft()), Qt.AlignmentFlag.AlignCenter, arrow)

    # ---- mouse: the title bar moves the block, the arrow collapses / expands it ----------------
    def _on_title(self, pos: QPointF) -> bool:
        top = self.rect.top()
        return top <= pos.y() <= top + (HEADER if self.collapsed else TITLE) or self.collapsed

    def mousePressEvent(self, event) -> None:
        pos = event.scenePos()
        if event.button() != Qt.MouseButton.LeftButton or not self._on_title(pos):
            event.ignore()
            return
        canvas = canvas_of(self)
        if canvas is not None and TOGGLE.translated(self.rect.topLeft()).adjusted(-3, -3, 3, 3).contains(pos):
            canvas.toggle_group(self.group_id)
            event.accept()
            return
        self._drag_from = pos
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._drag_from is None:
            return
        pos = event.scenePos()
        canvas = canvas_of(self)
        if canvas is not None:
            canvas.drag_group(self.group_id, pos - self._drag_from)
        self._drag_from = pos

    def mouseReleaseEvent(self, event) -> None:
        self._drag_from = None
        super().mouseReleaseEvent(event)
        canvas = canvas_of(self)
        if canvas is not None:
            canvas.commit_moves()

    def mouseDoubleClickEvent(self, event) -> None:
        canvas = canvas_of(self)
        if self.collapsed and canvas is not None:
            canvas.toggle_group(self.group_id)
        event.accept()


class BlockPortItem(PortItem):
    """A port of a collapsed block: the port of one layer inside it. A wire drawn from or to it is a wire of
    that layer (the drag is the same `WireDrag` as a layer port's)."""

    def __init__(self, block: GroupItem, ref: BoundaryPort) -> None:
        QGraphicsItem.__init__(self, block)
        self._set_up(ref.port, ref.is_output)
        self.block, self.ref = block, ref
        self.connected = True

    @property
    def node_id(self) -> str:
        return self.ref.node_id

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme()
        r = PORT_R + (2 if self.hovered or self.state == "ok" else 0)
        if self.state == "ok":
            glow = QColor(t.wire_ok)
            glow.setAlpha(90)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(glow)
            painter.drawEllipse(QPointF(0, 0), r + 3, r + 3)
        colour = t.wire_ok if self.state == "ok" else (t.grid if self.state == "off" else t.category("Blocks"))
        painter.setPen(QPen(colour, 2))
        painter.setBrush(colour)
        painter.drawEllipse(QPointF(0, 0), r, r)
