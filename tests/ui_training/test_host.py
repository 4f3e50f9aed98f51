"""The training UI asks its window only through `TrainingHost`: any window offering those methods can host it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from netbuilder.ui.training import install_training
from netbuilder.ui.training.host import DockSpot
from netbuilder.ui.training.lock import LOCK_MESSAGE


class RecordingHost(QMainWindow):
    """A bare window offering TrainingHost's methods, recording what the training UI asks of it."""

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.spots: dict[str, DockSpot] = {}
        self.actions_by_name: dict = {}
        self.menus: list[str] = []
        self.pushed: list = []
        self.editable = True
        self.messages: list[str] = []
        self.project_callbacks: list = []

    def window_widget(self):
        return self

    def current_project(self):
        return self.project

    def on_project_changed(self, callback):
        self.project_callbacks.append(callback)

    def graph_editors(self):
        return {}

    def add_panel(self, widget, title, name, spot):
        dock = QDockWidget(title, self)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        self.spots[name] = spot
        return dock

    def add_run_actions(self, menu_title, groups, toolbar):
        self.menus.append(menu_title)
        for group in groups:
            self.actions_by_name.update(group)
        self.addToolBar(toolbar)

    def push_undo(self, command):
        command.redo()
        self.pushed.append(command)

    def set_editable(self, editable):
        self.editable = editable

    def show_message(self, text, timeout_ms=8000):
        self.messages.append(text)

    def clear_message(self):
        self.messages.append("")

    def show_error(self, title, text):
        self.messages.append(text)


def hosted(qtbot) -> tuple[RecordingHost, object]:
    graph = Graph("model")
    graph.add_node("Input", name="x")
    host = RecordingHost(Project("p", {"model": graph}))
    qtbot.addWidget(host)
    return host, install_training(host)


def test_the_training_ui_places_its_panels_and_actions_through_the_host(qtbot):
    host, _ = hosted(qtbot)
    assert host.spots == {"training_settings": DockSpot.WITH_INSPECTOR, "training_run": DockSpot.BESIDE_PROBLEMS,
                          "training_results": DockSpot.WITH_PROBLEMS, "training_runs": DockSpot.WITH_PROBLEMS}
    assert set(host.actions_by_name) == {"train", "pause", "resume", "stop", "export"} and host.menus == ["&Train"]


def test_a_settings_edit_becomes_one_undo_step_of_the_host(qtbot):
    host, controller = hosted(qtbot)
    controller.panel.epochs.setValue(3)
    assert len(host.pushed) == 1 and host.project.training.epochs == 3
    host.pushed[0].undo()
    assert host.project.training.epochs == 10 and controller.panel.epochs.value() == 10


def test_locking_for_a_run_makes_the_host_uneditable_and_says_why(qtbot):
    host, controller = hosted(qtbot)
    controller.lock.set_locked(True)
    assert not host.editable and host.messages[-1] == LOCK_MESSAGE and not controller.panel.isEnabled()
    controller.lock.set_locked(False)
    assert host.editable and host.messages[-1] == "" and controller.panel.isEnabled()
