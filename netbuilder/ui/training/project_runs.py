"""The window's side of "runs belong to the project": where a run of the shown project goes, and a recorded
run (``graph.runs.RunRecord``) turned into what the run panel shows. No torch here: a reopened project shows
its last run without loading it.

A saved project keeps its runs in ``runs/<stem>/`` beside its file, each run in a folder of its own
(``graph.runs.new_run_folder``). A project with no file yet keeps them in a folder of its own under the
per-user data location (``QStandardPaths.AppDataLocation``/runs), never the working directory; Save As
carries that folder, every run in it, to the project (see `ProjectFiles.save_as`).
"""

from __future__ import annotations

import datetime
import math
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths

from netbuilder.graph.runs import RunRecord


def user_runs_root() -> Path:
    """``<per-user app data>/runs`` (a temporary folder when the platform names none)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return (Path(base) if base else Path(tempfile.gettempdir()) / "netbuilder") / "runs"


def unsaved_runs_folder(name: str) -> Path:
    """A folder no other project uses, for the runs of an unsaved project called ``name``.

    Two untitled projects of one session (or of two windows) must not share checkpoints: the folder
    carries the time and a random suffix.
    """
    slug = re.sub(r"\W+", "_", name).strip("_") or "untitled"
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return user_runs_root() / f"{slug}-{stamp}-{uuid.uuid4().hex[:6]}"


def count(n: int, noun: str) -> str:
    """``1 epoch``, ``3 epochs``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def ended_text(reason: str, completed: int, planned: int | None) -> str:
    """The run bar after a run: "completed · 10 epochs", "stopped · 1 of 10 epochs completed".

    It counts completed epochs, as the status line does, so that a run stopped during epoch 2 reads
    "1 of 10 epochs completed" in both places.
    """
    words = reason.replace("_", " ")
    if reason == "completed" or planned is None:
        return f"{words} · {count(completed, 'epoch')}"
    return f"{words} · {completed} of {count(planned, 'epoch')} completed"


def figures(metrics: dict[str, float]) -> str:
    """``val accuracy 0.9667 · val loss 0.1`` (non-finite values left out)."""
    return " · ".join(f"{k.replace('_', ' ')} {v:.4g}" for k, v in metrics.items()
                      if isinstance(v, (int, float)) and math.isfinite(v))


def _numbers(value: Any) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {str(k): float(v) for k, v in value.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)}


@dataclass
class RecordedEpoch:
    """One epoch of a recorded run, with the fields of `train.EpochEnd` the curves and results read."""

    epoch: int
    epochs: int
    train: dict[str, float] = field(default_factory=dict)
    val: dict[str, float] = field(default_factory=dict)
    learning_rate: float | None = None
    confusion: list[list[int]] | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordedEpoch | None:
        """Read one entry of ``history.json`` (None when it is not an epoch record: the file may be anyone's)."""
        epoch, epochs = data.get("epoch"), data.get("epochs")
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            return None
        lr = data.get("learning_rate")
        confusion = data.get("confusion")
        square = isinstance(confusion, list) and all(
            isinstance(row, list) and len(row) == len(confusion)
            and all(isinstance(c, int) and not isinstance(c, bool) for c in row) for row in confusion)
        return cls(epoch, epochs if isinstance(epochs, int) and not isinstance(epochs, bool) else epoch,
                   _numbers(data.get("train")), _numbers(data.get("val")),
                   float(lr) if isinstance(lr, (int, float)) and math.isfinite(lr) else None,
                   confusion if square and confusion else None)


def recorded_epochs(record: RunRecord) -> list[RecordedEpoch]:
    return [e for e in (RecordedEpoch.from_dict(d) for d in record.epochs) if e is not None]


def planned_epochs(epochs: list[RecordedEpoch]) -> int | None:
    """How many epochs the run was asked for (each epoch record says so), None when it recorded none."""
    return epochs[-1].epochs if epochs else None
