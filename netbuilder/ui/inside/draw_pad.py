"""`DrawPad`: draw a picture with the mouse (white ink on black, as digits data sets store them)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PAD_SIZE = 140
PEN_WIDTH = 14  # thick enough that an 8×8 input still sees the stroke


class DrawPad(QWidget):
    """A square canvas; `drawn` fires after each stroke; `picture` is the drawing as values in [0, 1]."""

    drawn = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(QSize(PAD_SIZE, PAD_SIZE))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the mouse; the network sees it at its own input size")
        self.image = QImage(PAD_SIZE, PAD_SIZE, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self._last: QPointF | None = None

    def clear(self) -> None:
        self.image.fill(0)
        self.update()

    def stroke(self, points: list[QPointF]) -> None:
        """Draw a line through ``points`` (what a mouse drag does)."""
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255), PEN_WIDTH, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        if len(points) == 1:
            painter.drawPoint(points[0])
        for a, b in zip(points, points[1:]):
            painter.drawLine(a, b)
        painter.end()
        self.update()

    def picture(self) -> np.ndarray:
        """The drawing as an (H, W) float array, 0 = background, 1 = ink."""
        width, height = self.image.width(), self.image.height()
        line = self.image.bytesPerLine()
        raw = np.frombuffer(self.image.constBits(), dtype=np.uint8, count=line * height).reshape(height, line)
        return raw[:, :width].astype(np.float32) / 255.0

    @property
    def empty(self) -> bool:
        return not self.picture().any()

    # ---- the mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._last = event.position()
            self.stroke([self._last])

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is not None:
            point = event.position()
            self.stroke([self._last, point])
            self._last = point

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._last is not None:
            self._last = None
            self.drawn.emit()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.drawImage(0, 0, self.image)
        painter.setPen(QPen(QColor("#888888"), 1))
        painter.drawRect(0, 0, self.width() - 1, self.height() - 1)
        painter.end()
