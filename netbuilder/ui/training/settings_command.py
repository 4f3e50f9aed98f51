"""`ChangeSettings`: an undoable change of the project's data-set and training settings.

Consecutive edits of one field (typing a learning rate digit by digit, spinning
the epochs) merge into one undo step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

from PySide6.QtGui import QUndoCommand

from netbuilder.graph.project import Project
from netbuilder.graph.settings import DatasetSettings, TrainingSettings

MERGE_ID = 0x7E57  # QUndoCommand ids only need to differ from the editor's commands (which use -1)


@dataclass
class SettingsState:
    """Both halves of the settings, as one value."""

    dataset: DatasetSettings
    training: TrainingSettings

    @classmethod
    def of(cls, project: Project) -> "SettingsState":
        return cls(copy.deepcopy(project.dataset), copy.deepcopy(project.training))


class ChangeSettings(QUndoCommand):
    """Set the project's settings to ``after`` (undo: ``before``); ``refresh`` redraws whatever shows them."""

    def __init__(self, project: Project, before: SettingsState, after: SettingsState, field: str,
                 refresh: Callable[[], None]) -> None:
        super().__init__(f"Change {field.replace('_', ' ')}")
        self.project, self.before, self.after, self.field, self.refresh = project, before, after, field, refresh

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)

    def _put(self, state: SettingsState) -> None:
        self.project.dataset = copy.deepcopy(state.dataset)
        self.project.training = copy.deepcopy(state.training)
        self.refresh()

    def id(self) -> int:
        return MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ChangeSettings) or other.field != self.field or other.project is not self.project:
            return False
        self.after = other.after
        return True
