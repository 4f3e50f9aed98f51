"""`EditingLock`: while a run goes, nothing in the window can change the graph — and the canvas says why.

The run trains a snapshot, so edits could not reach it anyway; the lock keeps
the picture honest (the canvas shows the network that is training, with its
gradient overlay) and makes the reason visible: a banner above each canvas and
a status-bar message.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from netbuilder.ui.editor import GraphEditor
from netbuilder.ui.training.host import TrainingHost
from netbuilder.ui.training.overlay import GradientLegend

LOCK_MESSAGE = "Editing is locked while training — stop the run to edit"


class EditingLock:
    """Locks and unlocks the window's editing; owns the lock banner and gradient legend of each canvas."""

    def __init__(self, window: TrainingHost, also: Iterable[QWidget] = ()) -> None:
        self.window = window
        self.also = list(also)  # more widgets to disable while locked (the training settings)
        self.locked = False
        self.banners: dict[GraphEditor, QLabel] = {}
        self.legends: dict[GraphEditor, GradientLegend] = {}

    def decorate(self) -> None:
        """A lock banner above and a gradient legend below each canvas (added once per editor)."""
        for editor in self.window.graph_editors().values():
            if editor in self.banners:
                continue
            banner = QLabel(LOCK_MESSAGE)
            banner.setObjectName("training_lock_banner")
            banner.setStyleSheet("background: #f5b942; color: #1f2430; padding: 5px; font-weight: bold;")
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            banner.setVisible(self.locked)
            legend = GradientLegend()
            legend.hide()
            editor.add_banner(banner)
            editor.add_footer(legend)
            self.banners[editor] = banner
            self.legends[editor] = legend
            editor.destroyed.connect(lambda _=None, e=editor: (self.banners.pop(e, None), self.legends.pop(e, None)))

    def show_legends(self) -> None:
        for legend in self.legends.values():
            legend.show()

    def set_locked(self, locked: bool) -> None:
        """While a run goes, nothing can change the graph: actions, palette, inspector and canvas are off."""
        self.locked = locked
        self.window.set_editable(not locked)
        for widget in self.also:
            widget.setEnabled(not locked)
        self.decorate()
        for editor in self.window.graph_editors().values():
            self.banners[editor].setVisible(locked)
        if locked:
            self.window.show_message(LOCK_MESSAGE, 0)
        else:
            self.window.clear_message()
