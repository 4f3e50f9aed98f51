"""`ResultsView`: what a run produced — confusion matrix, validation samples with labels, generated samples.

Takes plain records (numpy arrays, lists) from the worker; no torch here. The view is built with the
window, so numpy is imported only when there is something to show (the window opens without it).
"""

from __future__ import annotations

from typing import Any
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (QGridLayout, QHeaderView, QLabel, QScrollArea, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

TILE = 64  # pixels per sample image
COLUMNS = 8
RIGHT = "#2e9e48"
WRONG = "#d93025"


def to_image(array: Any, size: int = TILE, value_range: tuple[float, float] | None = None) -> QPixmap:
    """A (C, H, W) or (H, W) array as a pixmap (greyscale or RGB), ``value_range`` black to white (values
    beyond it clipped); without one, stretched to its own min..max."""
    import numpy as np

    a = np.asarray(array, dtype=np.float32)
    if a.ndim == 3 and a.shape[0] not in (1, 3):
        a = a[0]
    if a.ndim == 3:
        a = np.moveaxis(a, 0, -1)
        if a.shape[-1] == 1:
            a = a[..., 0]
    lo, hi = value_range if value_range is not None else (float(np.nanmin(a)), float(np.nanmax(a)))
    scaled = np.zeros_like(a) if hi <= lo else np.clip((a - lo) / (hi - lo), 0.0, 1.0)
    pixels = np.ascontiguousarray(np.nan_to_num(scaled) * 255).astype(np.uint8)
    h, w = pixels.shape[:2]
    if pixels.ndim == 2:
        image = QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8)
    else:
        image = QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy()).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.FastTransformation)


def _tile(pixmap: QPixmap | None, caption: str, colour: str = "") -> QWidget:
    tile = QWidget()
    layout = QVBoxLayout(tile)
    layout.setContentsMargins(2, 2, 2, 2)
    layout.setSpacing(1)
    if pixmap is not None:
        picture = QLabel()
        picture.setPixmap(pixmap)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(picture)
    text = QLabel(caption)
    text.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if colour:
        text.setStyleSheet(f"color: {colour}; font-weight: bold;")
    layout.addWidget(text)
    return tile


