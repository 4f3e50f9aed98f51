"""`Search`: hyperparameter and structure search with Optuna, one `Trainer` run per trial (torch, no Qt).

Each trial takes values from the `SearchSpace` (Optuna's TPE sampler picks
them), trains a copy of the project changed by exactly the edit that "Apply
this trial" would make (`netbuilder.graph.trial_edit`), and is ranked by a
validation metric: accuracy for a classifier, else the loss. The Trainer's
epoch reports feed Optuna's median pruner, which stops trials that trail the
earlier ones. A trial budget and a time budget end the search; a `Control`
stops or pauses it from another thread.

The study lives in SQLite in the project's runs folder (``runs/<stem>/search.db``),
so a search resumes where it stopped, and any Optuna RDB URL can be given
instead, so several processes or machines can work on one study. Each trial's
run is recorded like any other run, in ``runs/<stem>/search-<study>/trial-<n>/``
(checkpoints and ``history.json``). The data set is loaded once for all trials.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import optuna

from netbuilder.data import DataError, Dataset, load_for
from netbuilder.graph.names import identifier
from netbuilder.graph.project import Project
from netbuilder.graph.search_space import SearchSpace, SearchSpaceError
from netbuilder.graph.trial_edit import trial_project
from netbuilder.train.callbacks import Callback, Control
from netbuilder.train.events import EpochEnd
from netbuilder.train.search_results import (COMPLETE, TrialResult, importances, suggest, trial_result)

DEFAULT_STUDY = "default"
DB_FILE = "search.db"
HEARTBEAT_S = 30  # a trial whose process stopped beating this long ago (a crash) is marked failed on resume

__all__ = ["DB_FILE", "DEFAULT_STUDY", "Search", "SearchConfig", "SearchError", "SearchListener", "SearchOutcome",
           "SearchStarted", "TrialResult", "default_storage", "open_study", "read_study", "search_folder"]


class SearchError(ValueError):
    """A search that cannot start (space, data, storage, a study made for another metric); the message says why."""


class TrialFailed(Exception):
    """Ends one trial as failed (its values make no network, or its run failed); the search goes on."""


def search_folder(runs: Path, study: str) -> Path:
    """Where a study's trial runs go: ``<runs>/search-<study>/``."""
    return runs / f"search-{identifier(study, fallback='study')}"


def default_storage(runs: Path) -> str:
    """The SQLite URL of the study database in a project's runs folder."""
    return f"sqlite:///{(runs / DB_FILE).absolute()}"


@dataclass
class SearchConfig:
    """How long a search runs and where it keeps its study; ``runs`` is the project's runs folder."""

    runs: Path
    trials: int | None = 10  # trials to run in this call (a resumed study keeps its earlier ones)
    timeout_s: float | None = None
    epochs: int | None = None  # per trial; None: the space's, else the project's
    storage: str | None = None  # an Optuna RDB URL; None: SQLite in ``runs``
    study: str = DEFAULT_STUDY
    device: str | None = None

    @property
    def storage_url(self) -> str:
        return self.storage or default_storage(self.runs)


@dataclass
class SearchStarted:
    """The study is open: what ranks the trials, and the trials it already holds."""

    study: str
    storage: str
    metric: str  # "accuracy" or "loss", measured on the validation split
    maximize: bool
    previous: list[TrialResult]


@dataclass
class SearchOutcome:
    """How a search call ended, and every trial of its study (earlier calls' too)."""

    study: str
    storage: str
    metric: str
    maximize: bool
    trials: list[TrialResult]
    ended: str  # "trials", "time" or "stopped"
    seconds: float
    importances: dict[str, float] = field(default_factory=dict)

    @property
    def complete(self) -> list[TrialResult]:
        return [t for t in self.trials if t.state == COMPLETE and t.value is not None]

    @property
    def best(self) -> TrialResult | None:
        done = self.complete
        if not done:
            return None
        sign = 1.0 if self.maximize else -1.0
        # Equal metrics: the cheaper network wins.
        return max(done, key=lambda t: (sign * (t.value or 0.0), -(t.macs or 0)))


class SearchListener:
    """Override the hooks you need; they are called in the searching thread."""

    def on_search_start(self, event: SearchStarted) -> None:
        pass

    def on_trial_start(self, number: int, values: dict[str, Any]) -> None:
        pass

    def on_epoch(self, number: int, event: EpochEnd) -> None:
        pass

    def on_trial_end(self, result: TrialResult) -> None:
        pass

    def on_importances(self, values: dict[str, float]) -> None:
        pass


class _TrialControl(Control):
    """A trial's own Control: pruning stops the trial only; the search's stop, pause and deadline reach it."""

    def __init__(self, search: Control, deadline: float | None) -> None:
        super().__init__()
        self.search, self.deadline = search, deadline
        self.cut = ""  # why the search cut the trial short: "stopped on request" or "time budget spent"

    def between_batches(self) -> bool:
        if self.search.between_batches():
            self.cut = self.cut or "stopped on request"
            self.request_stop()
        elif self.deadline is not None and time.perf_counter() > self.deadline:
            self.cut = self.cut or "time budget spent"
            self.request_stop()
        return super().between_batches()


