"""Reading and writing a project for the window, away from the widgets.

`read_project` does everything opening a file needs that touches no widget: read,
parse, check and analyse (shapes and diagnostics, the data set included). For a
100,000-layer file that is seconds of work, so File › Open runs it on a thread of
its own (`netbuilder.ui.background`) and hands the window a finished
`OpenedProject`, whose analysis the window shows without doing it again.

`write_project` saves a project, with the weights of an imported model beside it
(``<stem>.safetensors``, where Export and `graph.runs.trained_weights` look) as one
unit: both files are replaced, or neither.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from netbuilder.data.checks import analyze_with_data, data_key
from netbuilder.graph.analysis import Analysis
from netbuilder.graph.bulk import collector_paused
from netbuilder.graph.files import replace_together
from netbuilder.graph.project import Project, dumps, load_project, save_project, start_from_for
from netbuilder.ui.canvas.building import FREEZE_LIMIT

AnalysisKey = tuple[tuple[tuple[str, int], ...], str] | tuple[()]
WEIGHTS_SUFFIX = ".safetensors"


def analysis_key(project: Project) -> AnalysisKey:
    """What an analysis depends on: each graph's revision and the data set (the window skips an analysis
    whose key has not changed)."""
    return tuple((name, g.revision) for name, g in project.graphs.items()), data_key(project)


@dataclass
class OpenedProject:
    """A project read from ``path`` and analysed, ready to show."""

    path: Path
    project: Project
    results: dict[str, Analysis]
    key: AnalysisKey
    analysis_ms: float


def read_project(path: str | Path) -> OpenedProject:
    """Read and analyse a project file (any thread). Raises the loader's ProjectFileError for a bad file."""
    # The collector is off while the file is read and analysed, and a big project's objects are then kept out
    # of its passes (like a big canvas's items; closing that canvas gives them back, `thaw_collector`): a full
    # pass over millions of new objects holds Python's lock for a second, whichever thread it falls on (seen:
    # 0.6-1.1 s window stalls opening 100,000 nodes).
    with collector_paused():
        project = load_project(path)
        key = analysis_key(project)
        started = time.perf_counter()
        results = analyze_with_data(project)
        if sum(len(g.nodes) for g in project.graphs.values()) >= FREEZE_LIMIT:
            gc.freeze()
    return OpenedProject(Path(path), project, results, key, (time.perf_counter() - started) * 1000)


def write_project(project: Project, path: Path, weights: bytes | None = None) -> Path:
    """Save ``project`` to ``path``; with ``weights`` (a safetensors file's bytes), write them beside it in
    the same step. A project saved under a new name takes the weights beside its old file along."""
    target = Path(path)
    beside = target.with_suffix(WEIGHTS_SUFFIX)
    if weights is None and project.path is not None and project.path.resolve() != target.resolve():
        old = project.path.with_suffix(WEIGHTS_SUFFIX)
        weights = old.read_bytes() if old.is_file() else None
    if weights is None:
        return save_project(project, target)
    data = weights
    with start_from_for(project, target):
        text = dumps(project).encode("utf-8")
        replace_together([(target, lambda tmp: tmp.write_bytes(text)), (beside, lambda tmp: tmp.write_bytes(data))])
    project.path = target
    return target


class BusyBar:
    """The status bar's "working…" indicator: a moving bar and a note, shown while a file is read or a model
    imported, hidden otherwise."""

    def __init__(self, status: QStatusBar) -> None:
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # no figure to show: Qt animates a busy bar
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        for widget in (self.label, self.bar):
            status.addWidget(widget)
            widget.hide()
        self._jobs: list[str] = []
        self._done: dict[str, tuple[int, int]] = {}  # job -> (done, total) for a job that says how far it is

    def start(self, what: str) -> None:
        self._jobs.append(what)
        self._show()

    def progress(self, what: str, done: int, total: int) -> None:
        """How far the job ``what`` has got: the bar fills instead of moving to and fro."""
        if what in self._jobs:
            self._done[what] = (done, total)
            self._show()

    def stop(self, what: str) -> None:
        if what in self._jobs:
            self._jobs.remove(what)
        self._done.pop(what, None)
        self._show()

    def active(self) -> bool:
        return bool(self._jobs)

    def _show(self) -> None:
        self.label.setText(self._jobs[-1] if self._jobs else "")
        done, total = self._done.get(self._jobs[-1], (0, 0)) if self._jobs else (0, 0)
        self.bar.setRange(0, total)  # 0, 0: no figure, Qt animates a busy bar
        self.bar.setValue(done)
        self.label.setVisible(bool(self._jobs))
        self.bar.setVisible(bool(self._jobs))
