"""`HelpCommands`: F2 rename, the Help menu's shortcuts list, About and the examples."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu

from netbuilder.ui.editor import GraphEditor
from netbuilder.ui.files import templates
from netbuilder.ui.help import AboutDialog, ShortcutsDialog

D = TypeVar("D", bound=QDialog)


class HelpCommands(QMainWindow):
    """The help half of `MainWindow`; what it uses of the rest of the window is declared here."""

    actions_by_name: dict[str, QAction]
    help_dialog: QDialog | None  # the shortcuts or About window last opened
    _editable: bool

    if TYPE_CHECKING:  # provided by MainWindow and its other parts
        def editor(self) -> GraphEditor | None:
            ...

        def inspect(self, item_id: str, field: str = "") -> None:
            ...

        def show_message(self, text: str, timeout_ms: int = 8000) -> None:
            ...

        def new_project(self, template: Path | None | Literal[False] = False) -> bool:
            ...

    def rename_selection(self) -> None:
        """F2: the selected layer's name field in the inspector, ready to type over."""
        editor = self.editor()
        nodes = editor.scene.selected_node_ids() if editor is not None else []
        if len(nodes) == 1:
            self.inspect(nodes[0], "__name")
        else:
            self.show_message("Select one layer to rename it")

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(list(self.actions_by_name.values()), self)
        return self._show_help(dialog)

    def show_about(self) -> AboutDialog:
        self.setCursor(Qt.CursorShape.WaitCursor)  # the versions import torch and onnx, a few seconds the first time
        try:
            dialog = AboutDialog(self)
        finally:
            self.unsetCursor()
        return self._show_help(dialog)

    def _show_help(self, dialog: D) -> D:
        if self.help_dialog is not None:
            self.help_dialog.close()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda *_: setattr(self, "help_dialog", None) if self.help_dialog is dialog else None)
        self.help_dialog = dialog
        dialog.open()
        return dialog

    def fill_examples_menu(self, menu: QMenu) -> None:
        """Help › Examples: each example project, opened as a new project."""
        menu.clear()
        for template in templates():
            action = menu.addAction(template.name)
            action.setToolTip(template.description)
            action.setStatusTip(template.description)
            action.triggered.connect(lambda _=False, path=template.path: self.new_project(path))
            action.setEnabled(self._editable)
        if not menu.actions():
            menu.addAction("(no examples installed)").setEnabled(False)
