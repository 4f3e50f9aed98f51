"""The window's undo steps: one `QUndoCommand` that carries a pure-Python edit (`netbuilder.graph.edits`).

The edit does the work through the graph's (or the project's) methods; the
canvas follows the model's notifications. This adapter only maps Qt's
redo / undo / mergeWith onto the edit's apply / revert / merge_with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from netbuilder.graph.edits import Edit

_MERGE_IDS: dict[type, int] = {}


def _merge_id(kind: type) -> int:
    """A command id shared by the edits of one class: Qt offers a merge only between equal ids."""
    return _MERGE_IDS.setdefault(kind, 1000 + len(_MERGE_IDS))


class EditCommand(QUndoCommand):
    """An `Edit` on ``target`` (a Graph or a Project); ``refresh`` runs after each redo and undo."""

    def __init__(self, edit: Edit[Any], target: Any, refresh: Callable[[], None] | None = None) -> None:
        super().__init__(edit.text)
        self.edit, self.target, self.refresh = edit, target, refresh

    def redo(self) -> None:
        self.edit.apply(self.target)
        self.setText(self.edit.text)  # some names are known only once applied (the block an Ungroup dissolves)
        if self.refresh is not None:
            self.refresh()

    def undo(self) -> None:
        self.edit.revert(self.target)
        if self.refresh is not None:
            self.refresh()

    def id(self) -> int:
        return _merge_id(type(self.edit)) if self.edit.merges else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        return (isinstance(other, EditCommand) and other.target is self.target
                and self.edit.merge_with(other.edit))
