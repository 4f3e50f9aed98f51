"""`Bubble`: a short note shown on the canvas beside the mouse (why a wire was refused, what was wired).

The status bar is far from where the user is looking; this note appears where the gesture ended and
goes away by itself, or at the next click on the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

SHOW_MS = 7000
OFFSET = QPoint(14, 14)  # below right of the mouse pointer, clear of its tip
MAX_WIDTH = 360
ERROR_STYLE = ("background: #fff4f3; color: #8a1c14; border: 1px solid #e5534b; border-radius: 6px; "
               "padding: 6px 8px;")
INFO_STYLE = ("background: #f3f8ff; color: #1f3b66; border: 1px solid #4a86e8; border-radius: 6px; "
              "padding: 6px 8px;")


class Bubble(QLabel):
    """A word-wrapped note over the canvas viewport, placed near a point and kept inside the viewport."""

    def __init__(self, viewport: QWidget) -> None:
        super().__init__(viewport)
        self.setWordWrap(True)
        self.setMaximumWidth(MAX_WIDTH)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)

    def show_at(self, text: str, at: QPoint, error: bool = True, ms: int = SHOW_MS) -> None:
        """Show ``text`` near viewport point ``at`` for ``ms`` milliseconds."""
        self.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.setText(text)
        self.setFixedWidth(min(MAX_WIDTH, self.fontMetrics().horizontalAdvance(text) + 24))
        self.adjustSize()
        parent = self.parentWidget()
        area = parent.rect() if parent is not None else self.rect()
        x = min(at.x() + OFFSET.x(), area.right() - self.width() - 4)
        y = at.y() + OFFSET.y()
        if y + self.height() > area.bottom() - 4:  # no room below the pointer: above it
            y = at.y() - OFFSET.y() - self.height()
        self.move(max(4, x), max(4, y))
        self.show()
        self.raise_()
        self._timer.start(ms)
