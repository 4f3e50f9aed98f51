"""The Help menu's windows: every keyboard shortcut and canvas gesture, and About (versions and the device
a run would train on).

torch and onnx are imported only when About is opened (the window itself opens without them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

# What the mouse does on the canvas: no QAction carries these, so they are listed here.
GESTURES = (
    ("Drag a layer from the palette onto the canvas", "add it there"),
    ("Double-click a layer in the palette", "add it beside the selected layer, wired after it when it fits"),
    ("Drag from an output port to an input port", "wire them"),
    ("Let a wire go on empty canvas", "choose the layer to add there, wired in (type to search, Enter)"),
    ("Right-click the canvas, a layer, a wire or a block", "what can be done there"),
    ("Wheel", "zoom at the mouse"),
    ("Middle or right drag, or Space + drag", "pan"),
    ("Drag on empty canvas", "select the layers in the rectangle"),
    ("Double-click a layer", "edit it in the inspector"),
)


@dataclass(frozen=True)
class Shortcut:
    """One line of the shortcuts list."""

    what: str
    keys: str


def shortcuts(actions: Iterable[QAction]) -> list[Shortcut]:
    """The window's actions that have keys, in menu words (``&Save`` → ``Save``), each listed once."""
    seen: dict[str, Shortcut] = {}
    for action in actions:
        keys = ", ".join(k.toString(k.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty())
        what = action.text().replace("&", "").replace("…", "").strip()
        if keys and what and what not in seen:
            seen[what] = Shortcut(what, keys)
    return list(seen.values())


class ShortcutsDialog(QDialog):
    """Keys first, then the mouse gestures of the canvas."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts and mouse gestures")
        self.resize(620, 560)
        rows = [(s.keys, s.what) for s in shortcuts(actions)] + [(g, what) for g, what in GESTURES]
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys or gesture", "Does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        def text(r: int, c: int) -> str:
            item = self.table.item(r, c)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1)) for r in range(self.table.rowCount())]


def versions() -> dict[str, str]:
    """What About shows: netbuilder's, Qt's, PySide6's, torch's and onnx's versions, and the training device."""
    import PySide6

    import netbuilder

    found = {"netbuilder": netbuilder.__version__, "Qt": qVersion(), "PySide6": PySide6.__version__}
    try:
        import torch

        from netbuilder.train.device import describe_device, pick_device

        found["PyTorch"] = torch.__version__
        found["Training device"] = describe_device(pick_device("auto"))
    except ImportError as exc:  # a broken install: About still opens and says so
        found["PyTorch"] = f"not available ({exc})"
    try:
        import onnx

        found["ONNX"] = onnx.__version__
    except ImportError as exc:
        found["ONNX"] = f"not available ({exc})"
    return found


class AboutDialog(QDialog):
    """netbuilder, what it runs on, and where a run would train."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About netbuilder")
        self.versions = versions()
        lines = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in self.versions.items())
        self.label = QLabel("<h3>netbuilder</h3><p>Draw, train and export neural networks.</p>"
                            f"<table>{lines}</table>")
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(buttons)
