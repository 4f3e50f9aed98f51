"""`SearchWorker`: a QObject moved to a QThread that runs one `Search`, like a training run's worker.

Imports torch and Optuna (through netbuilder.train.search): the search window
imports this module when Start is first clicked. The worker searches a copy of
the project made when Start was pressed. Its reports go into a `SearchBuffer`
that the window drains on a timer; only the end crosses as a (queued) signal.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from netbuilder.graph.project import Project
from netbuilder.graph.search_space import SearchSpace
from netbuilder.graph.trial_edit import copy_project
from netbuilder.train import Control
from netbuilder.train.events import EpochEnd
from netbuilder.train.search import Search, SearchConfig, SearchError, SearchListener, SearchStarted, TrialResult


@dataclass
class SearchDrained:
    """Everything reported since the previous drain, oldest first."""

    started: SearchStarted | None = None
    trial_starts: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    epochs: list[tuple[int, EpochEnd]] = field(default_factory=list)
    ends: list[TrialResult] = field(default_factory=list)
    importances: dict[str, float] | None = None

    @property
    def empty(self) -> bool:
        return not (self.started or self.trial_starts or self.epochs or self.ends or self.importances is not None)


class SearchBuffer(SearchListener):
    """The search thread's listener: appends each report under a lock and returns at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = SearchDrained()

    def on_search_start(self, event: SearchStarted) -> None:
        with self._lock:
            self._pending.started = event

    def on_trial_start(self, number: int, values: dict[str, Any]) -> None:
        with self._lock:
            self._pending.trial_starts.append((number, dict(values)))

    def on_epoch(self, number: int, event: EpochEnd) -> None:
        with self._lock:
            self._pending.epochs.append((number, event))

    def on_trial_end(self, result: TrialResult) -> None:
        with self._lock:
            self._pending.ends.append(result)

    def on_importances(self, values: dict[str, float]) -> None:
        with self._lock:
            self._pending.importances = dict(values)

    def drain(self) -> SearchDrained:
        with self._lock:
            out, self._pending = self._pending, SearchDrained()
        return out


@dataclass
class SearchEnded:
    """What the worker hands back: the outcome, or why there is none."""

    outcome: Any = None  # SearchOutcome
    error: str = ""
    details: str = ""


class SearchWorker(QObject):
    """Owns one Search; `run` (connected to QThread.started) searches and emits `finished(SearchEnded)`."""

    finished = Signal(object)

    def __init__(self, project: Project, space: SearchSpace, config: SearchConfig, control: Control,
                 buffer: SearchBuffer) -> None:
        super().__init__()
        self.project = copy_project(project)
        self.space, self.config, self.control, self.buffer = space, config, control, buffer

    @Slot()
    def run(self) -> None:
        try:
            ended = SearchEnded(Search(self.project, self.space, self.config, self.buffer, self.control).run())
        except SearchError as exc:
            ended = SearchEnded(error=str(exc))
        except Exception as exc:  # a bug guard: shown in the window rather than lost in the thread
            ended = SearchEnded(error=f"the search could not run: {type(exc).__name__}: {exc}",
                                details=traceback.format_exc())
        self.finished.emit(ended)
