"""`EditingLock`: while a run goes, nothing in the window can change the graph — and the canvas says why.

The run trains a snapshot, so edits could not reach it anyway; the lock keeps
the picture honest (the canvas shows the network that is training, with its
gradient overlay) and makes the reason visible: a banner above each canvas and
a status-bar message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from netbuilder.ui.training.overlay import GradientLegend

if TYPE_CHECKING:
    from netbuilder.ui.mainwindow import MainWindow

LOCK_MESSAGE = "Editing is locked while training — stop the run to edit"
# Window actions that change the graph or replace the project: off while a run is going.
EDIT_ACTIONS = ("new", "open", "paste", "duplicate", "delete", "group", "ungroup", "collapse", "save_block",
                "layout", "undo", "redo")


class EditingLock:
    """Locks and unlocks the window's editing; owns the lock banner and gradient legend of each canvas."""

    def __init__(self, window: "MainWindow", also: Iterable[QWidget] = ()) -> None:
        self.window = window
        self.also = list(also)  # more widgets to disable while locked (the training settings)
        self.locked = False
        self.banners: dict[QWidget, QLabel] = {}
        self.legends: dict[QWidget, GradientLegend] = {}

    def decorate(self) -> None:
        """A lock banner above and a gradient legend below each canvas (added once per editor)."""
        for editor in self.window.editors.values():
            if editor in self.banners:
                continue
            banner = QLabel(LOCK_MESSAGE)
            banner.setObjectName("training_lock_banner")
            banner.setStyleSheet("background: #f5b942; color: #1f2430; padding: 5px; font-weight: bold;")
            banner.setAlignment(Qt.AlignCenter)
            banner.setVisible(self.locked)
            legend = GradientLegend()
            legend.hide()
            editor.layout().insertWidget(0, banner)
            editor.layout().addWidget(legend)
            self.banners[editor] = banner
            self.legends[editor] = legend
            editor.destroyed.connect(lambda _=None, e=editor: (self.banners.pop(e, None), self.legends.pop(e, None)))

    def show_legends(self) -> None:
        for legend in self.legends.values():
            legend.show()

    def set_locked(self, locked: bool) -> None:
        """While a run goes, nothing can change the graph: actions, palette, inspector and canvas are off."""
        self.locked = locked
        w = self.window
        for name in EDIT_ACTIONS:
            action = w.actions_by_name.get(name)
            if action is not None:
                action.setEnabled(not locked)
        if not locked:  # the undo stack's own actions follow what can be undone
            w.actions_by_name["undo"].setEnabled(w.undo_stack.canUndo())
            w.actions_by_name["redo"].setEnabled(w.undo_stack.canRedo())
        if w.recent_menu is not None:
            w.recent_menu.setEnabled(not locked)
        for widget in (w.palette, w.inspector, *self.also):
            widget.setEnabled(not locked)
        self.decorate()
        for editor in w.editors.values():
            editor.view.setInteractive(not locked)  # no selecting, dragging, wiring or deleting on the canvas
            editor.view.setAcceptDrops(not locked)
            self.banners[editor].setVisible(locked)
        if locked:
            w.statusBar().showMessage(LOCK_MESSAGE)
        else:
            w.statusBar().clearMessage()
