"""The Experiments menu: Search (hyperparameters and structure) and Look Inside / Try It (a trained network).

Installing it is light (Qt only): the search window and the look-inside dock,
which import torch, Optuna and pyqtgraph, are made when first opened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget

from netbuilder.ui.training.host import DockSpot

if TYPE_CHECKING:
    from netbuilder.ui.inside.panel import InsidePanel
    from netbuilder.ui.search.dialog import SearchDialog


class Experiments(QObject):
    """Owns the Experiments menu, the search window and the look-inside dock of one main window."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.search_dialog: SearchDialog | None = None
        self.inside: InsidePanel | None = None
        self.inside_dock: QDockWidget | None = None
        self.search_action = self._action("&Search…", self.open_search, "Search learning rate, batch size, "
                                          "optimiser and layer sizes for the best network (Optuna)")
        self.inside_action = self._action("Look &Inside", self.open_inside, "See each layer's output, weights and "
                                          "gradients in the trained network")
        self.try_action = self._action("&Try It", lambda: self.open_inside(try_it=True), "Give the trained network "
                                       "an input of your own and see what it predicts")
        menu = window.menuBar().addMenu("E&xperiments")
        menu.addActions([self.search_action])
        menu.addSeparator()
        menu.addActions([self.inside_action, self.try_action])
        window.actions_by_name.update(search=self.search_action, look_inside=self.inside_action,
                                      try_it=self.try_action)

    def _action(self, text: str, slot: Callable[[], object], tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)
        return action

    def open_search(self) -> SearchDialog:
        """Show the search window (made on first use)."""
        if self.search_dialog is None:
            from netbuilder.ui.search.dialog import SearchDialog

            self.search_dialog = SearchDialog(self.window)
        self.search_dialog.show()
        self.search_dialog.raise_()
        self.search_dialog.activateWindow()
        return self.search_dialog

    def open_inside(self, try_it: bool = False) -> InsidePanel:
        """Show the look-inside dock (made on first use), on its "Try it" tab when asked."""
        if self.inside is None:
            from netbuilder.ui.inside.panel import InsidePanel

            self.inside = InsidePanel(self.window)
            self.inside_dock = self.window.add_panel(self.inside, "Look inside", "look_inside",
                                                     DockSpot.WITH_INSPECTOR)
            self.inside_dock.visibilityChanged.connect(self._inside_shown)
        assert self.inside_dock is not None
        self.inside_dock.show()
        self.inside_dock.raise_()
        self.inside.tabs.setCurrentWidget(self.inside.try_it if try_it else self.inside.layers)
        self.inside.refresh()
        return self.inside

    def _inside_shown(self, shown: bool) -> None:
        if shown and self.inside is not None:
            self.inside.refresh()

    def stop_and_wait(self) -> bool:
        """End a search in progress (closing the window, tests)."""
        return self.search_dialog.stop_and_wait() if self.search_dialog is not None else True


def install_experiments(window: Any) -> Experiments:
    return Experiments(window)
