"""A recorded run in a row: what `netbuilder runs` prints and the window's Runs panel lists (pure Python).

Both show the same columns -- name, date, how it ended, epochs, its validation
figures, parameters, multiply-adds, duration, device -- from a `RunRecord`.
"""

from __future__ import annotations

from typing import Any

from netbuilder.graph.report import human
from netbuilder.graph.runs import RunRecord

VAL_PREFIX = "val_"


def validation_metrics(records: list[RunRecord]) -> list[str]:
    """The validation figures any of ``records`` has (``val_loss``, ``val_accuracy``, ...), loss first, then by
    name: one column each."""
    names = {k for r in records for k in r.metrics if k.startswith(VAL_PREFIX)}
    return sorted(names, key=lambda k: (k != "val_loss", k))


def metric_title(name: str) -> str:
    """``val_accuracy`` -> ``val accuracy``."""
    return name.replace("_", " ")


def format_date(record: RunRecord) -> str:
    started = record.started
    return started.strftime("%Y-%m-%d %H:%M:%S") if started is not None else ""


def format_duration(seconds: float | None) -> str:
    """``42 s``, ``3 min 05 s``, ``2 h 01 min``; "" when unknown."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    if total < 60:
        return f"{seconds:.3g} s" if seconds < 10 else f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_count(n: int | None) -> str:
    return human(n) if n is not None else ""


def format_metric(value: float | None) -> str:
    return f"{value:.4g}" if value is not None else ""


def summary(record: RunRecord) -> dict[str, Any]:
    """The run as plain JSON data (``netbuilder runs --json``)."""
    started = record.started
    return {
        "key": record.key, "folder": str(record.folder), "name": record.name, "note": record.note,
        "started": started.isoformat(timespec="seconds") if started is not None else None,
        "reason": record.reason, "message": record.message, "epochs_completed": record.epochs_completed,
        "metrics": dict(record.metrics), "params": record.params, "macs": record.macs,
        "duration_s": record.duration_s, "device": record.device or None, "fingerprint": record.fingerprint or None,
        "weights": str(record.weights) if record.weights is not None else None, "trial": record.is_trial,
    }


def table_rows(records: list[RunRecord]) -> tuple[list[str], list[list[str]]]:
    """Headers and one row of text per run, for a terminal."""
    metrics = validation_metrics(records)
    headers = ["run", "date", "ended", "epochs", *(metric_title(m) for m in metrics), "params", "mult-adds",
               "duration", "device"]
    rows = [[r.title, format_date(r), r.reason.replace("_", " "), str(r.epochs_completed),
             *(format_metric(r.metrics.get(m)) for m in metrics), format_count(r.params), format_count(r.macs),
             format_duration(r.duration_s), r.device] for r in records]
    return headers, rows
