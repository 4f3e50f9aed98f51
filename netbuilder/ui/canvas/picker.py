"""`LayerPicker`: a small searchable list of layers that pops up where the user is working.

It opens when a wire is dropped on empty canvas, for "Add layer here" and for "Insert a layer on this
wire" (the Blender / Unreal / ComfyUI habit): type to filter, Up/Down to move, Enter (or a click) to
choose, Escape or a click elsewhere to close. Layers that fit the wire being made come first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from netbuilder.graph.catalog import CATALOG, LayerSpec

LAYER = Qt.ItemDataRole.UserRole


class _Search(QLineEdit):
    """The filter box; Up, Down, Page keys move in the list so the hands stay on the keyboard."""

    def __init__(self, picker: LayerPicker) -> None:
        super().__init__()
        self.picker = picker

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self.picker.list.keyPressEvent(event)
            return
        super().keyPressEvent(event)


class LayerPicker(QFrame):
    """A popup list of layers; `chosen(layer type)` when one is picked (the popup then closes itself)."""

    chosen = Signal(str)
    dismissed = Signal()  # closed without a choice

    def __init__(self, title: str, layers: Iterable[LayerSpec] | None = None,
                 fits: Callable[[LayerSpec], bool] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._picked = False
        self.title = QLabel(title)
        self.title.setStyleSheet("font-weight: bold;")
        self.search = _Search(self)
        self.search.setPlaceholderText("Type to search layers…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        specs = list(layers if layers is not None else CATALOG.values())
        if fits is not None:  # layers that take the wire first, in catalog order within each half
            specs.sort(key=lambda s: not fits(s))
        for spec in specs:
            item = QListWidgetItem(f"{spec.type}    ·  {spec.category}")
            item.setData(LAYER, spec.type)
            item.setToolTip(spec.help)
            if fits is not None and not fits(spec):
                item.setForeground(self.palette().placeholderText())
                item.setToolTip(f"{spec.help}\n(its default settings do not take this wire's shape)")
            self.list.addItem(item)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self.choose_current)
        self.list.itemActivated.connect(lambda item: self._choose(item))
        self.list.itemClicked.connect(lambda item: self._choose(item))
        self.resize(300, 340)
        self.filter("")

    def items(self) -> list[QListWidgetItem]:
        return [it for it in (self.list.item(i) for i in range(self.list.count())) if it is not None]

    def visible_layers(self) -> list[str]:
        """The layer types the list shows now, top to bottom."""
        return [it.data(LAYER) for it in self.items() if not it.isHidden()]

    def filter(self, text: str) -> None:
        words = text.lower().split()
        first: QListWidgetItem | None = None
        for item in self.items():
            hide = not all(w in item.text().lower() for w in words)
            item.setHidden(hide)
            if not hide and first is None:
                first = item
        # A name typed exactly wins over the layers that merely contain it ("relu" picks ReLU, not PReLU).
        typed = text.strip().lower()
        exact = next((it for it in self.items() if not it.isHidden() and it.data(LAYER).lower() == typed), None)
        current = exact or first
        if current is not None:
            self.list.setCurrentItem(current)
        else:
            self.list.setCurrentRow(-1)

    def choose_current(self) -> None:
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        if self._picked:
            return
        self._picked = True
        self.close()
        self.chosen.emit(item.data(LAYER))

    def popup_at(self, global_pos: QPoint) -> None:
        """Show with the top-left corner at ``global_pos``, kept on the screen, the search box focused."""
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        x, y = global_pos.x(), global_pos.y()
        if screen is not None:
            x = max(screen.left(), min(x, screen.right() - self.width()))
            y = max(screen.top(), min(y, screen.bottom() - self.height()))
        self.move(x, y)
        self.show()
        self.activateWindow()
        self.search.setFocus()

    def closeEvent(self, event) -> None:
        if not self._picked:
            self._picked = True
            self.dismissed.emit()
        super().closeEvent(event)