class _Watcher(Callback):
    """Reports each epoch's validation metric to Optuna and stops the run when the pruner says so."""

    def __init__(self, trial: optuna.Trial, metric: str, control: Control, listener: SearchListener) -> None:
        self.trial, self.metric, self.control, self.listener = trial, metric, control, listener
        self.kept: float | None = None  # the metric at the epoch whose weights the run keeps (best val loss)
        self.last: float | None = None
        self.pruned_at = 0

    def on_epoch_end(self, event: EpochEnd) -> None:
        self.listener.on_epoch(self.trial.number, event)
        value = event.val.get(self.metric)
        if value is None or not math.isfinite(value):
            return
        self.last = value
        if event.improved or self.kept is None:
            self.kept = value
        self.trial.report(value, event.epoch)
        if self.trial.should_prune():
            self.pruned_at = event.epoch
            self.control.request_stop()


def choose_metric(project: Project, dataset: Dataset) -> tuple[str, bool]:
    """What ranks the trials: validation accuracy (higher is better) for a classifier, else the loss."""
    spec = project.scheme_spec
    if spec is not None and spec.uses_labels and dataset.task == "classification":
        return "accuracy", True
    return "loss", False


def open_study(storage: str, study: str, metric: str | None = None, maximize: bool = True,
               sampler: optuna.samplers.BaseSampler | None = None,
               pruner: optuna.pruners.BasePruner | None = None) -> optuna.Study:
    """Open (or with ``metric``, create) a study; SearchError when the storage cannot be used or the study
    ranks trials by another metric."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # trials are reported by the caller, in its words
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # the heartbeat: stable enough
            rdb = optuna.storages.RDBStorage(storage, engine_kwargs=_engine_kwargs(storage),
                                             heartbeat_interval=HEARTBEAT_S, grace_period=3 * HEARTBEAT_S)
        if metric is None:
            return optuna.load_study(study_name=study, storage=rdb)
        made = optuna.create_study(study_name=study, storage=rdb, load_if_exists=True, sampler=sampler,
                                   pruner=pruner, direction="maximize" if maximize else "minimize")
    except KeyError:
        raise SearchError(f"there is no study {study!r} in {storage}") from None
    except Exception as exc:  # a bad URL, a missing database driver, a locked or damaged file
        raise SearchError(f"cannot open the study database {storage}: {type(exc).__name__}: {exc}") from None
    if metric is not None:
        stored = made.user_attrs.get("metric")
        if stored is None:
            made.set_user_attr("metric", metric)
        elif stored != metric:
            raise SearchError(f"the study {study!r} ranks trials by validation {stored}, but this project's trials "
                              f"give validation {metric} — start a new study (another study name)")
    return made


def _engine_kwargs(storage: str) -> dict[str, Any]:
    # Several processes may share one SQLite study: wait for a writer instead of failing at once.
    return {"connect_args": {"timeout": 60}} if storage.startswith("sqlite") else {}


class Search:
    """``Search(project, space, SearchConfig(runs, trials=20)).run()``: never raises for a trial's fault."""

    def __init__(self, project: Project, space: SearchSpace, config: SearchConfig,
                 listener: SearchListener | None = None, control: Control | None = None,
                 dataset: Dataset | None = None) -> None:
        self.project, self.space, self.config = project, space, config
        self.listener = listener or SearchListener()
        self.control = control or Control()
        self.dataset = dataset
        self.metric, self.maximize = "loss", False
        self.deadline: float | None = None
        self.study: optuna.Study | None = None

    @property
    def epochs(self) -> int:
        return int(self.config.epochs or self.space.epochs or self.project.training.epochs)

    def prepare(self) -> optuna.Study:
        """Check the space, load the data, open the study (SearchError says what stops the search)."""
        if self.study is not None:
            return self.study
        try:
            self.space.check(self.project)
        except SearchSpaceError as exc:
            raise SearchError(f"the search space cannot be used: {exc}") from None
        if self.config.trials is None and self.config.timeout_s is None:
            raise SearchError("give a trial budget, a time budget, or both")
        if self.dataset is None:
            try:
                self.dataset = load_for(self.project)
            except DataError as exc:
                raise SearchError(f"the data cannot be used: {exc}") from None
        self.metric, self.maximize = choose_metric(self.project, self.dataset)
        if self.config.storage is None:
            self.config.runs.mkdir(parents=True, exist_ok=True)
        existing = open_study_count(self.config.storage_url, self.config.study)
        # Seeded by how many trials the study has, so a resumed search does not replay the same draws.
        sampler = optuna.samplers.TPESampler(seed=self.project.training.seed + existing, n_startup_trials=5)
        pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=min(2, self.epochs - 1))
        self.study = open_study(self.config.storage_url, self.config.study, self.metric, self.maximize, sampler,
                                pruner)
        return self.study

    def run(self) -> SearchOutcome:
        study = self.prepare()
        runs = self.config.runs
        self.listener.on_search_start(SearchStarted(self.config.study, self.config.storage_url, self.metric,
                                                    self.maximize, [trial_result(t, runs) for t in study.trials]))
        started = time.perf_counter()
        timeout = self.config.timeout_s
        self.deadline = started + timeout if timeout is not None else None
        study.optimize(self._objective, n_trials=self.config.trials, timeout=timeout, catch=(TrialFailed,),
                       callbacks=[self._after_trial])
        if self.control.stop_requested:
            ended = "stopped"
        elif self.deadline is not None and time.perf_counter() >= self.deadline:
            ended = "time"
        else:
            ended = "trials"
        trials = [trial_result(t, runs) for t in study.trials]
        return SearchOutcome(self.config.study, self.config.storage_url, self.metric, self.maximize, trials, ended,
                             time.perf_counter() - started, importances(study))

    # ---- one trial ------------------------------------------------------------------------------------
    def _objective(self, trial: optuna.Trial) -> float:
        from netbuilder.train.trainer import Trainer  # torch loads with the first trial, not with this module

        values = suggest(trial, self.space)
        self.listener.on_trial_start(trial.number, values)
        try:
            project = trial_project(self.project, self.space, values)
        except (ValueError, KeyError) as exc:
            self._fail(trial, f"these values make no network: {exc}")
        results = project.analyze()
        trial.set_user_attr("macs", sum(a.total_macs for a in results.values()))
        trial.set_user_attr("parameters", sum(a.total_params for a in results.values()))
        errors = [d.message for a in results.values() for d in a.errors]
        if errors:
            self._fail(trial, f"these values break the network: {errors[0]}")
        folder = search_folder(self.config.runs, self.config.study) / f"trial-{trial.number}"
        trial.set_user_attr("run_folder", str(folder.relative_to(self.config.runs)))
        control = _TrialControl(self.control, self.deadline)
        watcher = _Watcher(trial, self.metric, control, self.listener)
        trainer = Trainer(project, callbacks=[watcher], control=control, out_dir=folder, epochs=self.epochs,
                          dataset=self.dataset, device=self.config.device, layer_stats=False)
        try:
            trainer.prepare()
        except Exception:  # run() turns the same fault into a worded result
            pass
        else:
            if trainer.scheme is not None and not trainer.scheme.has_validation_loss:
                trial.study.stop()  # no trial of this project can be ranked
                self._fail(trial, "this training scheme has no validation loss that says which network is better "
                           "(a GAN's losses pull against each other) — a search cannot rank its trials")
        result = trainer.run()
        trial.set_user_attr("epochs", result.epochs_completed)
        if watcher.pruned_at:
            trial.set_user_attr("message", f"pruned after epoch {watcher.pruned_at}: validation {self.metric} "
                                "behind the median of earlier trials")
            raise optuna.TrialPruned()
        if control.cut:
            trial.set_user_attr("message", f"{control.cut} at epoch {result.epochs_completed + 1}")
            raise optuna.TrialPruned()
        if not result.ok:
            self._fail(trial, result.message)
        value = watcher.kept if watcher.kept is not None else watcher.last
        if value is None:
            return self._fail(trial, f"the run reports no validation {self.metric} — a search needs a validation "
                              "split")
        trial.set_user_attr("message", result.message)
        return float(value)

    @staticmethod
    def _fail(trial: optuna.Trial, message: str) -> NoReturn:
        trial.set_user_attr("message", message)
        raise TrialFailed(message)

    def _after_trial(self, study: optuna.Study, frozen: optuna.trial.FrozenTrial) -> None:
        self.listener.on_trial_end(trial_result(frozen, self.config.runs))
        values = importances(study)
        if values:
            self.listener.on_importances(values)
        if self.control.stop_requested or (self.deadline is not None and time.perf_counter() >= self.deadline):
            study.stop()


def open_study_count(storage: str, study: str) -> int:
    """How many trials study ``study`` already holds (0 when it does not exist yet)."""
    try:
        return len(open_study(storage, study).trials)
    except SearchError:
        return 0


def study_trials(storage: str, study: str, runs: Path) -> list[TrialResult]:
    """The trials of an existing study, read back (SearchError when there is none)."""
    return [trial_result(t, runs) for t in open_study(storage, study).trials]


def read_study(storage: str, study: str, runs: Path) -> SearchOutcome | None:
    """A stored study's trials, metric and importances, or None when there is no such study."""
    try:
        stored = open_study(storage, study)
    except SearchError:
        return None
    maximize = stored.direction == optuna.study.StudyDirection.MAXIMIZE
    return SearchOutcome(study, storage, str(stored.user_attrs.get("metric", "loss")), maximize,
                         [trial_result(t, runs) for t in stored.trials], "stored", 0.0, importances(stored))
