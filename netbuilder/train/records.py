"""What a run reports about itself: the record kept with it, notes for its end, previews for the window."""

from __future__ import annotations

import time
from typing import Any

import torch

from netbuilder.data import Dataset
from netbuilder.graph import Project
from netbuilder.graph.runs import fingerprint
from netbuilder.graph.serialize import graph_to_dict
from netbuilder.graph.settings import to_dict
from netbuilder.graph.start_from import pinned
from netbuilder.train.config import PreparedRun, RunState
from netbuilder.train.device import describe_device
from netbuilder.train.events import Predictions


def data_range(ds: Dataset, rows: int = 4096) -> tuple[float, float] | None:
    """The training inputs' range in the data's own units (samples are shown in them), from a bounded sample."""
    x = ds.x_train[:rows]
    if not x.numel() or not x.is_floating_point():
        return None
    raw = ds.normalization.invert(x.float())
    return float(raw.min()), float(raw.max())


def validation_predictions(run: PreparedRun | None, graph_name: str, count: int = 16) -> Predictions | None:
    """The first ``count`` validation samples with the network's predicted and true classes (classification)."""
    if run is None or run.scheme.task != "classification" or run.dataset.val_size == 0 \
            or run.dataset.y_val is None:
        return None
    compiled = run.scheme.graphs[graph_name]
    x, y = run.dataset.x_val[:count], run.dataset.y_val[:count]
    compiled.eval()
    with torch.no_grad():
        out = compiled.model(x)
    if isinstance(out, (tuple, list)):
        out = out[0]
    predicted = out.float().argmax(dim=-1).reshape(-1).cpu().tolist()
    true = y.reshape(-1).cpu().tolist()
    names = list(run.dataset.class_names or [str(i) for i in range(max(max(true), max(predicted)) + 1)])
    inputs = x.float().cpu().numpy()
    return Predictions(inputs, predicted, true, names, is_image=inputs.ndim == 4)


def data_notes(run: PreparedRun | None) -> list[str]:
    """Files a streamed data set found unreadable and skipped (the user chose bad_files=skip)."""
    bad = getattr(run.dataset, "bad_samples", None) if run is not None else None
    if not bad:
        return []
    shown = ", ".join(str(getattr(b, "path", b)) for b in list(bad)[:5])
    return [f"{len(bad)} unreadable sample(s) skipped: {shown}{' …' if len(bad) > 5 else ''}"]


def recorded_training(project: Project) -> dict[str, Any]:
    """The training settings as a run records them: a relative Start from becomes the absolute file it named,
    so the record (and restoring it) still names that file after the runs are carried to another folder."""
    training = to_dict(project.training)
    if project.path is not None:
        training["start_from"] = pinned(training["start_from"], project.path.parent)
    return training


def run_info(project: Project, run: PreparedRun | None, state: RunState) -> dict[str, Any]:
    """What this run trained and how, recorded with it: enough to compare runs and to restore one."""
    graphs = {name: graph_to_dict(g) for name, g in project.graphs.items()}
    params = macs = 0
    try:
        for analysis in project.analyze().values():
            params, macs = params + analysis.total_params, macs + analysis.total_macs
    except Exception:  # counts are a nicety of the record; never lose the run over them
        pass
    return {
        "project": project.name, "scheme": project.scheme, "started": state.started_at,
        "duration_s": time.time() - state.started_at if state.started_at else None,
        "device": describe_device(run.device) if run is not None else None,
        "precision": run.acceleration.precision_name if run is not None else None,
        "fingerprint": fingerprint(graphs), "params": params, "macs": macs,
        "training": recorded_training(project), "dataset": to_dict(project.dataset), "graphs": graphs,
        "class_names": list(run.dataset.class_names or []) if run is not None else [],
    }
