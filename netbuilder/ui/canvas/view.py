"""`GraphView`: zoom (wheel), pan (middle or right drag, or Space+drag), fit-all, and palette drops."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsView

from netbuilder.ui.canvas.nodes import DETAIL_ZOOM

LAYER_MIME = "application/x-netbuilder-layer"
BLOCK_MIME = "application/x-netbuilder-block"
MIN_ZOOM, MAX_ZOOM = 0.05, 3.0


class GraphView(QGraphicsView):
    """The canvas widget. Drops from the palette come out as `dropped(mime type, data, scene point)`."""

    dropped = Signal(str, bytes, QPointF)

    def __init__(self, scene, parent=None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.DontSavePainterState)
        self.setAcceptDrops(True)
        self.setFrameShape(QGraphicsView.NoFrame)
        # Pan with the middle/right button or Space+drag; scroll bars only take room from the graph.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self._pan_from: QPointF | None = None
        self._space = False

    # ---- zoom ----------------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.scale(zoom / self.zoom, zoom / self.zoom)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        self.scene().set_detail(self.zoom >= DETAIL_ZOOM)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * 1.15 ** steps)
        event.accept()

    def fit_all(self) -> None:
        rect = self.scene().items_rect()
        if rect.isNull():
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.KeepAspectRatio)
        self._zoom_changed()
        if self.zoom > 1.0:  # a small graph reads best at 100 %, not blown up
            self.set_zoom(1.0)
            self.centerOn(rect.center())
        elif self.zoom < MIN_ZOOM:
            self.set_zoom(MIN_ZOOM)

    def centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    # ---- pan -----------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.OpenHandCursor)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() in (Qt.MiddleButton, Qt.RightButton) or (self._space and event.button() == Qt.LeftButton):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # ---- drops from the palette ----------------------------------------------------------------
    def _accepts(self, event) -> bool:
        mime = event.mimeData()
        return mime.hasFormat(LAYER_MIME) or mime.hasFormat(BLOCK_MIME)

    # Always a copy: a "move" drop would make the palette's item view delete the entry it dragged.
    def dragEnterEvent(self, event) -> None:
        if self._accepts(event):
            event.setDropAction(Qt.CopyAction)
            event.accept()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if self._accepts(event):
            event.setDropAction(Qt.CopyAction)
            event.accept()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        for fmt in (LAYER_MIME, BLOCK_MIME):
            if mime.hasFormat(fmt):
                self.dropped.emit(fmt, bytes(mime.data(fmt).data()), self.mapToScene(event.position().toPoint()))
                event.setDropAction(Qt.CopyAction)
                event.accept()
                return
        super().dropEvent(event)
