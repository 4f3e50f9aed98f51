"""`InsidePanel`: the "Look inside" dock — a trained network's layer outputs and histograms, and "Try it".

It reads the weights the training panel reports (`TrainingController.best_checkpoint`:
the last run's, or the recorded run of an opened project) into a fresh build of
the project's graphs, and reloads them whenever the run, the project or the
network changes. Selecting a node on the canvas shows its output. Imports
torch and pyqtgraph: the window loads this module when the dock is first opened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from netbuilder.ui.inside.layer_tab import LayerTab
from netbuilder.ui.inside.try_tab import TryTab

ERROR_COLOUR = "#d93025"
NO_RUN = "Train the network (or open a project with a recorded run) to look inside it."


class InsidePanel(QWidget):
    """Two tabs over one loaded network: "Layer output" and "Try it"."""

    def __init__(self, host: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host  # the MainWindow
        self.net: Any = None  # TrainedNetwork
        self._key: tuple[Any, ...] | None = None
        self.problem = ""
        self.status = QLabel(NO_RUN)
        self.status.setWordWrap(True)
        self.reload_button = QPushButton("Reload weights")
        self.reload_button.setToolTip("Read the trained weights again")
        self.reload_button.clicked.connect(lambda: self.refresh(force=True))
        self.layers = LayerTab(self.network)
        self.try_it = TryTab(self.network)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.layers, "Layer output")
        self.tabs.addTab(self.try_it, "Try it")
        self.tabs.currentChanged.connect(lambda _=0: self.refresh())
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.tabs, 1)
        self._watched: list[Any] = []
        host.project_changed.connect(self._project_changed)
        host.training.run_finished.connect(lambda _outcome: self.refresh(force=True))
        self._project_changed()

    # ---- the network -----------------------------------------------------------------------------
    def _wanted_key(self) -> tuple[Any, ...] | None:
        checkpoint = self.host.training.best_checkpoint
        if checkpoint is None or not Path(checkpoint).is_file():
            return None
        project = self.host.project
        return (str(checkpoint), Path(checkpoint).stat().st_mtime_ns, id(project),
                tuple((name, g.revision) for name, g in project.graphs.items()))

    def network(self) -> Any:
        """The trained network as the project is now (loaded on first need), or None with the reason shown."""
        key = self._wanted_key()
        if key is None:
            self.net, self._key = None, None
            self._say(NO_RUN)
            return None
        if key != self._key:
            self._key = key
            self.net = self._load(Path(key[0]))
        return self.net

    def _load(self, checkpoint: Path) -> Any:
        from netbuilder.compile import GraphCompileError
        from netbuilder.data import DataError
        from netbuilder.train.checkpoint import CheckpointError
        from netbuilder.train.inside import load_trained

        self._say("Loading the trained network…")
        try:
            net = load_trained(self.host.project, checkpoint)
        except CheckpointError:
            self._say("✖ The trained weights no longer fit the network (it changed after training) — train it "
                      "again to look inside.", ERROR_COLOUR)
            return None
        except (GraphCompileError, DataError) as exc:
            self._say(f"✖ Cannot look inside: {exc}", ERROR_COLOUR)
            return None
        self._say(f"Trained weights: {checkpoint}")
        return net

    def _say(self, text: str, colour: str = "") -> None:
        self.problem = text if colour else ""
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};" if colour else "")

    # ---- following the window --------------------------------------------------------------------
    def _project_changed(self) -> None:
        for editor in self._watched:
            try:
                editor.selection_changed.disconnect(self._selection_changed)
            except (RuntimeError, TypeError):  # already gone with its project
                pass
        self._watched = list(self.host.editors.values())
        for editor in self._watched:
            editor.selection_changed.connect(self._selection_changed)
        self.layers.node = None
        self.refresh()

    def _selection_changed(self) -> None:
        editor = self.host.editor()
        if editor is None:
            return
        ids = editor.scene.selected_node_ids()
        if len(ids) == 1 and ids[0] in editor.graph.nodes:
            self.show_node(editor.graph.nodes[ids[0]].name)

    def show_node(self, name: str) -> None:
        """Show a node's output (by node name); brings the layer tab to the front."""
        self.layers.node = name
        if self.isVisible():
            self.tabs.setCurrentWidget(self.layers)
            self.refresh()

    def refresh(self, force: bool = False) -> None:
        """Redraw the tab in front (only while the panel is shown: loading costs torch and the data)."""
        if force:
            self._key = None
        if not self.isVisible() and not force:
            return
        if self.tabs.currentWidget() is self.layers:
            self.layers.redraw()
        else:
            self.try_it.refresh()
