"""File commands of the main window: New (from a template), Open, Save, Save As, recent files,
the unsaved-changes prompt, autosave and crash recovery. `MainWindow` is built on `ProjectFiles`.

Every failure on a file is shown in the words the command line prints for it (`netbuilder.ui.errors`);
File › Open and Open Recent read the file on a thread of their own (`netbuilder.ui.opening`)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent, QUndoStack
from PySide6.QtWidgets import QDialog, QFileDialog, QMainWindow, QMenu, QMessageBox

from netbuilder.graph.layout import ROW
from netbuilder.graph.model import Graph
from netbuilder.graph.project import SUFFIX, Project
from netbuilder.graph.runs import run_folders, runs_folder
from netbuilder.graph.settings import DatasetSettings
from netbuilder.graph.start_from import pinned
from netbuilder.ui.background import BackgroundJob, Outcome, run_in_background
from netbuilder.ui.dialogs import TemplateChooser
from netbuilder.ui.errors import failure_text
from netbuilder.ui.files import Recovery, RecentFiles
from netbuilder.ui.opening import BusyBar, OpenedProject, read_project, write_project

if TYPE_CHECKING:
    from netbuilder.ui.training.controller import TrainingController

FILTER = f"netbuilder projects (*{SUFFIX})"
ONNX_SUFFIX = ".onnx"
OPEN_FILTER = f"netbuilder projects and ONNX models (*{SUFFIX} *{ONNX_SUFFIX});;{FILTER};;ONNX models (*{ONNX_SUFFIX})"


UNTITLED = "untitled"


def empty_project() -> Project:
    """A new, untitled project whose parts agree: the iris data set, an Input of its 4 measurements and a Target
    of its 3 species, so a network built between them trains and the loss advice fits the data."""
    graph = Graph("model")
    graph.add_node("Input", (0.0, 0.0), name="features", params={"kind": "tabular", "features": 4})
    graph.add_node("Target", (0.0, ROW), name="labels", params={"kind": "classes", "classes": 3})
    return Project(UNTITLED, {"model": graph}, DatasetSettings("iris"))


def name_after_save_as(project: Project, path: Path) -> str:
    """The name a project takes when saved as ``path``: the file's stem while it has no name of its own
    (still untitled, or named after the file it came from), else its own name."""
    name = project.name.strip()
    if name in ("", UNTITLED) or (project.path is not None and name == project.path.stem):
        return path.stem
    return project.name


class ProjectFiles(QMainWindow):
    """The window's file half. What it needs from the rest of the window is declared here: the
    attributes `MainWindow.__init__` sets, and the hooks below that `MainWindow` provides."""

    project: Project
    undo_stack: QUndoStack
    recent: RecentFiles
    recovery: Recovery
    autosave_timer: QTimer
    recent_menu: QMenu | None
    training: TrainingController  # where the project's runs are (Save As carries them)
    _dirty: bool  # changes the undo stack does not know about
    busy: BusyBar  # the status bar's "working" indicator while a file is read or a model imported
    opening: BackgroundJob | None  # the file File › Open is reading, if any
    imported_weights: bytes | None  # an imported model's weights, written beside the project when it is saved

    # ---- hooks MainWindow provides ---------------------------------------------------------------
    @property
    def modified(self) -> bool:
        raise NotImplementedError

    def set_project(self, project: Project, opened: OpenedProject | None = None) -> None:
        raise NotImplementedError

    def show_message(self, text: str, timeout_ms: int = 8000) -> None:
        raise NotImplementedError

    def show_error(self, title: str, text: str) -> None:
        raise NotImplementedError

    def import_onnx(self, path: str | Path) -> None:
        raise NotImplementedError

    def _update_title(self, *_: object) -> None:
        raise NotImplementedError

    def _store_views(self) -> None:
        raise NotImplementedError

    def _save_layout(self) -> None:
        raise NotImplementedError

    # ---- questions (tests replace these) -------------------------------------------------------
    def ask_save_changes(self) -> QMessageBox.StandardButton:
        b = QMessageBox.StandardButton
        return QMessageBox.question(self, "Unsaved changes",
                                    f"Save the changes to '{self.project.name}' before closing it?",
                                    b.Save | b.Discard | b.Cancel, b.Save)

    def ask_recover(self, when: str) -> bool:
        b = QMessageBox.StandardButton
        answer = QMessageBox.question(self, "Recover unsaved work?",
                                      f"netbuilder did not close properly last time. Work autosaved {when} can be "
                                      "recovered. Recover it?", b.Yes | b.No, b.Yes)
        return answer == b.Yes

    def ask_template(self) -> tuple[bool, Path | None]:
        chooser = TemplateChooser(self)
        ok = chooser.exec() == QDialog.DialogCode.Accepted
        return ok, chooser.chosen()

    def ask_open_path(self) -> str:
        start = str(self.project.path.parent) if self.project.path else ""
        return QFileDialog.getOpenFileName(self, "Open project", start, OPEN_FILTER)[0]

    def ask_carry_runs(self, source: Path, target: Path, move: bool) -> bool:
        """Whether the runs (each one's checkpoints and history) go with the project to its new file."""
        b = QMessageBox.StandardButton
        runs = len(run_folders(source))
        what = "its trained model" if runs <= 1 else f"its {runs} training runs"
        if move:
            title = "Keep the trained model with the project?"
            text = (f"'{self.project.name}' was trained before it was saved. Move {what} (checkpoints "
                    f"and training history) next to the project, so that it opens trained and Export uses it?\n\n"
                    f"From: {source}\nTo: {target}")
        else:
            title = "Copy the trained model too?"
            text = (f"Copy {what} (checkpoints and training history) to the new project, so that it "
                    f"opens trained and Export uses it? The original project keeps its own.\n\n"
                    f"From: {source}\nTo: {target}")
        if run_folders(target):
            text += "\n\nThe runs already recorded there stay, beside these."
        return QMessageBox.question(self, title, text, b.Yes | b.No, b.Yes) == b.Yes

    def ask_save_path(self) -> str:
        start = str(self.project.path) if self.project.path else f"{self.project.name}{SUFFIX}"
        path = QFileDialog.getSaveFileName(self, "Save project", start, FILTER)[0]
        if path and not path.endswith(SUFFIX):
            path += SUFFIX
        return path

    def show_failure(self, title: str, exc: BaseException) -> None:
        """Show why a file command failed, as the command line says it; a bug (an exception no one
        expects) is raised again instead of being dressed up as a message."""
        self.show_error(title, failure_text(exc))

    # ---- commands --------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded or unchanged)."""
        if not self.modified:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_project(self, template: Path | None | Literal[False] = False) -> bool:
        """Start a project from a template file (None: empty); False asks with the template chooser."""
        if not self.maybe_save():
            return False
        if template is False:
            ok, template = self.ask_template()
            if not ok:
                return False
        if template is None:
            self.set_project(empty_project())
            return True
        try:
            opened = read_project(template)
        except Exception as exc:  # shown when the user can act on it, raised again when it is a bug
            self.show_failure("Cannot use this template", exc)
            return False
        project = opened.project
        # A new project (saving asks where): a weights file named beside the template stays found.
        project.training.start_from = pinned(project.training.start_from, Path(template).parent)
        project.path = None
        # The analysis done while reading still holds: neither the path nor Start from is part of it (its key
        # is the graphs' revisions and the data set), so the window shows it instead of analysing again.
        self.set_project(project, opened)
        return True

    def open_project(self, path: str | Path) -> bool:
        """Open a project file now, in this thread (start-up, scripts, tests); a bad file shows the loader's
        message and leaves the current project as it was. File › Open reads in the background: `open_file`."""
        try:
            opened = read_project(path)
        except Exception as exc:  # shown when the user can act on it, raised again when it is a bug
            self.show_failure("Cannot open the project", exc)
            return False
        return self._show_opened(opened)

    def open_file(self, path: str | Path | None = None) -> None:
        """File › Open and Open Recent: a project is read, checked and analysed on a thread of its own (a
        100,000-layer file takes seconds) while the window stays responsive; an .onnx model is imported."""
        path = path or self.ask_open_path()
        if not path:
            return
        if Path(path).suffix.lower() == ONNX_SUFFIX:  # a model from elsewhere: imported as a new project
            self.import_onnx(path)
            return
        if self.opening is not None:
            self.show_message("Still opening the last file — wait for it to finish")
            return
        what = f"Opening {Path(path).name}…"
        self.busy.start(what)
        self.opening = run_in_background(lambda: read_project(path),
                                         lambda outcome: self._opened_in_background(what, outcome), self)

    def _opened_in_background(self, what: str, outcome: Outcome) -> None:
        self.opening = None
        self.busy.stop(what)
        if outcome.error is not None:
            self.show_failure("Cannot open the project", outcome.error)
        else:
            self._show_opened(outcome.value)

    def _show_opened(self, opened: OpenedProject) -> bool:
        if not self.maybe_save():
            return False
        self.set_project(opened.project, opened)
        self.recent.add(opened.path)
        return True

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._write(self.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        path = path or self.ask_save_path()
        if not path:
            return False
        old_name, old_path = self.project.name, self.project.path
        runs = self.training.runs_to_carry()  # where the runs are before the project moves
        self.project.name = name_after_save_as(self.project, Path(path))
        if self._write(Path(path)):
            self._carry_runs(runs, move=old_path is None)
            return True
        self.project.name = old_name  # not saved: nothing changed
        return False

    def _carry_runs(self, runs: Path | None, move: bool) -> None:
        """After Save As: the project's runs follow it to runs/<new stem>/ when the user agrees (asked once).
        An unsaved project's runs are moved out of the per-user folder; a saved one's are copied."""
        assert self.project.path is not None
        target = runs_folder(self.project.path)
        carry = runs is not None and runs.resolve() != target.resolve() and self.ask_carry_runs(runs, target, move)
        self.training.project_saved(runs, carry, move)

    def _write(self, path: Path) -> bool:
        self._store_views()
        try:
            write_project(self.project, path, self.imported_weights)
        except Exception as exc:  # shown when the user can act on it, raised again when it is a bug
            self.show_failure("Cannot save", exc)
            return False
        self.imported_weights = None  # they are beside the project now, where Export and training find them
        self.undo_stack.setClean()
        self._dirty = False
        self.recent.add(path)
        self.recovery.clear()
        self._update_title()
        self.show_message(f"Saved {path}")
        return True

    def fill_recent_menu(self) -> None:
        menu = self.recent_menu
        if menu is None:
            return
        menu.clear()
        for path in self.recent.paths():
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))
        menu.setEnabled(True)
        if not menu.actions():
            menu.addAction("(none yet)").setEnabled(False)

    # ---- autosave and recovery -------------------------------------------------------------------
    def autosave(self) -> None:
        """Write unsaved work to the recovery file (every minute)."""
        if self.modified:
            try:
                self.recovery.write(self.project)
            except OSError as exc:
                self.show_message(f"Autosave failed: {failure_text(exc)}")

    def offer_recovery(self) -> bool:
        """At start-up: if a recovery file is left over from a crash, offer to load it."""
        if not self.recovery.pending():
            return False
        when = datetime.datetime.fromtimestamp(self.recovery.path.stat().st_mtime).strftime("%d %b %H:%M")
        if not self.ask_recover(when):
            self.recovery.clear()
            return False
        try:
            project = self.recovery.load()
        except Exception as exc:  # shown when the user can act on it, raised again when it is a bug
            self.show_failure("Cannot recover", exc)
            self.recovery.clear()
            return False
        self.set_project(project)
        self._dirty = True  # recovered work is unsaved work
        self._update_title()
        self.show_message("Recovered the autosaved project — save it to keep it")
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self._save_layout()
        self.recovery.clear()
        self.autosave_timer.stop()
        if self.opening is not None:  # a file still being read: a moment to end (its thread is a daemon)
            self.opening.wait(2000)
        event.accept()
