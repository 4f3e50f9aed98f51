"""What a training run reports, as plain records (safe to pass between threads).

Numbers are Python floats, tensors are CPU tensors: a receiver in another
thread (the window's QThread worker) never touches the training device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from netbuilder.graph.runs import EndReason


REASONS = tuple(r.value for r in EndReason)

# What the metrics of a run describe.
Task = Literal["classification", "regression", "reconstruction", "adversarial"]
SampleKind = Literal["reconstruction", "generated"]


@dataclass
class RunStarted:
    """The run is set up: what trains, where, and how long."""

    project: str
    scheme: str
    device: str
    epochs: int
    batches_per_epoch: int
    train_size: int
    val_size: int
    dataset: str  # one line describing the data set
    task: Task
    out_dir: Path
    notes: list[str] = field(default_factory=list)  # e.g. what a transfer-learning checkpoint matched


@dataclass
class BatchProgress:
    """Every ``report_every`` batches: the mean loss and metrics over the batches since the last report."""

    epoch: int  # 1-based
    epochs: int
    batch: int  # batches done in this epoch
    batches_per_epoch: int
    step: int  # batches done in the whole run
    loss: float
    metrics: dict[str, float]  # accuracy (classification), or d_loss / g_loss (GAN), ...
    learning_rate: float
    samples_per_s: float


@dataclass
class EpochEnd:
    """One epoch done: training and validation figures."""

    epoch: int
    epochs: int
    train: dict[str, float]  # "loss" plus the task's metrics
    val: dict[str, float]  # empty when there is no validation split
    learning_rate: float
    seconds: float
    samples_per_s: float
    improved: bool  # the validation loss is the best so far (the best checkpoint now holds this epoch)
    confusion: list[list[int]] | None = None  # validation confusion matrix [true][predicted], classification only

    def to_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "epochs": self.epochs, "train": dict(self.train), "val": dict(self.val),
                "learning_rate": self.learning_rate, "seconds": self.seconds, "samples_per_s": self.samples_per_s,
                "improved": self.improved, "confusion": self.confusion}


@dataclass
class LayerStats:
    """Per node of one graph, every ``report_every`` batches, for the canvas overlay."""

    graph: str
    epoch: int
    step: int
    grad_mean_abs: dict[str, float]  # node name -> mean |gradient| of its weights
    dead_fraction: dict[str, float]  # activation node name -> fraction of units never positive in the batch
    # Recurrent node name -> gradient reaching the first step of its input sequence relative to the
    # last step (||dL/dx_1|| / ||dL/dx_T||, batch mean): far below 1 when gradients vanish over time.
    memory: dict[str, float] = field(default_factory=dict)
    # Recurrent node name -> ||dL/dx_t|| for the steps t = 1..T, thinned to at most 32 evenly spaced steps.
    memory_profile: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Samples:
    """A few reconstructions (autoencoder) or generated samples (GAN), once per epoch, on the CPU."""

    epoch: int
    kind: SampleKind
    # In the data's own units (its normalisation undone), so they can be judged by eye.
    outputs: torch.Tensor  # (k, *shape): image-shaped (C, H, W) when the data are images
    inputs: torch.Tensor | None = None  # the originals a reconstruction is compared with
    value_range: tuple[float, float] | None = None  # the training inputs' range in the data's own units


@dataclass
class Predictions:
    """A few validation samples with what the trained network says about them (classification)."""

    inputs: np.ndarray  # (k, C, H, W) images or (k, ...) other data, float32 on the CPU
    predicted: list[int]
    true: list[int]
    class_names: list[str]
    is_image: bool


@dataclass
class RunFinished:
    """How the run ended. ``Trainer.run()`` returns it, and ``on_run_end`` receives it."""

    reason: EndReason
    message: str
    epochs_completed: int = 0
    steps: int = 0
    metrics: dict[str, float] = field(default_factory=dict)  # last epoch: "train_loss", "val_accuracy", ...
    best_val_loss: float | None = None
    best_checkpoint: Path | None = None
    last_checkpoint: Path | None = None
    history_file: Path | None = None
    history: list[EpochEnd] = field(default_factory=list)
    details: str = ""  # a traceback for unexpected errors
    predictions: Predictions | None = None  # a preview of validation samples (classification, when asked for)
    notes: list[str] = field(default_factory=list)  # what the run learned on the way (compile time, fallbacks)
    compile_seconds: float | None = None  # compiled mode: the first step's time, left out of the throughput

    def __post_init__(self) -> None:
        self.reason = EndReason(self.reason)

    @property
    def ok(self) -> bool:
        """Ended as planned (finished, stopped by the user, or stopped early) rather than by a fault."""
        return self.reason.ended_normally

    @property
    def confusion(self) -> list[list[int]] | None:
        """The latest validation confusion matrix of the run (classification), if any."""
        return next((e.confusion for e in reversed(self.history) if e.confusion), None)

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason.value, "message": self.message, "epochs_completed": self.epochs_completed,
                "steps": self.steps, "metrics": self.metrics, "best_val_loss": self.best_val_loss,
                "best_checkpoint": str(self.best_checkpoint) if self.best_checkpoint else None,
                "last_checkpoint": str(self.last_checkpoint) if self.last_checkpoint else None,
                "notes": list(self.notes), "compile_seconds": self.compile_seconds}


RunResult = RunFinished
