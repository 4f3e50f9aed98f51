"""`BlockCommands`: group the selection into a named block, collapse or expand it, save it to the palette
and insert a saved one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QInputDialog, QMainWindow

from netbuilder.graph.project import Project
from netbuilder.ui.blocks import BlockLibrary
from netbuilder.ui.editor import GraphEditor
from netbuilder.ui.palette import Palette


class BlockCommands(QMainWindow):
    """The block half of `MainWindow`; what it uses of the rest of the window is declared here."""

    project: Project
    block_library: BlockLibrary
    layer_palette: Palette
    _dirty: bool

    if TYPE_CHECKING:  # provided by MainWindow and its other parts
        def editor(self) -> GraphEditor | None:
            ...

        def show_message(self, text: str, timeout_ms: int = 8000) -> None:
            ...

        def _update_title(self, *_: object) -> None:
            ...

    def ask_block_name(self, default: str) -> str | None:
        name, ok = QInputDialog.getText(self, "Group into block", "Block name:", text=default)
        return name.strip() if ok and name.strip() else None

    def group_selection(self) -> None:
        editor = self.editor()
        if editor is None or not editor.selected_ids():
            self.show_message("Select the layers to group into a block")
            return
        name = self.ask_block_name(f"block_{len(editor.graph.groups) + 1}")
        if name:
            editor.group_selection(name)

    def toggle_block(self) -> None:
        editor = self.editor()
        gid = editor.current_group() if editor else None
        if editor is None or gid is None:
            self.show_message("Select a block to collapse or expand")
        else:
            editor.toggle_group(gid)

    def save_block(self, group_id: str | None = None) -> None:
        editor = self.editor()
        gid = group_id or (editor.current_group() if editor else None)
        if editor is None or gid is None:
            self.show_message("Select a block to save it to the palette")
            return
        name = editor.graph.groups[gid].name
        self.block_library.save(self.project, name, editor.block_fragment(gid))
        self.layer_palette.set_blocks(self.block_library.blocks(self.project))
        self._dirty = True
        self._update_title()
        self.show_message(f"Block '{name}' saved to the palette")

    def _insert_block_at_centre(self, block: dict[str, Any]) -> None:
        editor = self.editor()
        if editor is not None:
            c = editor.view.centre()
            editor.insert_block(block["name"], block["fragment"], (c.x(), c.y()))
