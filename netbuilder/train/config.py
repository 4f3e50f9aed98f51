"""The three lifetimes of a training run, as records: what was asked (`TrainingConfig`), what `prepare()` set
up (`PreparedRun`), and what changes while it runs (`RunState`); and where a run's files go by default."""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch

from netbuilder.data import Augmenter, Batches, Dataset
from netbuilder.graph import Project, TrainingSettings
from netbuilder.graph.names import identifier
from netbuilder.graph.runs import new_run_folder, runs_folder
from netbuilder.train.acceleration import Acceleration
from netbuilder.train.checkpoint import Snapshots
from netbuilder.train.events import EpochEnd
from netbuilder.train.optim import Schedule
from netbuilder.train.schemes import Scheme
from netbuilder.train.stats import LayerProbe


class RunRefused(ValueError):
    """The run's own settings cannot work (e.g. an epoch count out of range); the message says what to change."""


@dataclass
class InitFrom:
    """Transfer learning: start matching nodes from another project's checkpoint, optionally frozen."""

    checkpoint: Path
    freeze: bool = True


def user_runs_folder() -> Path:
    """Where runs of a project that has no file yet go: the per-user data folder, never the working folder."""
    base = os.environ.get("XDG_DATA_HOME") or (str(Path.home() / ".local" / "share") if Path.home() else "")
    return Path(base or tempfile.gettempdir()) / "netbuilder" / "runs"


def project_runs_root(project: Project) -> Path:
    """Where a project's runs are kept: ``runs/<project file stem>/`` beside the project file; a folder named
    after it in the per-user runs folder for an unsaved one."""
    if project.path is not None:
        return runs_folder(project.path)
    return user_runs_folder() / identifier(project.name, fallback="untitled")


def default_out_dir(project: Project) -> Path:
    """A new folder of its own for a run of ``project`` (made now) under `project_runs_root`: every run is
    kept, none overwrites the last."""
    return new_run_folder(project_runs_root(project))


@dataclass
class TrainingConfig:
    """What one run is asked to do: fixed when the Trainer is made."""

    project: Project
    device: str | torch.device
    out_dir: Path
    epochs: int
    init_from: InitFrom | None = None
    layer_stats: bool = True
    # Layer statistics come on report batches, but at most this often: the overlay needs a few
    # updates a second, not one per report of a fast small network.
    stats_interval_s: float = 0.5
    save: bool = True

    @property
    def settings(self) -> TrainingSettings:
        return self.project.training


@dataclass
class PreparedRun:
    """Everything `Trainer.prepare` sets up once: device, data, compiled graphs, optimisers, batches."""

    device: torch.device
    acceleration: Acceleration
    dataset: Dataset  # on ``device``
    scheme: Scheme
    train_batches: Batches
    val_batches: Batches
    augment: Augmenter | None
    schedule: Schedule
    probe: LayerProbe | None
    skip_single: bool  # batch norm cannot train on a batch of one: a lone last sample is left out
    value_range: tuple[float, float] | None  # the training inputs' range in the data's units, to show samples
    image_shape: tuple[int, ...] | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RunState:
    """What changes while a run goes: counters, history, the best epoch, the weights kept."""

    snapshots: Snapshots | None = None
    history: list[EpochEnd] = field(default_factory=list)
    step: int = 0
    epochs_done: int = 0
    best_loss: float | None = None
    best_epoch: int = 0
    last_metrics: dict[str, float] = field(default_factory=dict)
    saved_at: float = 0.0
    stats_at: float = -math.inf
    current: tuple[torch.Tensor, torch.Tensor | None] | None = None  # the batch in flight, to explain a failure
    compile_seconds: float | None = None  # how long the first (compiling) step took; None before it
    notes: list[str] = field(default_factory=list)  # said at the end (compile time, fallbacks)
    started_at: float = 0.0  # wall-clock time (time.time()) the run started, for its record
