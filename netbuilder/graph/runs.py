"""Where a project's training runs live, and how they travel with it (pure Python: no torch, no Qt).

A saved project ``net.nbproj`` keeps its runs beside it, in ``runs/net/``:
``best.safetensors``, ``last.safetensors`` and ``history.json`` (written by the
Trainer). Save As carries that folder to the new name; opening the project
finds its last run again, so the window can show it as trained and Export
uses its weights. A project with no file yet trains into a per-user folder
(chosen by whoever runs it: the window uses the platform's app-data folder),
and that folder follows the project when it is first saved.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

RUNS = "runs"
HISTORY = "history.json"
BEST = "best.safetensors"
LAST = "last.safetensors"
MAX_HISTORY_BYTES = 32 * 1024 * 1024  # a history of a very long run is a few MB; anything larger is not ours


class EndReason(str, Enum):
    """Why a run ended (a str: compares equal to its value, and is written to JSON as it).

    ``(str, Enum)`` rather than StrEnum: the project supports Python 3.10.
    """

    def __str__(self) -> str:
        return str(self.value)

    COMPLETED = "completed"
    STOPPED = "stopped"
    EARLY_STOPPED = "early_stopped"
    NAN = "nan"
    OUT_OF_MEMORY = "out_of_memory"
    DATA_ERROR = "data_error"
    ERROR = "error"

    @property
    def ended_normally(self) -> bool:
        """Ended as planned (finished, stopped by the user, or stopped early) rather than by a fault."""
        return self in (EndReason.COMPLETED, EndReason.STOPPED, EndReason.EARLY_STOPPED)

    @property
    def words(self) -> str:
        """The reason as shown to a person: "early stopped", "out of memory"."""
        return self.value.replace("_", " ")


def fingerprint(graphs: dict[str, Any]) -> str:
    """A short hash of the networks as stored (``graph_to_dict`` per graph) that ignores where nodes sit on the
    canvas: two runs with the same fingerprint trained the same network."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("position", "collapsed")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value
    text = json.dumps(strip(graphs), sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def runs_folder(project_path: str | Path) -> Path:
    """``runs/<stem>/`` beside the project file."""
    path = Path(project_path)
    return path.parent / RUNS / path.stem


def has_run(folder: str | Path) -> bool:
    """Whether ``folder`` holds the weights of a run."""
    folder = Path(folder)
    return (folder / BEST).is_file() or (folder / LAST).is_file()


def trained_weights(project_path: str | Path) -> Path | None:
    """The weights a saved project was trained to: ``<stem>.safetensors`` beside it (an ONNX import or an
    export), else its last run's best checkpoint, else its last; None when it has none."""
    path = Path(project_path)
    folder = runs_folder(path)
    for candidate in (path.with_suffix(".safetensors"), folder / BEST, folder / LAST):
        if candidate.is_file():
            return candidate
    return None


def carry_runs(source: str | Path, target: str | Path, *, move: bool = False) -> Path | None:
    """Copy (or move) the run folder ``source`` to ``target``; returns ``target``, or None when there was no run.

    Files already at ``target`` belong to another project of that name: they are
    replaced only by files of the same name from ``source`` (the newest run wins).
    """
    source, target = Path(source), Path(target)
    if not source.is_dir() or source.resolve() == target.resolve():
        return None
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, dirs_exist_ok=True)
    if move:
        shutil.rmtree(source, ignore_errors=True)
    return target


@dataclass
class RunRecord:
    """What a finished run left in its folder, read back without torch."""

    folder: Path
    reason: str
    message: str
    epochs_completed: int = 0
    steps: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    best_val_loss: float | None = None
    epochs: list[dict[str, Any]] = field(default_factory=list)  # EpochEnd.to_dict() per epoch
    info: dict[str, Any] = field(default_factory=dict)  # what ran: settings, graphs, fingerprint, device, times

    @property
    def class_names(self) -> list[str]:
        names = self.info.get("class_names")
        return [str(n) for n in names] if isinstance(names, list) else []

    @property
    def best_checkpoint(self) -> Path | None:
        path = self.folder / BEST
        return path if path.is_file() else None

    @property
    def last_checkpoint(self) -> Path | None:
        path = self.folder / LAST
        return path if path.is_file() else None

    @property
    def weights(self) -> Path | None:
        """The checkpoint an export of this run uses: the best, else the last."""
        return self.best_checkpoint or self.last_checkpoint

    @property
    def ok(self) -> bool:
        return self.reason in _NORMAL_ENDS

    @property
    def confusion(self) -> list[list[int]] | None:
        return next((e["confusion"] for e in reversed(self.epochs) if e.get("confusion")), None)


_NORMAL_ENDS = {r.value for r in EndReason if r.ended_normally}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value) else None


def last_run(folder: str | Path) -> RunRecord | None:
    """The run recorded in ``folder`` (its ``history.json``), or None when there is none or it cannot be read."""
    folder = Path(folder)
    history = folder / HISTORY
    try:
        if not history.is_file() or history.stat().st_size > MAX_HISTORY_BYTES:
            return None
        data = json.loads(history.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return None
    raw_metrics = data.get("metrics")
    metrics: dict[str, Any] = raw_metrics if isinstance(raw_metrics, dict) else {}
    epochs = [e for e in data.get("epochs", []) if isinstance(e, dict)] if isinstance(data.get("epochs"), list) else []
    epochs_completed = data.get("epochs_completed")
    steps = data.get("steps")
    return RunRecord(
        folder, data["reason"], str(data.get("message", "")),
        epochs_completed if isinstance(epochs_completed, int) else len(epochs),
        steps if isinstance(steps, int) else 0,
        {str(k): v for k, v in metrics.items() if _number(v) is not None},
        _number(data.get("best_val_loss")), epochs,
        data["run"] if isinstance(data.get("run"), dict) else {})
