"""`GraphView`: zoom (wheel), pan (middle or right drag, or Space+drag), fit-all, palette drops, and
right-click menus (a right click that does not drag asks for the menu: `context_requested`).

A freshly opened graph is framed when its tab is first shown (a hidden tab has no real size before that, and
fitting it then shrank it to a dash), and never below `readable_zoom()`: a graph too big to fit at a size
where its text reads starts at its beginning, the rest a pan away.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QCursor, QFontMetrics, QPainter
from PySide6.QtWidgets import QGraphicsView, QWidget

from netbuilder.ui.canvas.nodes import DETAIL_ZOOM, TYPE_FONT
from netbuilder.ui.canvas.scene import GraphScene

LAYER_MIME = "application/x-netbuilder-layer"
BLOCK_MIME = "application/x-netbuilder-block"
MIN_ZOOM, MAX_ZOOM = 0.05, 3.0
READABLE_TEXT_PX = 9.0  # the smallest node text (the layer type, 8 pt) stays at least this tall on screen
FIT_MARGIN = 40.0
CLICK_SLOP = 4.0  # a right press that moves less than this before its release is a click (menu), not a pan


def readable_zoom() -> float:
    """The zoom at which the smallest node text is `READABLE_TEXT_PX` tall (it depends on the system's fonts)."""
    return max(DETAIL_ZOOM, READABLE_TEXT_PX / QFontMetrics(TYPE_FONT).height())


class GraphView(QGraphicsView):
    """The canvas widget. Drops from the palette come out as `dropped(mime type, data, scene point)`."""

    dropped = Signal(str, bytes, QPointF)
    context_requested = Signal(QPoint)  # a right click (or the menu key) at this viewport point

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.graph_scene = scene
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlags(QGraphicsView.OptimizationFlag.DontSavePainterState)
        self.setAcceptDrops(True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        # Pan with the middle/right button or Space+drag; scroll bars only take room from the graph.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._pan_from: QPointF | None = None
        self._right_click: QPointF | None = None  # where a right press began, while it may still be a click
        self._space = False
        # The view to show once this canvas is on screen with its real size: (zoom, centre) stored in the
        # project, or (None, None) to frame the nodes readably; `_framed` keeps framing on resizes until
        # the user zooms, pans or clicks (the window settling its docks must not leave a half-framed graph).
        self._opening: tuple[float | None, QPointF | None] | None = None
        self._framed = False
        if scene.build is not None:  # a big graph filling in: framed from the model meanwhile (items_rect)
            scene.build.finished.connect(self._built)

    # ---- zoom ----------------------------------------------------------------------------------
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        self._framed = False
        self._scale_to(zoom)

    def _scale_to(self, zoom: float) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        self.scale(zoom / self.zoom, zoom / self.zoom)
        self._zoom_changed()

    def _zoom_changed(self) -> None:
        self.graph_scene.set_detail(self.zoom >= DETAIL_ZOOM)

    def wheelEvent(self, event) -> None:
        self._framed = False
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * 1.15 ** steps)
        event.accept()

    def fit_all(self, floor: float = MIN_ZOOM) -> None:
        """Frame every node; below ``floor`` show the graph's top-left corner (its Inputs) at ``floor``."""
        self._framed = False
        rect = self.graph_scene.items_rect()
        if rect.isNull():
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-FIT_MARGIN, -FIT_MARGIN, FIT_MARGIN, FIT_MARGIN),
                       Qt.AspectRatioMode.KeepAspectRatio)
        self._zoom_changed()
        if self.zoom > 1.0:  # a small graph reads best at 100 %, not blown up
            self._scale_to(1.0)
            self.centerOn(rect.center())
        elif self.zoom < floor:
            self._scale_to(floor)
            seen = self.mapToScene(self.viewport().rect()).boundingRect()
            self.centerOn(rect.left() - FIT_MARGIN + seen.width() / 2, rect.top() - FIT_MARGIN + seen.height() / 2)

    def open_at(self, zoom: float | None = None, centre: QPointF | None = None) -> None:
        """Show this zoom and centre (a project's stored view), or frame the nodes readably when None,
        as soon as the canvas is on screen: now if it is, else when its tab is first shown."""
        self._opening = (zoom, centre)
        if self.isVisible():
            self._open()

    def _open(self) -> None:
        if self._opening is None:
            return
        zoom, centre = self._opening
        self._opening = None
        self.resetTransform()
        # A view saved so far out that nodes draw without text (the dash a hidden tab was once fitted to)
        # is framed afresh; any other is the user's and comes back as it was.
        if zoom is None or centre is None or zoom < DETAIL_ZOOM:
            self.fit_all(readable_zoom())
            self._framed = True  # reframe while the window settles, until the user takes over
        else:
            self._scale_to(zoom)
            self.centerOn(centre)

    def view_to_store(self) -> dict[str, Any] | None:
        """Zoom and centre for the project file; a canvas never shown keeps the view it was opened with
        (None: none, so it is framed again next time)."""
        if self._opening is not None:
            zoom, centre = self._opening
            if zoom is None or centre is None:
                return None
        else:
            zoom, centre = self.zoom, self.centre()
        return {"zoom": round(zoom, 3), "centre": [round(centre.x(), 1), round(centre.y(), 1)]}

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._open()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._framed:
            self.fit_all(readable_zoom())
            self._framed = True  # fit_all cleared it (a user's Fit ends framing): this reframing keeps it

    def _built(self) -> None:
        """The canvas is complete: collapsed blocks now show as boxes, which can change what framing shows."""
        if self._framed and self.graph_scene.graph.groups:
            self.fit_all(readable_zoom())
            self._framed = True

    def centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    # ---- pan -----------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        self._framed = False
        button = event.button()
        if button in (Qt.MouseButton.MiddleButton, Qt.MouseButton.RightButton) or (
                self._space and button == Qt.MouseButton.LeftButton):
            self._pan_from = event.position()
            self._right_click = event.position() if button == Qt.MouseButton.RightButton else None
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            moved = self._right_click is not None and (event.position() - self._right_click).manhattanLength()
            if moved and moved > CLICK_SLOP:
                self._right_click = None  # it became a pan
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
            clicked, self._right_click = self._right_click, None
            if clicked is not None and event.button() == Qt.MouseButton.RightButton:
                self.context_requested.emit(event.position().toPoint())
            return
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        # A mouse right click opens its menu on release (above), so that a right drag can pan instead;
        # the menu key opens it at the mouse when the mouse is over the canvas, else in the middle.
        event.accept()
        if event.reason() != QContextMenuEvent.Reason.Mouse:
            pos = self.viewport().mapFromGlobal(QCursor.pos())
            inside = self.viewport().rect().contains(pos)
            self.context_requested.emit(pos if inside else self.viewport().rect().center())

    # ---- drops from the palette ----------------------------------------------------------------
    def _accepts(self, event) -> bool:
        mime = event.mimeData()
        return mime.hasFormat(LAYER_MIME) or mime.hasFormat(BLOCK_MIME)

    # Always a copy: a "move" drop would make the palette's item view delete the entry it dragged.
    def dragEnterEvent(self, event) -> None:
        if self._accepts(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if self._accepts(event):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        for fmt in (LAYER_MIME, BLOCK_MIME):
            if mime.hasFormat(fmt):
                self.dropped.emit(fmt, bytes(mime.data(fmt).data()), self.mapToScene(event.position().toPoint()))
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
                return
        super().dropEvent(event)
