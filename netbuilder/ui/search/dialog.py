"""`SearchDialog`: pick what to search and its ranges, run the search in the background, watch the trials come
in, and apply the one you like as one undoable edit.

The search runs in a `SearchWorker` on a QThread, on a copy of the project; its
reports pile up in a `SearchBuffer` that a timer drains into the trials table
and the plots. The study is kept in the project's runs folder, so reopening the
window (or the project) shows the trials already run, and Start adds more to
the same study. Imports torch, Optuna and pyqtgraph: the window loads this
module when the search is first opened.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
                               QSpinBox, QSplitter, QVBoxLayout, QWidget)

from netbuilder.graph.search_space import (SPACE_FILE, SearchSpace, SearchSpaceError, default_space, load_space,
                                           save_space)
from netbuilder.graph.trial_edit import trial_edit, trial_project
from netbuilder.train.search import DB_FILE, DEFAULT_STUDY, SearchConfig, default_storage, read_study
from netbuilder.train.search_results import COMPLETE, TrialResult
from netbuilder.ui.background import end_thread_later
from netbuilder.ui.commands import EditCommand
from netbuilder.ui.search.plots import SearchPlots
from netbuilder.ui.search.ranges import RangesTable
from netbuilder.ui.search.trials_table import TrialsTable
from netbuilder.ui.search.worker import SearchBuffer, SearchEnded, SearchWorker

POLL_MS = 250
ERROR_COLOUR = "#d93025"


class SearchDialog(QDialog):
    """The search window of a `MainWindow` (non-modal; one per window)."""

    search_finished = Signal(object)  # SearchEnded, after the window has shown it
    trial_applied = Signal(int)

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.host = window  # not `window`: QWidget.window() is Qt's
        self.setWindowTitle("Search")
        self.resize(1100, 780)
        self.thread_: QThread | None = None
        self.worker: SearchWorker | None = None
        self.control: Any = None
        self.buffer = SearchBuffer()
        self.trials: dict[int, TrialResult] = {}
        self.metric_name, self.maximize = "accuracy", True
        self.started_at = 0.0
        self.ended_now = 0  # trials ended in this search call
        self.budget = 0
        self.last_ended: SearchEnded | None = None
        self.searched: Any = None  # the project the search in progress (or the last one) is searching

        self.ranges = RangesTable()
        self.trials_box = QSpinBox()
        self.trials_box.setRange(1, 100_000)
        self.trials_box.setValue(20)
        self.trials_box.setToolTip("How many trials to run now; the study keeps the ones already run")
        self.minutes_box = QSpinBox()
        self.minutes_box.setRange(0, 100_000)
        self.minutes_box.setSpecialValueText("no limit")
        self.minutes_box.setSuffix(" min")
        self.minutes_box.setToolTip("Stop after this long (the trial in progress is cut short)")
        self.epochs_box = QSpinBox()
        self.epochs_box.setRange(1, 100_000)
        self.epochs_box.setToolTip("Epochs each trial trains; trials that trail the others are stopped earlier")
        self.start_button = QPushButton("Start search")
        self.stop_button = QPushButton("Stop")
        self.apply_button = QPushButton("Apply this trial")
        self.apply_button.setToolTip("Set the project to the selected trial's settings and structure (one undo step)")
        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.apply_button.clicked.connect(self.apply_selected)
        self.status = QLabel("Pick what to search and press Start.")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.table = TrialsTable()
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.plots = SearchPlots()

        budget = QFormLayout()
        budget.addRow("Trials", self.trials_box)
        budget.addRow("Time budget", self.minutes_box)
        budget.addRow("Epochs per trial", self.epochs_box)
        budget.addRow(self.start_button)
        budget.addRow(self.stop_button)
        top = QWidget()
        top_row = QHBoxLayout(top)
        top_row.setContentsMargins(0, 0, 0, 0)
        top_row.addWidget(self.ranges, 1)
        top_row.addLayout(budget)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.table)
        split.addWidget(self.plots)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.progress)
        bottom.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        window.project_changed.connect(self.follow_project)
        window.installEventFilter(self)  # closing the window stops a search first
        self.follow_project()

    # ---- the project -----------------------------------------------------------------------------
    @property
    def runs(self) -> Path:
        """The project's runs folder (the training panel's: beside the file, or per user when unsaved)."""
        out = self.host.training.out_dir
        return Path(out) if out is not None else Path.cwd() / "runs"

    @property
    def running(self) -> bool:
        return self.thread_ is not None

    def follow_project(self) -> None:
        """Show the current project's ranges and its stored trials (not during a search)."""
        if self.running:
            return
        project = self.host.project
        saved = self.runs / SPACE_FILE
        space = None
        if saved.is_file():
            try:
                space = load_space(saved)
            except SearchSpaceError:
                space = None
        space = space or default_space(project)
        self.ranges.set_project(project, space)
        self.epochs_box.setValue(space.epochs or project.training.epochs)
        self.trials, self.ended_now = {}, 0
        self.table.clear_trials()
        self.plots.set_importances({})
        stored = read_study(default_storage(self.runs), DEFAULT_STUDY, self.runs) \
            if (self.runs / DB_FILE).is_file() else None
        if stored is not None and stored.trials:
            self.metric_name, self.maximize = stored.metric, stored.maximize
            self._show(stored.trials)
            self.plots.set_importances(stored.importances)
            self.status.setText(f"{len(stored.trials)} trial(s) from earlier searches. Start adds more.")
        else:
            self._show([])
            self.status.setText("Pick what to search and press Start.")
        self._update_buttons()

    # ---- running ---------------------------------------------------------------------------------
    def start(self) -> bool:
        if self.running:
            return False
        project = self.host.project
        try:
            space = self.ranges.space(self.epochs_box.value())
            space.check(project)
        except SearchSpaceError as exc:
            self._say(f"✖ {exc}", ERROR_COLOUR)
            return False
        if self.host.training.running:
            self._say("✖ A training run is going: stop it first, so the search has the machine.", ERROR_COLOUR)
            return False
        try:
            self.runs.mkdir(parents=True, exist_ok=True)
            save_space(space, self.runs / SPACE_FILE)
        except OSError as exc:
            self._say(f"✖ Cannot write to {self.runs}: {exc.strerror or exc}", ERROR_COLOUR)
            return False
        from netbuilder.train import Control

        minutes = self.minutes_box.value()
        self.budget = self.trials_box.value()
        config = SearchConfig(self.runs, self.budget, minutes * 60.0 if minutes else None)
        self.control, self.buffer = Control(), SearchBuffer()
        self.searched = project
        self.worker = SearchWorker(project, space, config, self.control, self.buffer)
        thread = self.thread_ = QThread(self)
        self.worker.moveToThread(thread)
        thread.started.connect(self.worker.run)
        self.worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker.finished.connect(self._on_finished)
        self.started_at, self.ended_now = time.perf_counter(), 0
        self.progress.setRange(0, self.budget)
        self.progress.setValue(0)
        self._say("Preparing: loading PyTorch and the data…")
        self.timer.start()
        thread.start()
        self.host.training.set_blocked("A search is running: stop it (Experiments › Search…) to train.")
        self._update_buttons()
        return True

    def stop(self) -> None:
        if self.running and self.control is not None:
            self.control.request_stop()
            self._say("Stopping after the batch in progress…")
            self._update_buttons()

    def stop_and_wait(self, timeout_ms: int = 60_000) -> bool:
        if self.thread_ is None:
            return True
        self.control.request_stop()
        done = self.thread_.wait(timeout_ms)
        if done:
            self._cleanup()
        return done

    def ask_stop_for_close(self) -> bool:
        """Closing the window mid-search: True to stop the search (its finished trials are kept) and close."""
        b = QMessageBox.StandardButton
        answer = QMessageBox.question(self.host, "Search in progress",
                                      f"A search is running ({len(self.trials)} trial(s) so far). Stop it and "
                                      "close? The finished trials are kept: Start resumes the study.",
                                      b.Yes | b.No, b.No)
        return answer == b.Yes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() == QEvent.Type.Close and self.running:
            if not self.ask_stop_for_close():
                event.ignore()
                return True  # the window stays open and the search goes on
            self.stop_and_wait()  # the finished trials are in the study; Start resumes it
        return False

    def poll(self) -> None:
        drained = self.buffer.drain()
        if drained.empty:
            return
        if drained.started is not None:
            self.metric_name, self.maximize = drained.started.metric, drained.started.maximize
            self._show(drained.started.previous)
        for number, values in drained.trial_starts:
            self.table.trial_started(number, values, self.metric_name)
        for number, epoch in drained.epochs:
            value = epoch.val.get(self.metric_name)
            shown = f"{value:.4f}" if value is not None else "…"
            self.table.trial_epoch(number, f"epoch {epoch.epoch}/{epoch.epochs}: {shown}", self.metric_name)
            self._say(f"Trial {number}: epoch {epoch.epoch}/{epoch.epochs}, validation {self.metric_name} {shown}"
                      + self._best_words())
        if drained.ends:
            self.ended_now += len(drained.ends)
            self.progress.setValue(min(self.ended_now, self.budget))
            self._show(drained.ends)
        if drained.importances is not None:
            self.plots.set_importances(drained.importances)

    def _on_finished(self, ended: SearchEnded) -> None:
        self.poll()
        self._cleanup()
        self.last_ended = ended
        if self.host.project is not self.searched:  # another project was opened during the search: show it now
            self.follow_project()
            self.search_finished.emit(ended)
            return
        if ended.outcome is not None:
            outcome = ended.outcome
            self._show(outcome.trials)
            self.plots.set_importances(outcome.importances)
            why = {"trials": "the trial budget is spent", "time": "the time budget is spent",
                   "stopped": "stopped"}.get(outcome.ended, outcome.ended)
            self._say(f"Search ended ({why}) after {outcome.seconds:.0f} s: {len(outcome.trials)} trial(s) in the "
                      "study." + self._best_words())
            best = outcome.best
            if best is not None:
                self.table.select_trial(best.number)
        else:
            self._say(f"✖ {ended.error}", ERROR_COLOUR)
        self._update_buttons()
        self.search_finished.emit(ended)

    def _cleanup(self) -> None:
        thread = self.thread_
        if thread is None:
            return
        self.timer.stop()
        self.thread_ = None
        end_thread_later(thread)
        self.host.training.set_blocked("")

    # ---- showing ---------------------------------------------------------------------------------
    def best_trial(self) -> TrialResult | None:
        done = [t for t in self.trials.values() if t.state == COMPLETE and t.value is not None]
        if not done:
            return None
        sign = 1.0 if self.maximize else -1.0
        return max(done, key=lambda t: (sign * (t.value or 0.0), -(t.macs or 0)))

    def _best_words(self) -> str:
        best = self.best_trial()
        return "" if best is None else f" — best {self.metric_name} {best.value:.4f} (trial {best.number})"

    def _show(self, trials: list[TrialResult]) -> None:
        for t in trials:
            self.trials[t.number] = t
        best = self.best_trial()
        self.table.set_trials(list(self.trials.values()), best.number if best else None, self.metric_name)
        self.plots.show_trials(list(self.trials.values()), self.metric_name, self.maximize)
        self._update_buttons()

    def _say(self, text: str, colour: str = "") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};" if colour else "")

    def _update_buttons(self) -> None:
        running = self.running
        stopping = running and self.control is not None and self.control.stop_requested
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running and not stopping)
        self.ranges.setEnabled(not running)
        selected = self.table.selected_trial()
        self.apply_button.setEnabled(selected is not None and bool(selected.params))

    # ---- applying --------------------------------------------------------------------------------
    def apply_selected(self) -> bool:
        """Set the project to the selected trial's values as one undoable edit."""
        trial = self.table.selected_trial()
        if trial is None:
            return False
        if self.host.training.running:
            self._say("✖ Editing is locked while training — stop the run to apply a trial.", ERROR_COLOUR)
            return False
        project = self.host.project
        space = SearchSpace(list(self.ranges.params))  # every row, ticked or not: names match any earlier trial
        unknown = [k for k in trial.params if space.param(k) is None]
        try:
            trial_project(project, space, trial.params)  # refused here, on a copy, before the undo stack sees it
        except (ValueError, KeyError) as exc:
            self._say(f"✖ Trial {trial.number} cannot be applied to the network as it is now: {exc}", ERROR_COLOUR)
            return False
        edit = trial_edit(project, space, trial.params, f"Apply search trial {trial.number}")
        if edit.empty:
            self._say(f"The project already has trial {trial.number}'s values.")
            return False
        panel = self.host.training.panel
        self.host.push_undo(EditCommand(edit, project, panel.refresh))
        note = f" ({', '.join(unknown)} no longer match a layer: left as they are)" if unknown else ""
        self._say(f"Applied trial {trial.number}{note}. Undo takes it back.")
        self.host.show_message(f"Applied search trial {trial.number}")
        self.trial_applied.emit(trial.number)
        return True
