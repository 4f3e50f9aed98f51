"""File commands of the main window: New (from a template), Open, Save, Save As, recent files,
the unsaved-changes prompt, autosave and crash recovery. Mixed into `MainWindow`."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from netbuilder.graph.project import SUFFIX, load_project, save_project
from netbuilder.graph.serialize import ProjectFileError
from netbuilder.ui.dialogs import TemplateChooser

FILTER = f"netbuilder projects (*{SUFFIX})"


class ProjectFiles:
    """Needs the MainWindow attributes: project, undo_stack, recent, recovery, set_project, show_error."""

    # ---- questions (tests replace these) -------------------------------------------------------
    def ask_save_changes(self) -> QMessageBox.StandardButton:
        return QMessageBox.question(self, "Unsaved changes",
                                    f"Save the changes to '{self.project.name}' before closing it?",
                                    QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)

    def ask_recover(self, when: str) -> bool:
        answer = QMessageBox.question(self, "Recover unsaved work?",
                                      f"netbuilder did not close properly last time. Work autosaved {when} can be "
                                      "recovered. Recover it?", QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        return answer == QMessageBox.Yes

    def ask_template(self) -> tuple[bool, Path | None]:
        chooser = TemplateChooser(self)
        ok = chooser.exec() == QDialog.Accepted
        return ok, chooser.chosen()

    def ask_open_path(self) -> str:
        start = str(self.project.path.parent) if self.project.path else ""
        return QFileDialog.getOpenFileName(self, "Open project", start, FILTER)[0]

    def ask_save_path(self) -> str:
        start = str(self.project.path) if self.project.path else f"{self.project.name}{SUFFIX}"
        path = QFileDialog.getSaveFileName(self, "Save project", start, FILTER)[0]
        if path and not path.endswith(SUFFIX):
            path += SUFFIX
        return path

    # ---- commands --------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded or unchanged)."""
        if not self.modified:
            return True
        answer = self.ask_save_changes()
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def new_project(self, template: Path | None | bool = False) -> bool:
        """Start a project from a template file (None: empty); False asks with the template chooser."""
        if not self.maybe_save():
            return False
        if template is False:
            ok, template = self.ask_template()
            if not ok:
                return False
        from netbuilder.ui.mainwindow import empty_project
        if template is None:
            project = empty_project()
        else:
            try:
                project = load_project(template)
            except ProjectFileError as exc:
                self.show_error("Cannot use this template", str(exc))
                return False
            project.path = None  # a new project: saving asks where
        self.set_project(project)
        return True

    def open_project(self, path: str | Path | None = None) -> bool:
        """Open a file; a bad file shows the loader's message and leaves the current project as it was."""
        path = path or self.ask_open_path()
        if not path:
            return False
        try:
            project = load_project(path)
        except ProjectFileError as exc:
            self.show_error("Cannot open the project", str(exc))
            return False
        if not self.maybe_save():
            return False
        self.set_project(project)
        self.recent.add(path)
        return True

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._write(self.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        path = path or self.ask_save_path()
        return bool(path) and self._write(Path(path))

    def _write(self, path: Path) -> bool:
        self._store_views()
        try:
            save_project(self.project, path)
        except OSError as exc:
            self.show_error("Cannot save", f"{path}: {exc.strerror or exc}")
            return False
        self.undo_stack.setClean()
        self._dirty = False
        self.recent.add(path)
        self.recovery.clear()
        self._update_title()
        self.show_message(f"Saved {path}")
        return True

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent.paths():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(True)
        if not self.recent_menu.actions():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # ---- autosave and recovery -------------------------------------------------------------------
    def autosave(self) -> None:
        """Write unsaved work to the recovery file (every minute)."""
        if self.modified:
            try:
                self.recovery.write(self.project)
            except OSError as exc:
                self.show_message(f"Autosave failed: {exc}")

    def offer_recovery(self) -> bool:
        """At start-up: if a recovery file is left over from a crash, offer to load it."""
        if not self.recovery.pending():
            return False
        import datetime
        when = datetime.datetime.fromtimestamp(self.recovery.path.stat().st_mtime).strftime("%d %b %H:%M")
        if not self.ask_recover(when):
            self.recovery.clear()
            return False
        try:
            project = self.recovery.load()
        except ProjectFileError as exc:
            self.show_error("Cannot recover", str(exc))
            self.recovery.clear()
            return False
        self.set_project(project)
        self._dirty = True  # recovered work is unsaved work
        self._update_title()
        self.show_message("Recovered the autosaved project — save it to keep it")
        return True

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self._save_layout()
        self.recovery.clear()
        self.autosave_timer.stop()
        event.accept()
