"""The layer palette: the catalog by category, searchable; drag onto the canvas or double-click.

Saved blocks appear under "Blocks"; dropping one pastes its layers as a block.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from netbuilder.graph.catalog import CATALOG, CATEGORIES
from netbuilder.ui.canvas.view import BLOCK_MIME, LAYER_MIME
from netbuilder.ui.theme import CATEGORY_COLOURS

KIND = Qt.ItemDataRole.UserRole  # "layer" or "block"
DATA = Qt.ItemDataRole.UserRole + 1  # the layer type, or the block record


def dot_icon(colour: str) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(colour))
    p.drawRoundedRect(2, 2, 10, 10, 3, 3)
    p.end()
    return QIcon(pix)


def children(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    found = (item.child(i) for i in range(item.childCount()))
    return [c for c in found if c is not None]


class PaletteTree(QTreeWidget):
    """The tree; dragging an entry carries its layer type (or block) as MIME data."""

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        mime = QMimeData()
        for item in items:
            kind = item.data(0, KIND)
            if kind == "layer":
                mime.setData(LAYER_MIME, item.data(0, DATA).encode())
                mime.setText(item.data(0, DATA))
            elif kind == "block":
                mime.setData(BLOCK_MIME, json.dumps(item.data(0, DATA)).encode())
        return mime

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME, BLOCK_MIME]


class Palette(QWidget):
    """Layers by category with a search box."""

    add_requested = Signal(str)  # layer type, on double-click
    block_requested = Signal(object)  # {"name", "fragment"}, on double-click

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setIconSize(QSize(12, 12))
        self.tree.setIndentation(12)
        self.tree.setUniformRowHeights(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.categories: dict[str, QTreeWidgetItem] = {}
        self._fill()
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._activated)

    def _fill(self) -> None:
        for category in CATEGORIES:
            head = self._category(category)
            for spec in CATALOG.values():
                if spec.category == category:
                    item = QTreeWidgetItem(head, [spec.type])
                    item.setData(0, KIND, "layer")
                    item.setData(0, DATA, spec.type)
                    item.setToolTip(0, f"<b>{spec.type}</b><br>{spec.help}")
                    item.setIcon(0, dot_icon(CATEGORY_COLOURS.get(category, "#888")))
        self.tree.expandAll()

    def _category(self, name: str) -> QTreeWidgetItem:
        head = QTreeWidgetItem(self.tree, [name])
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)
        f = head.font(0)
        f.setBold(True)
        head.setFont(0, f)
        self.categories[name] = head
        return head

    def set_blocks(self, blocks: list[dict[str, Any]]) -> None:
        """Show saved blocks ({"name", "fragment"}) under "Blocks"."""
        head = self.categories.get("Blocks") or self._category("Blocks")
        head.takeChildren()
        for block in blocks:
            n = len(block["fragment"].get("nodes", []))
            item = QTreeWidgetItem(head, [block["name"]])
            item.setData(0, KIND, "block")
            item.setData(0, DATA, block)
            item.setToolTip(0, f"<b>{block['name']}</b><br>a saved block of {n} layers — drag it onto the canvas")
            item.setIcon(0, dot_icon(CATEGORY_COLOURS["Blocks"]))
        head.setHidden(not blocks)
        head.setExpanded(True)
        self.filter(self.search.text())

    def items(self) -> list[QTreeWidgetItem]:
        return [item for head in self.categories.values() for item in children(head)]

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        return next((i for i in self.items() if i.text(0) == name), None)

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for head in self.categories.values():
            shown = 0
            for item in children(head):
                haystack = f"{item.text(0)} {head.text(0)}".lower()
                hide = not all(w in haystack for w in words)
                item.setHidden(hide)
                shown += not hide
            head.setHidden(shown == 0)
            if words:
                head.setExpanded(True)

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        kind = item.data(0, KIND)
        if kind == "layer":
            self.add_requested.emit(item.data(0, DATA))
        elif kind == "block":
            self.block_requested.emit(item.data(0, DATA))
