"""`MainWindow`: the canvas tabs (one per graph), palette, inspector, problems, status totals, files."""

from __future__ import annotations

import time

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QDockWidget, QInputDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from netbuilder.graph.report import human
from netbuilder.ui.actions import build_actions
from netbuilder.ui.blocks import BlockLibrary
from netbuilder.ui.editor import GraphEditor
from netbuilder.ui.files import Recovery, RecentFiles, app_settings
from netbuilder.ui.inspector import Inspector
from netbuilder.ui.palette import Palette
from netbuilder.ui.problems import ProblemsPanel
from netbuilder.ui.project_files import ProjectFiles

AUTOSAVE_MS = 60_000


def empty_project() -> Project:
    graph = Graph("model")
    graph.add_node("Input", (0.0, 0.0), name="input")
    return Project("untitled", {"model": graph})


class MainWindow(ProjectFiles, QMainWindow):
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
        self.project: Project = empty_project()
        self.editors: dict[str, GraphEditor] = {}
        self.results: dict[str, Analysis] = {}
        self.last_error = ""
        self._dirty = False  # changes the undo stack does not know about (recovered work, saved blocks)
        self._analysed_key: tuple = ()
        self._analysis_ms = 0.0  # how long the last analysis took
        self._layout_restored = False
        self.view_menu = None  # View menu, made by build_actions
        self.recent_menu = None
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setTabBarAutoHide(True)
        self.tabs.currentChanged.connect(self._on_selection)
        self.setCentralWidget(self.tabs)
        self.palette = Palette()
        self.inspector = Inspector(self.undo_stack)
        self.inspector.save_block_handler = self.save_block
        self.problems = ProblemsPanel()
        self.add_dock(self.palette, "Layers", Qt.LeftDockWidgetArea, "palette")
        self.add_dock(self.inspector, "Inspector", Qt.RightDockWidgetArea, "inspector")
        self.add_dock(self.problems, "Problems", Qt.BottomDockWidgetArea, "problems")
        self.palette.add_requested.connect(lambda t: self.editor_call("add_layer", t))
        self.palette.block_requested.connect(self._insert_block_at_centre)
        self.problems.activated.connect(self.reveal)
        self.totals = QLabel()
        self.statusBar().addPermanentWidget(self.totals)

        self.actions_by_name = build_actions(self)
        for dock in self.findChildren(QDockWidget):
            self.view_menu.addAction(dock.toggleViewAction())
        from netbuilder.ui.training import install_training  # light: torch loads on the first Train click
        self.training = install_training(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_title)
        self._analysis_timer = QTimer(self, singleShot=True, interval=0, timeout=self.run_analysis)
        self.autosave_timer = QTimer(self, interval=autosave_ms, timeout=self.autosave)
        self.autosave_timer.start()
        self.resize(1440, 900)
        self._restore_layout()
        self.set_project(project or empty_project())

    def closeEvent(self, event) -> None:
        # A training run must be stopped cleanly (the user is asked) before the usual save prompt.
        if not self.training.confirm_close():
            event.ignore()
            return
        super().closeEvent(event)

    # ---- docks (the hook for later panels) -------------------------------------------------------
    def add_dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea = Qt.RightDockWidgetArea,
                 name: str | None = None) -> QDockWidget:
        """Add a resizable, closable dock whose place is remembered with the window layout."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name or title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        dock.show()
        if self._layout_restored:
            # A dock added after the layout was restored (a later panel) gets its remembered place back.
            self.restoreDockWidget(dock)
        if self.view_menu is not None:  # docks added before the menus exist are listed by __init__
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def _restore_layout(self) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self._layout_restored = self.restoreState(state)
        else:
            self.resizeDocks([self.findChild(QDockWidget, "dock_palette"),
                              self.findChild(QDockWidget, "dock_inspector")], [210, 300], Qt.Horizontal)
            self.resizeDocks([self.findChild(QDockWidget, "dock_problems")], [110], Qt.Vertical)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())

    # ---- the project -----------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        """Show ``project``: one canvas tab per graph; the undo history starts afresh."""
        for editor in self.editors.values():
            editor.close_editor()
            editor.graph.events.changed.disconnect(self.schedule_analysis)
            editor.deleteLater()
        self.inspector.clear()
        self.tabs.clear()
        self.editors = {}
        self.undo_stack.clear()
        self.project, self._dirty, self._analysed_key = project, False, ()
        for name, graph in project.graphs.items():
            editor = GraphEditor(graph, self.undo_stack)
            editor.message.connect(self.show_message)
            editor.selection_changed.connect(self._on_selection)
            editor.scene.node_activated.connect(lambda _id: self.inspector.setFocus())
            graph.events.changed.connect(self.schedule_analysis)
            self.editors[name] = editor
            self.tabs.addTab(editor, name)
        self.palette.set_blocks(self.block_library.blocks(project))
        self.run_analysis()
        self._update_title()
        QTimer.singleShot(0, self._restore_views)
        self.project_changed.emit()

    def _restore_views(self) -> None:
        views = self.project.view.get("canvas", {})
        for name, editor in self.editors.items():
            v = views.get(name) if isinstance(views, dict) else None
            try:
                editor.view.resetTransform()
                editor.view.set_zoom(float(v["zoom"]))
                editor.view.centerOn(float(v["centre"][0]), float(v["centre"][1]))
            except (TypeError, KeyError, ValueError, IndexError):
                editor.view.fit_all()

    def _store_views(self) -> None:
        self.project.view["canvas"] = {
            name: {"zoom": round(e.view.zoom, 3), "centre": [round(e.view.centre().x(), 1),
                                                             round(e.view.centre().y(), 1)]}
            for name, e in self.editors.items()}

    @property
    def modified(self) -> bool:
        return self._dirty or not self.undo_stack.isClean()

    def _update_title(self, *_: object) -> None:
        where = self.project.path.name if self.project.path else "not saved yet"
        self.setWindowTitle(f"{self.project.name} — {where}[*] — netbuilder")
        self.setWindowModified(self.modified)

    def editor(self) -> GraphEditor | None:
        return self.tabs.currentWidget()

    def editor_call(self, method: str, *args):
        """Call a method (``view.fit_all`` style paths too) on the current canvas, if there is one."""
        target = self.editor()
        if target is None:
            return None
        for part in method.split("."):
            target = getattr(target, part)
        return target(*args)

    # ---- analysis --------------------------------------------------------------------------------
    def schedule_analysis(self) -> None:
        # Coalesce a burst of changes into one analysis. When analysis is slow (big graphs) wait for
        # a short pause in the edits, so typing and dragging stay responsive.
        self._analysis_timer.setInterval(0 if self._analysis_ms < 10 else 150)
        self._analysis_timer.start()

    def run_analysis(self, force: bool = False) -> None:
        key = tuple((name, g.revision) for name, g in self.project.graphs.items())
        if key == self._analysed_key and not force:
            self._update_title()
            return  # a move: shapes and problems cannot have changed
        self._analysed_key = key
        started = time.perf_counter()
        self.results = self.project.analyze()
        self._analysis_ms = (time.perf_counter() - started) * 1000
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

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def show_error(self, title: str, text: str) -> None:
        """A non-modal warning (it never blocks the editor or a test)."""
        self.last_error = text
        self.show_message(text)
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def zoom_by(self, factor: float) -> None:
        editor = self.editor()
        if editor is not None:
            editor.view.set_zoom(editor.view.zoom * factor)

    def set_snap(self, on: bool) -> None:
        for editor in self.editors.values():
            editor.scene.set_snap(on)

    # ---- blocks ----------------------------------------------------------------------------------
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
        if gid is None:
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
        self.palette.set_blocks(self.block_library.blocks(self.project))
        self._dirty = True
        self._update_title()
        self.show_message(f"Block '{name}' saved to the palette")

    def _insert_block_at_centre(self, block: dict) -> None:
        editor = self.editor()
        if editor is not None:
            c = editor.view.centre()
            editor.insert_block(block["name"], block["fragment"], (c.x(), c.y()))
