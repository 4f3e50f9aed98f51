"""`TrainingController`: the window's Train / Pause / Resume / Stop / Export, wired to a worker thread.

The run happens in a `TrainingWorker` moved to a QThread; it trains a snapshot
of the project. The worker's reports pile up in an `EventBuffer` that a
timer (4 Hz) drains into the curves, the progress bar, the results and the canvas
overlay — plotting never runs per batch, so it never slows training. Stop and
pause go straight to the Trainer's thread-safe `Control`. While a run is going
the graph cannot be edited (actions, palette, inspector and canvas are locked,
with a banner saying why).

The panel follows the project: its runs are kept in `out_dir` (``runs/<stem>/``
beside a saved file, a folder of its own under the per-user data location for an
unsaved one), each run in a new folder of its own (`run_dir`, made when Train is
clicked), and showing a project shows its newest recorded run — status, curves,
confusion matrix, and the checkpoint Export uses — or an empty panel, never what
the previous project left. The Runs dock (`RunsPanel`) lists every run kept.

Importing this module is light: torch, pyqtgraph and the worker are imported
on the first Train click.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QScrollArea, QStyle, QToolBar

from netbuilder.graph.runs import RunRecord, discard_if_empty, new_run_folder
from netbuilder.ui.background import end_thread_later
from netbuilder.ui.files import app_settings
from netbuilder.ui.training.buffer import EventBuffer
from netbuilder.ui.training.following import ERROR_COLOUR, OK_COLOUR, FollowsProject
from netbuilder.ui.training.host import DockSpot, TrainingHost
from netbuilder.ui.training.lock import EditingLock
from netbuilder.ui.training.memory_check import confirm_memory
from netbuilder.ui.training.overlay import GradientOverlay
from netbuilder.ui.training.project_runs import ended_text, figures
from netbuilder.ui.training.results import ResultsView
from netbuilder.ui.training.run_page import RunPage
from netbuilder.ui.training.runs_panel import RunsPanel
from netbuilder.ui.training.settings_panel import TrainingSettingsPanel

if TYPE_CHECKING:
    from netbuilder.ui.training.export_dialog import ExportDialog

# The UI drains the worker's reports and redraws at most 4 times a second. Drawing holds the GIL (pyqtgraph
# paints in Python), and bench/train_ui_overhead.py showed that 10 Hz redraws cost a small CPU network 10-30 %
# of its training speed. So each redraw is timed and the next one waits until the UI has used at most
# UI_BUDGET of the time: cheap redraws stay at 4 Hz, expensive ones (slow machine, big window) slow down.
POLL_MS = 250
MAX_POLL_MS = 1500
UI_BUDGET = 0.02


def install_training(window: TrainingHost) -> TrainingController:
    """Add the training docks, actions and menu to ``window``; returns the controller."""
    return TrainingController(window)


class TrainingController(QObject, FollowsProject):
    """Owns the settings panel, the run bar, the curves and results docks, the overlay and the worker thread.

    It reaches the window only through the `TrainingHost` methods (``self.window``).
    """

    run_finished = Signal(object)  # the RunFinished, after the window has shown it

    def __init__(self, window: TrainingHost) -> None:
        super().__init__(window.window_widget())
        self.window = window
        # Where this project's runs are kept (set for each project shown, and when it is saved under a new
        # name), and the folder of the run going or shown (a new one for each run).
        self.out_dir: Path | None = None
        self.run_dir: Path | None = None
        self.record: RunRecord | None = None  # the project's newest run as read back from out_dir, if any
        self._pending_carry: tuple[Path, Path, bool] | None = None  # saved under a new name during a run
        self._watched: list[Any] = []  # the graphs whose edits make a failure message out of date
        self._outdated: Any = None
        self.epochs: int | None = None  # overrides the project's epochs (tests, benchmarks)
        self.blocked = ""  # why Train is unavailable now (a search has the machine), or ""
        # Not `thread`: that would hide QObject.thread(), the thread this controller lives in.
        self.training_thread: QThread | None = None
        self.worker: Any = None
        self.control: Any = None
        self.buffer = EventBuffer()
        self.curves: Any = None  # CurvesWidget, made on the first run (pyqtgraph is imported then)
        self.last_outcome: Any = None
        self.best_checkpoint: Path | None = None
        self.run_info: dict[str, Any] = {}
        self.class_names: list[str] = []
        self._started_at = 0.0
        self._last_batch: Any = None
        self.export_dialog: ExportDialog | None = None
        self.overlay = GradientOverlay(window)

        # Settings edits are undoable, and mark the project modified.
        self.panel = TrainingSettingsPanel(submit=window.push_undo)
        self.panel.changed.connect(self._edited_after_failure)
        self.lock = EditingLock(window, [self.panel])
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.panel)
        self.settings_dock = window.add_panel(scroll, "Training settings", "training_settings",
                                              DockSpot.WITH_INSPECTOR)

        self._build_actions()
        self.run_page = RunPage({"train": self.train_action, "pause": self.pause_action,
                                 "resume": self.resume_action, "stop": self.stop_action,
                                 "export": self.export_action})
        self.train_button, self.pause_button, self.resume_button, self.stop_button, self.export_button = (
            self.run_page.buttons[k] for k in ("train", "pause", "resume", "stop", "export"))
        self.progress, self.status = self.run_page.progress, self.run_page.status
        self._update_buttons()
        self.run_dock = window.add_panel(self.run_page, "Training run", "training_run", DockSpot.BESIDE_PROBLEMS)
        self.results = ResultsView()
        self.results_dock = window.add_panel(self.results, "Results", "training_results", DockSpot.WITH_PROBLEMS)
        self.runs_panel = RunsPanel(window, settings_changed=self.panel.refresh, settings=app_settings())
        self.runs_panel.runs_changed.connect(self._runs_edited)
        self.runs_dock = window.add_panel(self.runs_panel, "Runs", "training_runs", DockSpot.WITH_PROBLEMS)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        window.on_project_changed(self._project_changed)
        self._project_changed()

    # ---- building ------------------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], object], shortcut: str | None, tip: str,
                icon: QStyle.StandardPixmap) -> QAction:
        widget = self.window.window_widget()
        action = QAction(text, widget)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setIcon(widget.style().standardIcon(icon))
        action.triggered.connect(lambda _=False: slot())
        return action

    def _build_actions(self) -> None:
        icons = QStyle.StandardPixmap
        self.train_action = self._action("&Train", self.train, "F5", "Train the network with the project's settings",
                                         icons.SP_MediaPlay)
        self.pause_action = self._action("&Pause", self.pause, None, "Pause after the batch in progress",
                                         icons.SP_MediaPause)
        self.resume_action = self._action("&Resume", self.resume, None, "Go on training", icons.SP_MediaSeekForward)
        self.stop_action = self._action("&Stop", self.stop, "Shift+F5", "Stop after the batch in progress "
                                        "(the last good checkpoint is kept)", icons.SP_MediaStop)
        self.export_action = self._action("&Export…", self.open_export, "Ctrl+Shift+E",
                                          "Export to ONNX, weights or PyTorch code", icons.SP_DialogSaveButton)
        run = {"train": self.train_action, "pause": self.pause_action, "resume": self.resume_action,
               "stop": self.stop_action}
        bar = QToolBar("Training", self.window.window_widget())
        bar.setObjectName("training_toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.addActions([*run.values(), self.export_action])
        self.window.add_run_actions("&Train", [run, {"export": self.export_action}], bar)
        self.toolbar = bar

    def _ensure_curves(self) -> None:
        if self.curves is None:
            from netbuilder.ui.training.curves import CurvesWidget

            self.curves = CurvesWidget()
            self.run_page.set_curves(self.curves)

    # ---- running --------------------------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        return self.lock.locked

    @property
    def banners(self) -> dict:
        """Editor -> its lock banner."""
        return self.lock.banners

    @property
    def legends(self) -> dict:
        """Editor -> its gradient legend."""
        return self.lock.legends

    @property
    def running(self) -> bool:
        return self.training_thread is not None

    def train(self) -> bool:
        """Start a run on a snapshot of the project (no-op while one is going)."""
        if self.running:
            return False
        if self.blocked:
            self.window.show_message(self.blocked)
            return False
        if not confirm_memory(self.window.window_widget(), self.window.current_project()):
            return False  # too big for the device's memory, and the user did not choose to train anyway
        try:  # every run is kept: a folder of its own, beside the ones before
            assert self.out_dir is not None, "a project is always shown"
            self.run_dir = new_run_folder(self.out_dir)
        except OSError as exc:
            self.window.show_error("Cannot train", f"The run's folder could not be made in {self.out_dir}: "
                                   f"{exc.strerror or exc}")
            return False
        self.run_page.show_status("Preparing: loading PyTorch and the data…")
        self.window.show_message("Starting training…", 0)
        self.panel.load_choices()  # imports torch, detects the devices
        from netbuilder.train import Control
        from netbuilder.ui.training.worker import TrainingWorker

        self._ensure_curves()
        self.curves.reset(self._metric_title())
        self.results.clear()
        self.overlay.clear()
        self.run_info, self._last_batch, self.last_outcome, self.record = {}, None, None, None
        self.class_names = self._builtin_class_names()
        self.buffer = EventBuffer()
        self.control = Control()
        self.worker = TrainingWorker(self.window.current_project(), self.control, self.buffer, out_dir=self.run_dir,
                                     epochs=self.epochs, tensorboard=self.runs_panel.writes_tensorboard)
        thread = self.training_thread = QThread(self)
        self.worker.moveToThread(thread)
        thread.started.connect(self.worker.run)
        # quit() is thread-safe: called directly from the worker thread, it needs no event loop in the UI
        # thread (closing the window waits for the thread while the UI loop is not running).
        self.worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker.finished.connect(self._on_finished)
        self.lock.set_locked(True)
        self.runs_panel.set_locked(True)
        self._started_at = time.perf_counter()
        self.run_page.show_busy("Preparing…")
        self.timer.start()
        thread.start()
        self.run_dock.show()
        self.run_dock.raise_()
        self._update_buttons()
        return True

    def pause(self) -> None:
        if self.running and not self.control.paused:
            self.control.pause()
            self.run_page.show_status("Paused after the batch in progress — Resume to go on, Stop to end the run.")
            self._update_buttons()

    def resume(self) -> None:
        if self.running and self.control.paused:
            self.control.resume()
            self.run_page.show_status("Training…")
            self._update_buttons()

    def stop(self) -> None:
        if self.running:
            self.control.request_stop()
            self.run_page.show_status("Stopping after the batch in progress…")
            self._update_buttons()

    def stop_and_wait(self, timeout_ms: int = 60_000) -> bool:
        """Stop a run and wait for its thread to end (closing the window)."""
        if self.training_thread is None:
            return True
        self.control.request_stop()
        done = self.training_thread.wait(timeout_ms)
        if done:
            self._cleanup_thread()
        return done

    def confirm_close(self) -> bool:
        """Closing the window during a run: ask, then stop it cleanly. False keeps the window open."""
        if not self.running:
            return True
        if not self.ask_stop_for_close():
            return False
        return self.stop_and_wait()

    def ask_stop_for_close(self) -> bool:
        b = QMessageBox.StandardButton
        answer = QMessageBox.question(self.window.window_widget(), "Training in progress",
                                      "A training run is in progress. Stop it and close? The last good checkpoint "
                                      "is kept.", b.Yes | b.No, b.No)
        return answer == b.Yes

    # ---- progress ------------------------------------------------------------------------------------
    def poll(self) -> None:
        """Drain the worker's reports into the curves, progress, results and overlay (on the timer)."""
        started = time.perf_counter()
        drained = self.buffer.drain()
        if drained.empty:
            return
        self._apply(drained)
        # The plots painted since the last poll count too (painting happens later, from the event loop).
        cost = time.perf_counter() - started + (self.curves.take_paint_seconds() if self.curves else 0.0)
        self.timer.setInterval(int(min(MAX_POLL_MS, max(POLL_MS, 1000 * cost / UI_BUDGET))))

    def _apply(self, drained: Any) -> None:
        if drained.loading and not drained.started and not self.run_info:
            self.run_page.show_busy(drained.loading)  # the data set is loading: say how far it is
        if drained.bad_files:
            self.window.show_message(f"Unreadable data: {drained.bad_files[-1]}"
                                     + (f" (+{len(drained.bad_files) - 1} more)" if len(drained.bad_files) > 1 else ""))
        if drained.started:
            self.run_info = drained.started
            self._started_at = time.perf_counter()  # time left counts from here: loading torch and data is done
            total = drained.started["epochs"] * max(drained.started["batches_per_epoch"], 1)
            self.progress.setRange(0, total)
            if self.curves is not None:
                self.curves.set_epochs(drained.started["epochs"])
            notes = "; ".join(drained.started["notes"])
            self.run_page.show_status(f"Training on {drained.started['device']} — {drained.started['dataset']}"
                              + (f" ({notes})" if notes else ""), "")
        if self.curves is not None:
            self.curves.add_batches(drained.batches)
            self.curves.add_epochs(drained.epochs)
            self.curves.refresh()
        if drained.batches:
            self._last_batch = drained.batches[-1]
            self.run_page.show_progress(self._last_batch, time.perf_counter() - self._started_at)
        latest = next((e for e in reversed(drained.epochs) if e.confusion), None)
        if latest is not None:  # only the newest matrix is worth drawing
            self.results.set_confusion(latest.confusion, self.class_names, latest.epoch)
        for stats in drained.layer_stats.values():
            self.overlay.apply(stats)
            self.lock.show_legends()
        if drained.samples is not None:
            self.results.set_samples(drained.samples)

    def _on_finished(self, outcome: Any) -> None:
        self.poll()  # the last reports
        self._cleanup_thread()
        self.last_outcome = outcome
        self.best_checkpoint = outcome.best_checkpoint or outcome.last_checkpoint
        if self.run_dir is not None and discard_if_empty(self.run_dir):  # the run never started: nothing to keep
            self.run_dir = None
        if self._pending_carry is not None:  # the project was saved under a new name during the run
            pending, self._pending_carry = self._pending_carry, None
            self._carry(*pending)
        self.runs_panel.set_root(self.out_dir)  # the new run in the list
        if outcome.predictions is not None:
            self.class_names = outcome.predictions.class_names
            self.results.set_predictions(outcome.predictions)
            self.results_dock.raise_()  # what the trained network gets right and wrong, in front
        if outcome.confusion:
            self.results.set_confusion(outcome.confusion, self.class_names, outcome.epochs_completed)
        kept = f" Checkpoint: {self.best_checkpoint}." if self.best_checkpoint else ""
        if outcome.ok:
            self.run_page.show_ended(ended_text(outcome.reason.value, outcome.epochs_completed,
                                                self.run_info.get("epochs")))
            self.run_page.show_status(self._ended_status(outcome.message, outcome.reason.value,
                                                         outcome.epochs_completed, outcome.metrics,
                                                         self.best_checkpoint), OK_COLOUR)
            self.window.show_message(f"Training {outcome.reason.words}: {figures(outcome.metrics)}")
        else:
            self.run_page.show_ended(f"failed ({outcome.reason.replace('_', ' ')})")
            text = f"✖ Training ended: {outcome.message}.{kept}"
            self.run_page.show_status(text, ERROR_COLOUR, outcome.details)
            self.window.show_error("Training failed", text)
        self.run_finished.emit(outcome)

    def _cleanup_thread(self) -> None:
        thread = self.training_thread
        if thread is None:
            return
        self.timer.stop()
        # The worker stays referenced (its step count and trainer are readable) until the next run; its
        # thread is ending, so it receives no more events.
        self.training_thread = None
        end_thread_later(thread)
        self.lock.set_locked(False)
        self.runs_panel.set_locked(False)
        self._update_buttons()

    def set_blocked(self, why: str) -> None:
        """Make Train unavailable while ``why`` holds (a search runs on the machine); "" makes it available."""
        self.blocked = why
        self.train_action.setToolTip(why or self.train_action.statusTip())
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.running
        paused = running and self.control is not None and self.control.paused
        stopping = running and self.control is not None and self.control.stop_requested
        states = {self.train_action: not running and not self.blocked,
                  self.pause_action: running and not paused and not stopping,
                  self.resume_action: paused and not stopping, self.stop_action: running and not stopping,
                  self.export_action: not running}
        for action, on in states.items():
            action.setEnabled(on)  # the run page's buttons follow their actions

    # ---- helpers ---------------------------------------------------------------------------------------
    def _builtin_class_names(self) -> list[str]:
        from netbuilder.data import BUILTIN_DATASETS

        info = BUILTIN_DATASETS.get(self.window.current_project().dataset.name)
        return list(info.class_names) if info else []

    def _task_guess(self) -> str:
        from netbuilder.data import BUILTIN_DATASETS

        project = self.window.current_project()
        info = BUILTIN_DATASETS.get(project.dataset.name)
        # Only a scheme whose Target is fed the data's labels trains for the data set's task.
        uses_labels = project.scheme_spec is not None and project.scheme_spec.uses_labels
        return info.task if info and uses_labels else "other"

    # ---- export ----------------------------------------------------------------------------------------
    def open_export(self) -> ExportDialog:
        """Show the export dialog (non-modal) for the project, with the last run's weights if any."""
        from netbuilder.ui.training.export_dialog import ExportDialog

        dialog = ExportDialog(self.window.current_project(), self.best_checkpoint, self.window.window_widget())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_dialog = dialog
        dialog.open()
        return dialog