class _Grid(QScrollArea):
    """A scrollable grid of tiles, replaced as a whole each time."""

    def __init__(self, empty: str) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        self.empty = empty
        self.tiles: list[QWidget] = []
        self.title = ""
        self.clear()

    def clear(self, text: str | None = None) -> None:
        self.tiles, self.title = [], ""
        label = QLabel(text or self.empty)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        self.setWidget(label)

    def set_tiles(self, tiles: Sequence[QWidget], title: str = "") -> None:
        body = QWidget()
        grid = QGridLayout(body)
        grid.setSpacing(4)
        row = 0
        if title:
            grid.addWidget(QLabel(title), 0, 0, 1, COLUMNS)
            row = 1
        for i, tile in enumerate(tiles):
            grid.addWidget(tile, row + i // COLUMNS, i % COLUMNS)
        grid.setRowStretch(row + len(tiles) // COLUMNS + 1, 1)
        self.tiles, self.title = list(tiles), title
        self.setWidget(body)


class ResultsView(QTabWidget):
    """Tabs: Confusion matrix, Validation samples, Generated / reconstructed samples."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion.verticalHeader().setDefaultSectionSize(20)
        self.confusion.horizontalHeader().setDefaultSectionSize(34)
        self.confusion.horizontalHeader().setMinimumSectionSize(34)
        # Columns as wide as their class names: a fixed 34 pixels cut them to "setos / ersic / virgin".
        self.confusion.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.confusion.setToolTip("Rows: the true class; columns: what the network predicted. The diagonal is right.")
        self.confusion_note = QLabel("The confusion matrix appears after an epoch of a classification run.")
        self.confusion_note.setWordWrap(True)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.confusion_note)
        layout.addWidget(self.confusion, 1)
        self.addTab(page, "Confusion matrix")
        self.predictions = _Grid("Validation samples with their predicted and true labels appear after a "
                                 "classification run.")
        self.addTab(self.predictions, "Validation samples")
        self.samples = _Grid("Reconstructions (autoencoders) and generated samples (GANs) appear after each epoch.")
        self.addTab(self.samples, "Generated / reconstructed")

    def clear(self) -> None:
        self.confusion.clear()
        self.confusion.setRowCount(0)
        self.confusion.setColumnCount(0)
        self.confusion_note.setText("The confusion matrix appears after an epoch of a classification run.")
        self.predictions.clear()
        self.samples.clear()

    def set_confusion(self, matrix: list[list[int]], class_names: Sequence[str] | None = None,
                      epoch: int | None = None) -> None:
        """Colour each cell by its share of its true class (row): a dark diagonal is a good network."""
        import numpy as np

        m = np.asarray(matrix, dtype=np.int64)
        n = m.shape[0]
        names = list(class_names or [])[:n] + [str(i) for i in range(len(class_names or []), n)]
        self.confusion.setRowCount(n)
        self.confusion.setColumnCount(n)
        self.confusion.setHorizontalHeaderLabels([f"→ {c}" for c in names])
        self.confusion.setVerticalHeaderLabels(names)
        totals = m.sum(axis=1, keepdims=True).clip(min=1)
        shares = m / totals
        for i in range(n):
            for j in range(n):
                item = QTableWidgetItem(str(int(m[i, j])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                base = QColor(RIGHT if i == j else WRONG)
                base.setAlpha(int(25 + 200 * shares[i, j]) if m[i, j] else 0)
                item.setBackground(base)
                item.setToolTip(f"true {names[i]}, predicted {names[j]}: {m[i, j]} ({shares[i, j]:.0%} of {names[i]})")
                self.confusion.setItem(i, j, item)
        accuracy = np.trace(m) / max(m.sum(), 1)
        when = f" after epoch {epoch}" if epoch is not None else ""
        self.confusion_note.setText(f"Validation confusion matrix{when}: {accuracy:.1%} right "
                                    f"({int(np.trace(m))} of {int(m.sum())}). Rows are true classes.")

    def matrix(self) -> list[list[int]]:
        """The matrix shown (for tests and copying)."""
        def count(i: int, j: int) -> int:
            item = self.confusion.item(i, j)
            return int(item.text()) if item is not None else 0

        return [[count(i, j) for j in range(self.confusion.columnCount())] for i in range(self.confusion.rowCount())]

    def set_predictions(self, predictions: Any) -> None:
        """Validation samples with ``predicted / true`` captions, green when right and red when wrong."""
        names = predictions.class_names

        def name(k: int) -> str:
            return names[k] if 0 <= k < len(names) else str(k)

        tiles = []
        for x, p, t in zip(predictions.inputs, predictions.predicted, predictions.true):
            caption = f"{name(p)}" if p == t else f"{name(p)} (true {name(t)})"
            tiles.append(_tile(to_image(x) if predictions.is_image else None,
                               caption if predictions.is_image else f"predicted {name(p)}\ntrue {name(t)}",
                               RIGHT if p == t else WRONG))
        right = sum(p == t for p, t in zip(predictions.predicted, predictions.true))
        self.predictions.set_tiles(tiles, f"First {len(tiles)} validation samples: {right} right. "
                                          "Caption: predicted label (true label when wrong).")

    def set_samples(self, samples: Any) -> None:
        """Reconstructions (original above, rebuilt below) or generated samples of the latest epoch."""
        outputs = samples.outputs
        if outputs.ndim < 3:
            self.samples.clear(f"Epoch {samples.epoch}: the {samples.kind} samples are not images "
                               f"(shape {tuple(outputs.shape[1:])}), so they are not drawn.")
            return
        import numpy as np

        tiles = []
        # Samples come in the data's own units. All tiles share one grey scale: the originals' range when
        # there are originals (a reconstruction is judged against them: too faint or too bright shows), else
        # the range of the whole set. Stretching each tile to its own range hid exactly that.
        rebuilt = samples.inputs is not None
        shown = samples.inputs if samples.inputs is not None else outputs
        lo, hi = float(np.nanmin(shown)), float(np.nanmax(shown))
        # Undoing the normalisation leaves rounding dust (-4.8e-07 for a black pixel): say 0.
        grey = (0.0 if abs(lo) < 1e-6 * max(1.0, hi - lo) else lo, hi)
        if samples.inputs is not None:
            for x in samples.inputs[:COLUMNS]:
                tiles.append(_tile(to_image(x, value_range=grey), "original"))
            tiles += [_tile(None, "") for _ in range(-len(tiles) % COLUMNS)]
        for y in outputs[:2 * COLUMNS]:
            tiles.append(_tile(to_image(y, value_range=grey), "rebuilt" if rebuilt else "generated"))
        self.samples.set_tiles(tiles, f"Epoch {samples.epoch}: {samples.kind} samples, black {grey[0]:.3g} to "
                                      f"white {grey[1]:.3g} (the data's own values)")
