"""`TrainingHost`: everything the training UI may ask of the main window, and nothing more.

The settings panel, run controls, curves, results and gradient overlay reach
the window only through these methods; `MainWindow` provides them (mypy checks
that it does where it installs the training UI). A test or another window can
host the training UI by offering the same methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtGui import QAction, QUndoCommand
    from PySide6.QtWidgets import QDockWidget, QToolBar, QWidget

    from netbuilder.graph.project import Project
    from netbuilder.ui.editor import GraphEditor


class DockSpot(Enum):
    """Where a new dock goes, in terms of the window's own panels."""

    WITH_INSPECTOR = "with_inspector"  # a tab beside the inspector (the inspector stays in front)
    BESIDE_PROBLEMS = "beside_problems"  # to the right of the problems panel, below the canvas
    WITH_PROBLEMS = "with_problems"  # a tab beside the problems panel (the problems stay in front)


class TrainingHost(Protocol):
    """What the main window offers the training UI."""

    def window_widget(self) -> QWidget:
        """The window itself, as the parent of dialogs, message boxes and the controller."""
        ...

    def current_project(self) -> Project:
        ...

    def on_project_changed(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` whenever a different project is shown (New, Open, recovery)."""
        ...

    def graph_editors(self) -> Mapping[str, GraphEditor]:
        """The canvas of each graph of the current project, by graph name."""
        ...

    def add_panel(self, widget: QWidget, title: str, name: str, spot: DockSpot) -> QDockWidget:
        """A dock for ``widget`` (``name`` keeps its place in the saved window layout)."""
        ...

    def add_run_actions(self, menu_title: str, groups: Sequence[Mapping[str, QAction]], toolbar: QToolBar) -> None:
        """A menu of the actions (a separator between groups) and ``toolbar``; the actions' shortcuts work
        anywhere in the window, and the window lists them by name with its own."""
        ...

    def push_undo(self, command: QUndoCommand) -> None:
        """Do ``command`` as one step of the window's undo history (it marks the project modified)."""
        ...

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid every change to the project's graphs (actions, palette, inspector, canvases)."""
        ...

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """A status-bar note; ``timeout_ms=0`` keeps it until replaced or cleared."""
        ...

    def clear_message(self) -> None:
        ...

    def show_error(self, title: str, text: str) -> None:
        """A warning that does not block the window."""
        ...
