"""`MainWindow`: the canvas tabs (one per graph), palette, inspector, problems, status totals.

Its other parts are mixins, one module each: files (`project_files`), model imports (`importing`), docks
(`docks`), blocks (`window_blocks`) and help (`window_help`).

The training UI reaches the window only through the `TrainingHost` methods
(netbuilder/ui/training/host.py): its docks, actions, messages, the canvases
and `set_editable`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QDialog, QDockWidget, QLabel, QMainWindow, QMenu, QMessageBox, QTabWidget, QToolBar,
                               QWidget)

from netbuilder.data.checks import analyze_with_data
from netbuilder.graph.analysis import Analysis
from netbuilder.graph.project import Project
from netbuilder.graph.report import human
from netbuilder.ui.actions import build_actions
from netbuilder.ui.background import BackgroundJob
from netbuilder.ui.blocks import BlockLibrary
from netbuilder.ui.docks import DockLayout
from netbuilder.ui.editor import GraphEditor
from netbuilder.ui.files import Recovery, RecentFiles, app_settings
from netbuilder.ui.importing import ModelImports, TorchImportDialog
from netbuilder.ui.inspector import Inspector
from netbuilder.ui.opening import AnalysisKey, BusyBar, OpenedProject, analysis_key
from netbuilder.ui.palette import Palette
from netbuilder.ui.problems import ProblemsPanel
from netbuilder.ui.project_files import ProjectFiles, empty_project
from netbuilder.ui.window_blocks import BlockCommands
from netbuilder.ui.window_help import HelpCommands

AUTOSAVE_MS = 60_000
# Window actions that change the graph or replace the project: off while the window is not editable.
EDIT_ACTIONS = ("new", "open", "import_onnx", "import_torch", "paste", "duplicate", "delete", "rename", "group",
                "ungroup", "collapse", "save_block", "layout", "undo", "redo")

__all__ = ["AUTOSAVE_MS", "EDIT_ACTIONS", "MainWindow", "empty_project"]


class MainWindow(BlockCommands, HelpCommands, DockLayout, ModelImports, ProjectFiles):
    """The whole editor. Later parts add panels with `add_dock` (training, plots)."""

    analysed = Signal()  # after each analysis: the canvas, problems and totals are up to date
    project_changed = Signal()  # a different project was loaded or started

    def __init__(self, project: Project | None = None, settings: QSettings | None = None,
                 autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__()
        self.settings = settings or app_settings()
        self.recent = RecentFiles(self.settings)
        self.recovery = Recovery(self.settings)
        self.block_library = BlockLibrary(self.settings)
        self.undo_stack = QUndoStack(self)
        self.project = empty_project()
        self.editors: dict[str, GraphEditor] = {}
        self.results: dict[str, Analysis] = {}
        self.last_error = ""
        self._dirty = False  # changes the undo stack does not know about (recovered work, saved blocks)
        self._analysed_key: AnalysisKey = ()
        self._analysis_ms = 0.0  # how long the last analysis took
        self._layout_restored = False
        self._docks: list[QDockWidget] = []
        self._room_for: list[tuple[QDockWidget, QWidget]] = []  # docks to widen, once shown, to fit a panel
        self._beside_problems: QDockWidget | None = None  # shares the bottom with the problems (see settle_docks)
        self._settled = False
        self._editable = True  # False while a training run goes (see set_editable)
        self.view_menu: QMenu | None = None  # the View menu lists every dock; made by build_actions below
        self.recent_menu = None
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.currentChanged.connect(self._on_selection)
        self.setCentralWidget(self.tabs)
        # `layer_palette`, not `palette`: QWidget.palette() is the widget's colours.
        self.layer_palette = Palette()
        self.inspector = Inspector(self.undo_stack)
        self.inspector.save_block_requested.connect(self.save_block)
        self.problems = ProblemsPanel()
        self.palette_dock = self.add_dock(self.layer_palette, "Layers", Qt.DockWidgetArea.LeftDockWidgetArea,
                                          "palette")
        self.inspector_dock = self.add_dock(self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea,
                                            "inspector")
        self.problems_dock = self.add_dock(self.problems, "Problems", Qt.DockWidgetArea.BottomDockWidgetArea,
                                           "problems")
        # A double-click in the palette puts the layer beside the selected one, wired after it when it fits.
        self.layer_palette.add_requested.connect(
            lambda layer_type: self.on_editor(lambda e: e.add_layer(layer_type, wire_after=True)))
        self.layer_palette.block_requested.connect(self._insert_block_at_centre)
        self.problems.activated.connect(self.reveal)
        self.problems.new_errors.connect(self._problems_to_front)
        self.totals = QLabel()
        self.statusBar().addPermanentWidget(self.totals)
        self.busy = BusyBar(self.statusBar())
        self.opening: BackgroundJob | None = None
        self.import_job: BackgroundJob | None = None
        self.torch_dialog: TorchImportDialog | None = None
        self.imported_weights: bytes | None = None

        built = build_actions(self)
        self.actions_by_name: dict[str, QAction] = built.actions
        self.recent_menu, self.view_menu = built.recent_menu, built.view_menu
        self.import_menu = built.import_menu
        self.help_menu = built.help_menu
        self.help_dialog: QDialog | None = None  # the shortcuts or About window last opened
        for dock in self._docks:
            built.view_menu.addAction(dock.toggleViewAction())
        from netbuilder.ui.training import install_training  # light: torch loads on the first Train click
        self.training = install_training(self)
        from netbuilder.ui.experiments import install_experiments  # light: search and look-inside load when opened
        self.experiments = install_experiments(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(lambda _index: self.schedule_analysis())  # settings edits, too
        self._analysis_timer = QTimer(self)
        self._analysis_timer.setSingleShot(True)
        self._analysis_timer.setInterval(0)
        self._analysis_timer.timeout.connect(self.run_analysis)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(autosave_ms)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.resize(1440, 900)
        self._restore_layout()
        self.set_project(project or empty_project())

    def closeEvent(self, event: QCloseEvent) -> None:
        # A training run must be stopped cleanly (the user is asked) before the usual save prompt.
        if not self.training.confirm_close():
            event.ignore()
            return
        super().closeEvent(event)

    # ---- the project -----------------------------------------------------------------------------
    def set_project(self, project: Project, opened: OpenedProject | None = None) -> None:
        """Show ``project``: one canvas tab per graph; the undo history starts afresh. ``opened`` brings the
        analysis done while the file was read (File › Open), so it is not done again here."""
        for editor in self.editors.values():
            editor.close_editor()
            editor.graph.events.changed.disconnect(self.schedule_analysis)
            editor.deleteLater()
        self.inspector.clear()
        self.tabs.clear()
        self.editors = {}
        self.undo_stack.clear()
        self.project, self._dirty, self._analysed_key = project, False, ()
        self.imported_weights = None  # an import sets its own after this
        for name, graph in project.graphs.items():
            editor = GraphEditor(graph, self.undo_stack)
            editor.message.connect(self.show_message)
            editor.selection_changed.connect(self._on_selection)
            editor.scene.node_activated.connect(lambda _id: self.inspector.setFocus())
            editor.inspect_requested.connect(self.inspect)
            editor.group_requested.connect(self.group_selection)
            editor.set_editable(self._editable)
            graph.events.changed.connect(self.schedule_analysis)
            self.editors[name] = editor
            self.tabs.addTab(editor, name)
            if editor.scene.build is not None:  # a huge graph fills its canvas over many ticks: say how far
                what = f"Drawing {name}…"
                self.busy.start(what)
                editor.scene.build.progress.connect(lambda done, total, what=what: self.busy.progress(what, done,
                                                                                                       total))
                editor.scene.build.finished.connect(lambda what=what: self.busy.stop(what))
        self.layer_palette.set_blocks(self.block_library.blocks(project))
        if opened is not None and opened.project is project:
            self._show_analysis(opened.results, opened.key, opened.analysis_ms)
        else:
            self.run_analysis()
        self._update_title()
        QTimer.singleShot(0, self._restore_views)
        self.project_changed.emit()

    def _restore_views(self) -> None:
        views = self.project.view.get("canvas", {})
        for name, editor in self.editors.items():
            v: Any = views.get(name) if isinstance(views, dict) else None  # file data: checked by trying
            try:  # each canvas takes its view when its tab is first shown (a hidden tab has no size yet)
                editor.view.open_at(float(v["zoom"]), QPointF(float(v["centre"][0]), float(v["centre"][1])))
            except (TypeError, KeyError, ValueError, IndexError):
                editor.view.open_at()  # frame the nodes, readably

    def _store_views(self) -> None:
        views = {name: e.view.view_to_store() for name, e in self.editors.items()}
        self.project.view["canvas"] = {name: v for name, v in views.items() if v is not None}

    @property
    def modified(self) -> bool:
        return self._dirty or not self.undo_stack.isClean()

    def _update_title(self, *_: object) -> None:
        where = self.project.path.name if self.project.path else "not saved yet"
        self.setWindowTitle(f"{self.project.name} — {where}[*] — netbuilder")
        self.setWindowModified(self.modified)

    def editor(self) -> GraphEditor | None:
        """The canvas in front, if any."""
        current = self.tabs.currentWidget()
        return current if isinstance(current, GraphEditor) else None

    def on_editor(self, action: Callable[[GraphEditor], Any]) -> None:
        """Do ``action`` on the canvas in front (menu entries and shortcuts); nothing without one."""
        editor = self.editor()
        if editor is not None:
            action(editor)

    # ---- analysis --------------------------------------------------------------------------------
    def schedule_analysis(self) -> None:
        # Coalesce a burst of changes into one analysis. When analysis is slow (big graphs) wait for
        # a short pause in the edits, so typing and dragging stay responsive.
        self._analysis_timer.setInterval(0 if self._analysis_ms < 10 else 150)
        self._analysis_timer.start()

    def run_analysis(self, force: bool = False) -> None:
        # The data set is checked against the Input/Target it feeds: a settings edit re-checks as a graph edit does.
        key = analysis_key(self.project)
        if key == self._analysed_key and not force:
            self._update_title()
            return  # a move: shapes and problems cannot have changed
        started = time.perf_counter()
        results = analyze_with_data(self.project)
        self._show_analysis(results, key, (time.perf_counter() - started) * 1000)

    def _show_analysis(self, results: dict[str, Analysis], key: AnalysisKey, analysis_ms: float) -> None:
        self.results, self._analysed_key, self._analysis_ms = results, key, analysis_ms
        for name, editor in self.editors.items():
            editor.set_analysis(self.results[name])
        self.problems.set_results(self.results, self.project.graphs)
        diags = [d for a in self.results.values() for d in a.diagnostics]
        errors = sum(d.is_error for d in diags)
        params = sum(a.total_params for a in self.results.values())
        macs = sum(a.total_macs for a in self.results.values())
        self.totals.setText(f"{params:,} params ({human(params)})  ·  {human(macs)} multiply-adds  ·  "
                            f"{errors} error{'s' * (errors != 1)}, {len(diags) - errors} warning"
                            f"{'s' * (len(diags) - errors != 1)}")
        self.totals.setStyleSheet("color: #e5534b;" if errors else "")
        self._show_node_problems()
        self._update_title()
        self.analysed.emit()

    def _problems_to_front(self, _count: int) -> None:
        """New errors: the problems panel comes out from behind its tab (a panel the user closed stays closed)."""
        if self.problems_dock.toggleViewAction().isChecked():
            self.problems_dock.raise_()

    def _show_node_problems(self) -> None:
        i = self.inspector
        if i.node_id is not None and i.graph is not None and i.graph.name in self.results:
            i.set_problems([d.message for d in self.results[i.graph.name].for_node(i.node_id)])

    # ---- selection and navigation ----------------------------------------------------------------
    def _on_selection(self, *_: object) -> None:
        editor = self.editor()
        if editor is None:
            return
        nodes, groups = editor.scene.selected_node_ids(), editor.scene.selected_group_ids()
        if len(nodes) == 1 and not groups:
            if (self.inspector.graph, self.inspector.node_id) != (editor.graph, nodes[0]):
                self.inspector.show_node(editor.graph, nodes[0])
                self._show_node_problems()
        elif len(groups) == 1 and not nodes:
            self.inspector.show_group(editor.graph, groups[0])
        elif self.inspector.node_id is not None or self.inspector.group_id is not None:
            self.inspector.clear()

    def reveal(self, graph_name: str, node_id: str) -> None:
        """Switch to the node's graph, select it and centre it (problems panel clicks)."""
        editor = self.editors.get(graph_name)
        if editor is not None:
            self.tabs.setCurrentWidget(editor)
            editor.select_and_centre(node_id)

    def inspect(self, item_id: str, field: str = "") -> None:
        """Bring the inspector to the front on a node (or block) of the canvas in front; focus ``field``
        (``__name`` to rename) with its text selected, ready to type over."""
        editor = self.editor()
        if editor is None:
            return
        if item_id in editor.graph.groups:
            self.inspector.show_group(editor.graph, item_id)
        elif item_id in editor.graph.nodes:
            if (self.inspector.graph, self.inspector.node_id) != (editor.graph, item_id):
                self.inspector.show_node(editor.graph, item_id)
                self._show_node_problems()
        else:
            return
        self.inspector_dock.show()
        self.inspector_dock.raise_()
        widget = self.inspector.fields.get(field) if field else None
        if widget is not None:  # after the menu that asked has closed and given the focus back
            QTimer.singleShot(0, lambda: self._focus_field(widget))

    def _focus_field(self, widget: QWidget) -> None:
        self.activateWindow()  # the menu that asked was a window of its own
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
        select_all = getattr(widget, "selectAll", None)
        if callable(select_all):
            select_all()

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        """A status-bar note; ``timeout_ms=0`` keeps it until replaced or cleared."""
        self.statusBar().showMessage(text, timeout_ms)

    def clear_message(self) -> None:
        self.statusBar().clearMessage()

    def show_error(self, title: str, text: str) -> None:
        """A non-modal warning (it never blocks the editor or a test)."""
        self.last_error = text
        self.show_message(text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def zoom_by(self, factor: float) -> None:
        editor = self.editor()
        if editor is not None:
            editor.view.set_zoom(editor.view.zoom * factor)

    def set_snap(self, on: bool) -> None:
        for editor in self.editors.values():
            editor.scene.set_snap(on)

    # ---- what the training UI may use (netbuilder.ui.training.host.TrainingHost) --------------------
    def window_widget(self) -> QWidget:
        return self

    def current_project(self) -> Project:
        return self.project

    def on_project_changed(self, callback: Callable[[], None]) -> None:
        self.project_changed.connect(callback)

    def graph_editors(self) -> Mapping[str, GraphEditor]:
        return self.editors

    def add_run_actions(self, menu_title: str, groups: Sequence[Mapping[str, QAction]], toolbar: QToolBar) -> None:
        menu = QMenu(menu_title, self)
        self.menuBar().insertMenu(self.help_menu.menuAction(), menu)  # Help stays the last menu
        for i, group in enumerate(groups):
            if i:
                menu.addSeparator()
            for name, action in group.items():
                self.addAction(action)  # its shortcut works wherever the focus is in the window
                self.actions_by_name[name] = action
                menu.addAction(action)
        self.addToolBar(toolbar)

    def push_undo(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid every change to the graphs and every switch of project (a training run forbids them)."""
        self._editable = editable
        for name in EDIT_ACTIONS:
            action = self.actions_by_name.get(name)
            if action is not None:
                action.setEnabled(editable)
        if editable:  # the undo stack's own actions follow what can be undone
            self.actions_by_name["undo"].setEnabled(self.undo_stack.canUndo())
            self.actions_by_name["redo"].setEnabled(self.undo_stack.canRedo())
        if self.recent_menu is not None:
            self.recent_menu.setEnabled(editable)
        for widget in (self.layer_palette, self.inspector):
            widget.setEnabled(editable)
        for editor in self.editors.values():
            editor.set_editable(editable)
