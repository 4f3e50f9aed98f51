"""A search's trials as plain records, and the two places the search space meets Optuna (no Qt).

`suggest` asks an Optuna trial for a value of every parameter of a space;
`trial_result` reads a finished (or running) trial back as a `TrialResult`;
`importances` says which parameters mattered. Kept apart from the search loop
so the window and the command line can list a stored study without running one.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from netbuilder.graph.search_space import SearchParam, SearchSpace

COMPLETE, PRUNED, FAILED, RUNNING = "complete", "pruned", "failed", "running"
_STATES = {TrialState.COMPLETE: COMPLETE, TrialState.PRUNED: PRUNED, TrialState.FAIL: FAILED,
           TrialState.RUNNING: RUNNING, TrialState.WAITING: RUNNING}


@dataclass
class TrialResult:
    """One trial: its values, how it ended, its validation metric and cost, and where its run is recorded."""

    number: int
    state: str  # complete, pruned, failed or running
    value: float | None  # the validation metric (complete: of the weights kept; pruned: its last report)
    params: dict[str, Any]
    macs: int | None = None  # multiply-adds per sample, from the graph analysis
    parameters: int | None = None  # weights to train
    seconds: float | None = None
    epochs: int = 0
    run_folder: Path | None = None  # the trial's run (checkpoints, history.json)
    message: str = ""
    curve: list[float] = field(default_factory=list)  # the metric reported after each epoch

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "state": self.state, "value": self.value, "params": dict(self.params),
                "macs": self.macs, "parameters": self.parameters, "seconds": self.seconds, "epochs": self.epochs,
                "run_folder": str(self.run_folder) if self.run_folder else None, "message": self.message}


def suggest(trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
    """A value for every parameter of ``space``, drawn by the study's sampler."""
    return {p.name: _suggest_one(trial, p) for p in space.params}


def _suggest_one(trial: optuna.Trial, p: SearchParam) -> Any:
    if p.is_choice:
        return trial.suggest_categorical(p.name, list(p.choices))
    assert p.low is not None and p.high is not None
    if p.integer:
        return trial.suggest_int(p.name, int(p.low), int(p.high), log=p.log)
    return trial.suggest_float(p.name, float(p.low), float(p.high), log=p.log)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def trial_result(trial: optuna.trial.FrozenTrial, runs: Path) -> TrialResult:
    """``trial`` as a record; its run folder is resolved against the project's runs folder ``runs``."""
    attrs = trial.user_attrs
    curve = [trial.intermediate_values[k] for k in sorted(trial.intermediate_values)]
    value = _number(trial.value) if trial.state == TrialState.COMPLETE else _number(curve[-1]) if curve else None
    seconds = None
    if trial.datetime_start is not None and trial.datetime_complete is not None:
        seconds = (trial.datetime_complete - trial.datetime_start).total_seconds()
    folder = attrs.get("run_folder")
    macs, parameters, epochs = attrs.get("macs"), attrs.get("parameters"), attrs.get("epochs", 0)
    return TrialResult(trial.number, _STATES.get(trial.state, FAILED), value, dict(trial.params),
                       macs if isinstance(macs, int) else None, parameters if isinstance(parameters, int) else None,
                       seconds, epochs if isinstance(epochs, int) else 0,
                       runs / folder if isinstance(folder, str) else None, str(attrs.get("message", "")),
                       [float(v) for v in curve])


def importances(study: optuna.Study) -> dict[str, float]:
    """How much each parameter mattered to the metric (sums to 1), once two trials are complete; {} before."""
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    if len(complete) < 2:
        return {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fANOVA warns about few trials: the numbers are still the best we have
            values = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError, ZeroDivisionError):  # e.g. every complete trial took the same values
        return {}
    return {str(k): float(v) for k, v in values.items() if math.isfinite(v)}
