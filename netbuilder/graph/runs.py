"""Where a project's training runs live, and how they travel with it (pure Python: no torch, no Qt).

A saved project ``net.nbproj`` keeps its runs beside it, in ``runs/net/``, one
folder per run, named for when it started (``runs/net/20250114-093012/``, with
``-2``, ``-3`` for runs started in the same second; `new_run_folder`). A run's
folder holds what the Trainer wrote -- ``best.safetensors``, ``last.safetensors``
and ``history.json`` -- and, apart from it, what the user wrote about the run:
its name and note in ``run.json`` (so renaming never rewrites a history). A
search keeps its trials one level deeper, ``runs/net/search-<study>/trial-<n>/``.

Projects trained before runs were kept apart have one run written straight
into ``runs/net/``; it is still read (as one run among the others), never moved.

`list_runs` reads every run, newest first; `last_run` and `trained_weights`
take the newest of the project's own runs (a search trial trained a changed
copy of the project, so it is listed but never taken as the project's weights).
Save As carries the whole folder to the new name; opening the project finds its
newest run again, so the window can show it as trained and Export uses its
weights. A project with no file yet trains into a per-user folder (chosen by
whoever runs it: the window uses the platform's app-data folder), and that
folder follows the project when it is first saved.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
import shutil
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from netbuilder.graph.files import atomic_write_json

RUNS = "runs"
HISTORY = "history.json"
BEST = "best.safetensors"
LAST = "last.safetensors"
RUN_NOTES = "run.json"  # the user's name and note for a run, kept apart from what the Trainer wrote
RUN_FILES = (HISTORY, BEST, LAST, RUN_NOTES)
EVENTS_PREFIX = "events.out.tfevents"  # TensorBoard's event files, written into the run's folder on request
TRIALS_PREFIX = "search-"  # runs/<stem>/search-<study>/trial-<n>/: a search's trials (netbuilder.train.search)
MAX_NOTES_BYTES = 1024 * 1024
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


def is_run_folder(folder: str | Path) -> bool:
    """Whether ``folder`` holds a run: its history, its weights or its notes."""
    folder = Path(folder)
    return any((folder / name).is_file() for name in RUN_FILES)


def new_run_folder(root: str | Path, now: datetime.datetime | None = None) -> Path:
    """Make and return the folder of a new run under ``root``: ``<root>/<YYYYMMDD-HHMMSS>[-n]/``.

    The folder is created here, so two runs started in the same second (two windows, a window and the
    command line) each get one of their own.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in itertools.count(1):
        folder = root / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise AssertionError("unreachable")  # itertools.count never ends


def discard_if_empty(folder: str | Path) -> bool:
    """Remove a run folder that a run which never started left empty; True when it was removed."""
    try:
        Path(folder).rmdir()  # only an empty folder goes
    except OSError:
        return False
    return True


def run_folders(root: str | Path, *, trials: bool = True) -> list[Path]:
    """The folders under ``root`` that hold a run, in no particular order: ``root`` itself when it holds one
    (the old, flat layout), each run folder in it, and (``trials``) each trial of a search."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = [root] if is_run_folder(root) else []
    for child in _subfolders(root):
        if is_run_folder(child):
            found.append(child)
        elif trials and child.name.startswith(TRIALS_PREFIX):
            found.extend(c for c in _subfolders(child) if is_run_folder(c))
    return found


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []


def list_runs(root: str | Path, *, trials: bool = True) -> list[RunRecord]:
    """Every run recorded under ``root`` that can be read, newest first."""
    root = Path(root)
    records = [r for r in (read_run(f, root) for f in run_folders(root, trials=trials)) if r is not None]
    return sorted(records, key=lambda r: (r.when, r.key), reverse=True)


def last_run(root: str | Path) -> RunRecord | None:
    """The project's newest run under ``root`` (a search's trials left aside), or None when it has none that
    can be read. ``root`` may also be one run's own folder."""
    runs = list_runs(root, trials=False)
    return runs[0] if runs else None


def trained_weights(project_path: str | Path) -> Path | None:
    """The weights a saved project was trained to: ``<stem>.safetensors`` beside it (an ONNX import or an
    export), else the best checkpoint of its newest run that kept weights, else that run's last; None when
    it has none."""
    path = Path(project_path)
    beside = path.with_suffix(".safetensors")
    if beside.is_file():
        return beside
    folders = [f for f in run_folders(runs_folder(path), trials=False) if has_run(f)]
    for folder in sorted(folders, key=_when, reverse=True):
        for candidate in (folder / BEST, folder / LAST):
            if candidate.is_file():
                return candidate
    return None


def _when(folder: Path) -> float:
    """When the run in ``folder`` started (as recorded), else when its files were last written."""
    record = read_run(folder)
    return record.when if record is not None else _written_at(folder)


def _written_at(folder: Path) -> float:
    times = []
    for name in RUN_FILES:
        try:
            times.append((folder / name).stat().st_mtime)
        except OSError:
            continue
    return max(times, default=0.0)


