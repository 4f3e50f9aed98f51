"""`TrainingWorker`: a QObject moved to a QThread that owns the `Trainer` for one run.

Imports torch: the controller imports this module on the first Train click.
The worker trains a snapshot of the project (graphs and settings copied when
Train is pressed), so edits in the window can never reach the running model.
Reports go into an `EventBuffer` that the window drains on a timer; only the
start and the end of a run cross as (queued) signals.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from netbuilder.data.progress import BadSample, DataEvent
from netbuilder.graph.project import Project, project_from_dict
from netbuilder.train import Callback, Control, Trainer
from netbuilder.train.events import (
    BatchProgress,
    EndReason,
    EpochEnd,
    LayerStats,
    RunFinished,
    RunStarted,
    SampleKind,
    Samples,
)
from netbuilder.ui.training.buffer import EventBuffer

PREVIEW_COUNT = 16  # validation samples shown with their predicted and true labels


@dataclass
class SampleImages:
    """Reconstructions or generated samples of one epoch, as numpy arrays for display."""

    epoch: int
    kind: SampleKind
    outputs: np.ndarray
    inputs: np.ndarray | None = None


def snapshot(project: Project) -> Project:
    """A deep copy of the project through its file form: nothing the editor changes later is shared."""
    copy = project_from_dict(project.to_dict())
    copy.path = project.path
    return copy


class _ToBuffer(Callback):
    """Runs in the training thread: copies each report into the buffer and returns at once."""

    def __init__(self, buffer: EventBuffer) -> None:
        self.buffer = buffer

    def on_run_start(self, event: RunStarted) -> None:
        self.buffer.put_started({"device": event.device, "epochs": event.epochs,
                                 "batches_per_epoch": event.batches_per_epoch, "train_size": event.train_size,
                                 "val_size": event.val_size, "dataset": event.dataset, "task": event.task,
                                 "scheme": event.scheme, "notes": list(event.notes), "out_dir": str(event.out_dir)})

    def on_data(self, event: DataEvent) -> None:
        if isinstance(event, BadSample):
            self.buffer.put_bad_file(event.describe())
        else:
            self.buffer.put_loading(event.describe())

    def on_batch_end(self, event: BatchProgress) -> None:
        self.buffer.put_batch(event)

    def on_epoch_end(self, event: EpochEnd) -> None:
        self.buffer.put_epoch(event)

    def on_layer_stats(self, event: LayerStats) -> None:
        self.buffer.put_layer_stats(event)

    def on_samples(self, event: Samples) -> None:
        inputs = event.inputs.float().numpy() if event.inputs is not None else None
        self.buffer.put_samples(SampleImages(event.epoch, event.kind, event.outputs.float().numpy(), inputs))


class TrainingWorker(QObject):
    """Owns one Trainer; `run` (connected to QThread.started) trains and emits `finished(RunFinished)`.

    The result carries a preview of validation predictions (classification) made in this thread.
    """

    finished = Signal(object)

    def __init__(self, project: Project, control: Control, buffer: EventBuffer, *, out_dir: str | Path | None = None,
                 epochs: int | None = None, save: bool = True, tensorboard: bool = False) -> None:
        super().__init__()
        self.project = snapshot(project)
        self.control = control
        self.buffer = buffer
        self.out_dir = out_dir
        self.epochs = epochs
        self.save = save
        self.tensorboard = tensorboard  # also write TensorBoard event files into the run's folder
        self.trainer: Trainer | None = None

    @property
    def step(self) -> int:
        """Batches trained so far (read from the UI thread: a plain int attribute)."""
        return self.trainer.step if self.trainer is not None else 0

    @Slot()
    def run(self) -> None:
        try:
            callbacks: list[Any] = [_ToBuffer(self.buffer)]
            if self.tensorboard:
                from netbuilder.train.tensorboard import TensorBoardEvents

                callbacks.append(TensorBoardEvents())
            self.trainer = Trainer(self.project, callbacks=callbacks, control=self.control,
                                   out_dir=self.out_dir, epochs=self.epochs, save=self.save)
            result = self.trainer.run()
            try:
                result.predictions = self.trainer.predictions(PREVIEW_COUNT)
            except Exception:  # a preview is a nicety: never let it hide how the run ended
                result.predictions = None
        except Exception as exc:  # the Trainer turns faults into results; this is a bug guard, shown in the window
            result = RunFinished(EndReason.ERROR, f"training could not run: {type(exc).__name__}: {exc}",
                                 details=traceback.format_exc())
        self.finished.emit(result)
