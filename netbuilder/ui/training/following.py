"""`FollowsProject`: the training controller's half that keeps the run panel on the project shown.

Showing a project shows its newest recorded run (status, curves from the recorded epochs, confusion matrix,
and the checkpoint Export uses) or an empty panel — never the status, curves, error or checkpoint the
previous project left — and lists all its runs in the Runs dock. Saving the project under a new name carries
its runs along, every one of them (`project_saved`); a failure message goes out of date once the network or
its settings are edited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netbuilder.ui.errors import failure_text
from netbuilder.graph.runs import HISTORY, RunRecord, carry_runs, has_run, last_run, run_folders, runs_folder
from netbuilder.ui.training.host import TrainingHost
from netbuilder.ui.training.lock import EditingLock
from netbuilder.ui.training.overlay import GradientOverlay
from netbuilder.ui.training.project_runs import (count, ended_text, figures, planned_epochs, recorded_epochs,
                                                 unsaved_runs_folder)
from netbuilder.ui.training.results import ResultsView
from netbuilder.ui.training.run_page import RunPage
from netbuilder.ui.training.runs_panel import RunsPanel
from netbuilder.ui.training.settings_panel import TrainingSettingsPanel

OK_COLOUR = "#2e9e48"
ERROR_COLOUR = "#d93025"


class FollowsProject:
    """Mixed into `TrainingController`, whose attributes it declares here."""

    window: TrainingHost
    panel: TrainingSettingsPanel
    lock: EditingLock
    run_page: RunPage
    results: ResultsView
    overlay: GradientOverlay
    curves: Any
    runs_panel: RunsPanel
    out_dir: Path | None
    run_dir: Path | None
    record: RunRecord | None
    last_outcome: Any
    best_checkpoint: Path | None
    run_info: dict[str, Any]
    class_names: list[str]
    _pending_carry: tuple[Path, Path, bool] | None
    _watched: list[Any]
    _outdated: Any  # the failed run whose message has been marked out of date

    @property
    def running(self) -> bool:
        raise NotImplementedError

    def _ensure_curves(self) -> None:
        raise NotImplementedError

    def _task_guess(self) -> str:
        raise NotImplementedError

    def _builtin_class_names(self) -> list[str]:
        raise NotImplementedError

    # ---- the project shown ---------------------------------------------------------------------------
    def _project_changed(self) -> None:
        project = self.window.current_project()
        self.panel.set_project(project)
        self.lock.decorate()
        self.overlay.latest = {}
        self._watch_edits()
        if self.running:  # switching projects is locked during a run; a recovery prompt cannot reach here
            return
        self.out_dir = runs_folder(project.path) if project.path is not None else unsaved_runs_folder(project.name)
        record = last_run(self.out_dir) if project.path is not None else None
        self.run_dir = record.folder if record is not None else None
        self.runs_panel.set_root(self.out_dir)
        if record is not None:
            self.show_record(record)
        else:
            self.show_no_run()

    def show_no_run(self) -> None:
        """An empty run panel: no status, curves, results, error or checkpoint of another project."""
        self.record, self.last_outcome, self.best_checkpoint, self.run_info = None, None, None, {}
        self.run_page.show_empty()
        if self.curves is not None:
            self.curves.reset(self._metric_title())
        self.results.clear()
        self.overlay.clear()

    def show_record(self, record: RunRecord) -> None:
        """Show a run recorded in the project's runs folder as the panel showed it when it ended."""
        self.show_no_run()
        self.record = record
        self.best_checkpoint = record.weights
        epochs = recorded_epochs(record)
        planned = planned_epochs(epochs)
        done = record.epochs_completed / planned if planned else 1.0
        if record.ok:
            self.run_page.show_finished_run(ended_text(record.reason, record.epochs_completed, planned), done)
            self.run_page.show_status(self._ended_status(record.message, record.reason, record.epochs_completed,
                                                         record.metrics, self.best_checkpoint), OK_COLOUR)
        else:
            self.run_page.show_finished_run(f"failed ({record.reason.replace('_', ' ')})", done)
            kept = f" Checkpoint: {self.best_checkpoint}." if self.best_checkpoint else ""
            self.run_page.show_status(f"✖ Training ended: {record.message}.{kept}", ERROR_COLOUR)
        if epochs:
            self._ensure_curves()
            self.curves.show_history(epochs, self._metric_title())
        confusion = next((e for e in reversed(epochs) if e.confusion), None)
        if confusion is not None and confusion.confusion is not None:
            self.class_names = self._builtin_class_names()
            self.results.set_confusion(confusion.confusion, self.class_names, confusion.epoch)

    @staticmethod
    def _ended_status(message: str, reason: str, completed: int, metrics: dict[str, float],
                      checkpoint: Path | None) -> str:
        """"✔ Stopped on request at epoch 2, after 57 batch(es) — 1 epoch completed. val loss 0.3. Checkpoint: …"."""
        text = message[:1].upper() + message[1:]
        if reason != "completed":  # the message says where it stopped; say what that left, as the bar does
            text += f" — {count(completed, 'epoch')} completed"
        summary = figures(metrics)
        return (f"✔ {text}." + (f" {summary}." if summary else "")
                + (f" Checkpoint: {checkpoint}." if checkpoint else ""))

    def _metric_title(self) -> str:
        return "Accuracy" if self._task_guess() == "classification" else "Metrics"

    def _watch_edits(self) -> None:
        """Edits after a failed run make its message out of date (it may name a layer since fixed)."""
        for events in self._watched:
            events.disconnect(self._edited_after_failure)
        self._watched = [editor.graph.events.changed for editor in self.window.graph_editors().values()]
        for events in self._watched:
            events.connect(self._edited_after_failure)

    def _edited_after_failure(self, *_: object) -> None:
        failed = self.last_outcome if self.last_outcome is not None else self.record
        if self.running or failed is None or failed.ok or failed is self._outdated:
            return
        self._outdated = failed
        self.run_page.show_status("The network or its settings changed since the last run failed — press Train "
                                  "to try again.", "", f"Before your changes the run ended: {failed.message}")
        if self.best_checkpoint is None:
            self.run_page.show_empty_bar()

    # ---- where the runs go ------------------------------------------------------------------------------
    def runs_to_carry(self) -> Path | None:
        """The folder of this project's runs when it holds one, or will when the run in progress ends (what
        Save As offers to bring along: every run in it)."""
        folder = self.out_dir
        if folder is None or not (self.running or run_folders(folder)):
            return None
        return folder

    def _runs_edited(self) -> None:
        """A run was deleted, renamed or noted in the Runs panel: when the run shown is gone, the newest left
        is shown instead (or none), so Export never offers deleted weights."""
        shown = self.run_dir
        if self.running or shown is None or has_run(shown) or (shown / HISTORY).is_file():
            return
        record = last_run(self.out_dir) if self.out_dir is not None else None
        self.run_dir = record.folder if record is not None else None
        if record is not None:
            self.show_record(record)
        else:
            self.show_no_run()

    def project_saved(self, previous: Path | None, carry: bool, move: bool) -> None:
        """The project now lives in its file: later runs go beside it, and with ``carry`` the runs in
        ``previous`` follow it there (moved or copied; after the run in progress, if one is going)."""
        project = self.window.current_project()
        if project.path is None:
            return
        self.panel.refresh()  # a relative Start from was rewritten for the new folder
        target = runs_folder(project.path)
        self.out_dir = target
        if not carry or previous is None:
            self.runs_panel.set_root(target)
            return
        if self.running:
            self._pending_carry = (previous, target, move)
            return
        self._carry(previous, target, move)

    def _carry(self, source: Path, target: Path, move: bool) -> None:
        try:
            carried = carry_runs(source, target, move=move)
        except OSError as exc:
            self.window.show_error("The trained model stayed where it was",
                                   f"Its checkpoints could not be {'moved' if move else 'copied'} from {source} to "
                                   f"{target}: {failure_text(exc)}. They are still in {source}.")
            return
        if carried is None:
            return
        self.best_checkpoint = _moved(self.best_checkpoint, source, target)
        self.run_dir = _moved(self.run_dir, source, target)
        if self.record is not None:
            self.record.folder = _moved(self.record.folder, source, target) or self.record.folder
        self.runs_panel.set_root(self.out_dir)
        self.window.show_message(f"The trained model is now kept in {target}")


def _moved(path: Path | None, source: Path, target: Path) -> Path | None:
    """Where ``path`` is once the folder ``source`` has been carried to ``target``."""
    if path is None or not path.is_relative_to(source):
        return path
    return target / path.relative_to(source)
