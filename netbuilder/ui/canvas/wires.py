"""Wires on the canvas: `EdgeItem` (a model edge, labelled with its tensor shape) and
`WirePreview` (the wire that follows the mouse while one is being drawn)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem

from netbuilder.ui.canvas.nodes import DETAIL_ZOOM
from netbuilder.ui.theme import font, theme

LABEL_FONT = font(7.5)


def wire_path(a: QPointF, b: QPointF) -> QPainterPath:
    """A left-to-right S curve. A wire going back left (to the next row of a wrapped layout)
    runs out, along the gap halfway between the two rows, and back in, instead of cutting
    diagonally through the layers in between."""
    path = QPainterPath(a)
    if b.x() >= a.x() - 10 or abs(b.y() - a.y()) < 60:
        dx = max(40.0, abs(b.x() - a.x()) * 0.5)
        path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
        return path
    mid = a.y() + (b.y() - a.y()) * (0.62 if b.y() > a.y() else 0.5)
    r = 30.0
    path.cubicTo(QPointF(a.x() + r * 1.5, a.y()), QPointF(a.x() + r * 1.5, mid), QPointF(a.x(), mid))
    path.lineTo(QPointF(b.x(), mid))
    path.cubicTo(QPointF(b.x() - r * 1.5, mid), QPointF(b.x() - r * 1.5, b.y()), b)
    return path


class EdgeItem(QGraphicsItem):
    """A model edge. The scene tells it where its ends are and what shape flows through it."""

    def __init__(self, edge_id: str) -> None:
        super().__init__()
        self.edge_id = edge_id
        self.label = ""
        self.error = False
        self.path = QPainterPath()
        self._label_rect = QRectF()
        self._bounds = QRectF()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.setAcceptHoverEvents(True)
        self.hovered = False

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self.prepareGeometryChange()
        self.path = wire_path(a, b)
        self._place_label()

    def set_label(self, text: str, error: bool = False) -> None:
        if (text, error) != (self.label, self.error):
            self.prepareGeometryChange()
            self.label, self.error = text, error
            self._place_label()
            self.setToolTip(f"tensor shape {text} (N = batch)" if text else "shape unknown until the input is valid")

    def _place_label(self) -> None:
        self._place_label_rect()
        self._bounds = self.path.boundingRect().adjusted(-4, -4, 4, 4).united(self._label_rect.adjusted(-1, -1, 1, 1))

    def _place_label_rect(self) -> None:
        if not self.label:
            self._label_rect = QRectF()
            return
        fm = QFontMetrics(LABEL_FONT)
        w, h = fm.horizontalAdvance(self.label) + 8, fm.height() + 1
        # Above the middle of the wire: clear of the ports at either end even between close columns.
        mid = self.path.pointAtPercent(0.5)
        self._label_rect = QRectF(mid.x() - w / 2, mid.y() - h - 8, w, h)

    def boundingRect(self) -> QRectF:
        return self._bounds  # cached: Qt asks for it many times per repaint

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(10)
        outline = stroker.createStroke(self.path)
        if not self._label_rect.isNull():
            outline.addRect(self._label_rect)
        return outline

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        t = theme()
        colour = t.error if self.error else (t.selected if self.isSelected() else t.wire)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < DETAIL_ZOOM:  # far out: a hairline is enough and much cheaper
            painter.setPen(QPen(colour, 0))
            painter.setBrush(Qt.BrushStyle.NoBrush)  # the view does not save painter state between items
            painter.drawPath(self.path)
            return
        width = 2.6 if self.isSelected() or self.hovered else 1.8
        painter.setPen(QPen(colour, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.path)
        if self.label and lod >= 0.5:
            painter.setPen(QPen(colour, 1))
            painter.setBrush(t.label_bg)
            painter.drawRoundedRect(self._label_rect, 6, 6)
            painter.setFont(LABEL_FONT)
            painter.setPen(t.text)
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.label)

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()


class WirePreview(QGraphicsPathItem):
    """The loose wire under the mouse while dragging from a port."""

    def __init__(self) -> None:
        super().__init__()
        self.setPen(QPen(theme().selected, 2, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        self.setZValue(3)

    def set_ends(self, a: QPointF, b: QPointF) -> None:
        self.setPath(wire_path(a, b))