def carry_runs(source: str | Path, target: str | Path, *, move: bool = False) -> Path | None:
    """Copy (or move) the runs folder ``source`` (every run in it) to ``target``; returns ``target``, or None
    when there was nothing to carry.

    Runs already at ``target`` belong to another project of that name: they stay, beside the carried ones
    (a run folder of the same name, started in the same second, is replaced by the carried one).
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
    name: str = ""  # the user's name for the run ("" until renamed), from run.json
    note: str = ""  # the user's note, from run.json
    key: str = ""  # the folder relative to the project's runs folder ("20250114-093012", "search-a/trial-3")
    written_at: float = 0.0  # when history.json was written (seconds since the epoch): the order of old runs

    @property
    def title(self) -> str:
        """What the run is called: the user's name, else its folder."""
        return self.name or self.key or self.folder.name

    @property
    def when(self) -> float:
        """When the run started (seconds since the epoch), else when its history was written."""
        started = _number(self.info.get("started"))
        return started if started else self.written_at

    @property
    def started(self) -> datetime.datetime | None:
        return datetime.datetime.fromtimestamp(self.when) if self.when > 0 else None

    @property
    def duration_s(self) -> float | None:
        return _number(self.info.get("duration_s"))

    @property
    def device(self) -> str:
        return str(self.info.get("device") or "")

    @property
    def params(self) -> int | None:
        value = self.info.get("params")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def macs(self) -> int | None:
        value = self.info.get("macs")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def fingerprint(self) -> str:
        return str(self.info.get("fingerprint") or "")

    @property
    def is_trial(self) -> bool:
        """A trial of a search (it trained a changed copy of the project)."""
        return self.folder.parent.name.startswith(TRIALS_PREFIX)

    @property
    def graphs(self) -> dict[str, Any]:
        """The networks the run trained, as stored (``graph_to_dict`` per graph); empty for an older run."""
        graphs = self.info.get("graphs")
        return graphs if isinstance(graphs, dict) and all(isinstance(g, dict) for g in graphs.values()) else {}

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


def _read_json(path: Path, limit: int) -> Any:
    """The JSON in ``path``, or None when it is missing, too large to be ours, or not JSON."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def read_run(folder: str | Path, root: str | Path | None = None) -> RunRecord | None:
    """The run recorded in ``folder`` (its ``history.json`` and ``run.json``), or None when there is none or it
    cannot be read; ``root`` (the project's runs folder) names the run's ``key``."""
    folder = Path(folder)
    data = _read_json(folder / HISTORY, MAX_HISTORY_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return None
    raw_metrics = data.get("metrics")
    metrics: dict[str, Any] = raw_metrics if isinstance(raw_metrics, dict) else {}
    epochs = [e for e in data.get("epochs", []) if isinstance(e, dict)] if isinstance(data.get("epochs"), list) else []
    epochs_completed = data.get("epochs_completed")
    steps = data.get("steps")
    name, note = read_notes(folder)
    key = folder.name
    if root is not None:
        try:
            key = folder.relative_to(root).as_posix()
        except ValueError:
            pass
    return RunRecord(
        folder, data["reason"], str(data.get("message", "")),
        epochs_completed if isinstance(epochs_completed, int) else len(epochs),
        steps if isinstance(steps, int) else 0,
        {str(k): v for k, v in metrics.items() if _number(v) is not None},
        _number(data.get("best_val_loss")), epochs,
        data["run"] if isinstance(data.get("run"), dict) else {},
        name, note, "" if key == "." else key, _written_at(folder))


# ---- what the user writes about a run -------------------------------------------------------------------
def read_notes(folder: str | Path) -> tuple[str, str]:
    """A run's name and note (empty when it has none, or its ``run.json`` is not ours)."""
    data = _read_json(Path(folder) / RUN_NOTES, MAX_NOTES_BYTES)
    if not isinstance(data, dict):
        return "", ""
    name, note = data.get("name"), data.get("note")
    return (name if isinstance(name, str) else ""), (note if isinstance(note, str) else "")


def _write_notes(folder: Path, name: str, note: str) -> None:
    if not is_run_folder(folder):
        raise FileNotFoundError(f"{folder} holds no run")
    atomic_write_json(folder / RUN_NOTES, {"name": name, "note": note})


def rename_run(folder: str | Path, name: str) -> str:
    """Give the run in ``folder`` a name ("" takes it back to its folder's name); returns the name kept."""
    folder = Path(folder)
    clean = " ".join(name.split())  # one line: it is a table cell and a legend entry
    _write_notes(folder, clean, read_notes(folder)[1])
    return clean


def set_run_note(folder: str | Path, note: str) -> None:
    """Keep ``note`` with the run in ``folder``."""
    folder = Path(folder)
    _write_notes(folder, read_notes(folder)[0], note.strip())


def delete_run(folder: str | Path) -> None:
    """Remove the run in ``folder`` for good: what the run wrote there (its history, weights, notes and
    TensorBoard events), then the folder itself once nothing else is in it. A run of the old flat layout
    shares its folder with the newer runs and a search's study: those stay. A folder that holds no run is
    refused (ValueError)."""
    folder = Path(folder)
    if not is_run_folder(folder):
        raise ValueError(f"{folder} holds no run; nothing was deleted")
    for path in folder.iterdir():
        if path.is_file() and (path.name in RUN_FILES or path.name.startswith(EVENTS_PREFIX)):
            path.unlink()
    try:
        folder.rmdir()
    except OSError:  # something else lives there: the runs of the new layout, a study, the user's own files
        pass
