"""`RunPage`: the "Training run" dock — Train / Pause / Resume / Stop / Export buttons, progress, status, curves."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

BUTTONS = {"train": "Train", "pause": "Pause", "resume": "Resume", "stop": "Stop", "export": "Export…"}
NOT_TRAINED = "Not trained yet"
WELCOME = "Press Train to train the network with the settings on the right."


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = max(0, int(round(seconds)))
    if seconds >= 3600:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    if seconds >= 60:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds} s"


class RunPage(QWidget):
    """Buttons that mirror the Train menu's actions (enabled with them), a progress bar, a status line, curves."""

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text in BUTTONS.items():
            action = actions[key]
            button = QPushButton(action.icon(), text)
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            button.setEnabled(action.isEnabled())
            self.buttons[key] = button
            if key != "export":
                row.addWidget(button)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat(NOT_TRAINED)
        self.progress.setValue(0)
        row.addWidget(self.progress, 1)
        row.addWidget(self.buttons["export"])
        self.status = QLabel(WELCOME)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.placeholder = QLabel("Loss, accuracy and learning-rate curves appear here while training.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(4, 4, 4, 4)
        self.body.addLayout(row)
        self.body.addWidget(self.status)
        self.body.addWidget(self.placeholder, 1)

    def set_curves(self, curves: QWidget) -> None:
        """Put the curves where the placeholder was (once, on the first run)."""
        self.body.replaceWidget(self.placeholder, curves)
        self.placeholder.deleteLater()

    def show_status(self, text: str, colour: str = "", details: str = "") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour}; font-weight: bold;" if colour else "")
        self.status.setToolTip(details)

    def show_busy(self, text: str) -> None:
        self.progress.setRange(0, 0)  # busy until the first report says how long the run is
        self.progress.setFormat(text)

    def show_progress(self, e: Any, elapsed: float) -> None:
        """A BatchProgress as "epoch 3/10 · batch 20/45 · 2,300 samples/s · 12 s left"."""
        total = e.epochs * max(e.batches_per_epoch, 1)
        done = (e.epoch - 1) * e.batches_per_epoch + e.batch
        left = elapsed * (total - done) / max(done, 1)
        self.progress.setMaximum(total)
        self.progress.setValue(min(done, total))
        self.progress.setFormat(f"epoch {e.epoch}/{e.epochs} · batch {e.batch}/{e.batches_per_epoch} · "
                                f"{e.samples_per_s:,.0f} samples/s · {duration(left)} left")

    def show_ended(self, text: str) -> None:
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        self.progress.setFormat(text)

    def show_finished_run(self, bar: str, done: float) -> None:
        """A run that ended before this panel saw it (a reopened project): ``bar`` text, ``done`` 0..1 filled."""
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * min(max(done, 0.0), 1.0)))
        self.progress.setFormat(bar)

    def show_empty(self) -> None:
        """A project that has not been trained: nothing of another project's run stays."""
        self.show_empty_bar()
        self.show_status(WELCOME)

    def show_empty_bar(self) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat(NOT_TRAINED)
