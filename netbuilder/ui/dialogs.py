"""Small dialogs: the template chooser of File › New."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from netbuilder.ui.files import Template, templates


class TemplateChooser(QDialog):
    """One entry per example project, plus an empty project."""

    def __init__(self, parent=None, found: list[Template] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.resize(520, 380)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Start from a template:"))
        self.list = QListWidget()
        self.list.setWordWrap(True)
        empty = QListWidgetItem("Empty project\nThe iris data set's Input (4 measurements) and Target (3 species) "
                                "— build the network between them from the palette.")
        empty.setData(Qt.ItemDataRole.UserRole, "")
        self.list.addItem(empty)
        for t in found if found is not None else templates():
            item = QListWidgetItem(f"{t.name}\n{t.description}")
            item.setData(Qt.ItemDataRole.UserRole, str(t.path))
            self.list.addItem(item)
        self.list.setCurrentRow(0)  # a blank start is the common case; a template is one click away
        self.list.itemDoubleClicked.connect(lambda _: self.accept())
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> Path | None:
        """The template file, or None for an empty project."""
        item = self.list.currentItem()
        path = item.data(Qt.ItemDataRole.UserRole) if item is not None else ""
        return Path(path) if path else None
