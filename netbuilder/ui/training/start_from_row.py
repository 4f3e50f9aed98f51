"""The Training settings' "Start from" row: the weights file whose matching layers are loaded before training.

A read-only field shows the path as the project stores it (``training.start_from``); Browse… picks a
.safetensors file and Clear turns the setting off. The panel stores the value through its undoable settings
path when `edited` fires, like every other field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from netbuilder.graph.start_from import SUFFIX

TIP = ("A weights file (.safetensors: a checkpoint of a run, or weights that came with a template) whose layers "
       "of the same name and shape are loaded before the first batch; layers marked not trainable stay frozen. "
       "A path inside the project's folder is kept relative to it. `netbuilder train --init-from` overrides it.")


def stored_path(chosen: Path, folder: Path | None) -> str:
    """How the project stores a chosen file: relative to the project's folder when it lies inside it (so the
    two move together), else absolute."""
    chosen = chosen.resolve()
    if folder is not None:
        try:
            return chosen.relative_to(folder.resolve()).as_posix()
        except ValueError:
            pass
    return str(chosen)


class StartFromRow(QWidget):
    """Field + Browse… + Clear; ``folder`` gives the project file's folder (None while it is unsaved)."""

    edited = Signal()

    def __init__(self, folder: Callable[[], Path | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.field = QLineEdit()
        self.field.setReadOnly(True)  # chosen with Browse…: a typed half-path would be stored mid-word
        self.field.setPlaceholderText("random weights (no file)")
        self.field.setToolTip(TIP)
        self.browse = QPushButton("Browse…")
        self.browse.setToolTip(TIP)
        self.browse.clicked.connect(self._browse)
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Start from random weights")
        self.clear.clicked.connect(self._clear)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        row.addWidget(self.browse)
        row.addWidget(self.clear)

    def value(self) -> str:
        return self.field.text()

    def set_value(self, value: str) -> None:
        """Show the stored setting (no `edited`: the panel is loading the project)."""
        self.field.setText(value)
        self.field.setCursorPosition(0)
        self.clear.setEnabled(bool(value))

    def _browse(self) -> None:
        folder = self.folder()
        current = Path(self.value()) if self.value() else None
        start = (current if current is not None and current.is_absolute() else
                 (folder / current) if current is not None and folder is not None else folder)
        path = QFileDialog.getOpenFileName(self, "Start from the weights in", str(start or ""),
                                           f"Weights (*{SUFFIX})")[0]
        if path:
            self.set_value(stored_path(Path(path), folder))
            self.edited.emit()

    def _clear(self) -> None:
        self.set_value("")
        self.edited.emit()
