"""Training (torch, never Qt): the `Trainer` loop, its schemes, metrics, checkpoints and callbacks.

From a window's worker thread::

    control = Control()                      # keep it: request_stop() / pause() / resume() from the GUI thread
    trainer = Trainer(project, control=control, callbacks=[MyForwarder()])   # a Callback subclass
    result = trainer.run()                   # in the worker thread; never raises for a training fault
    result.reason, result.message, result.best_checkpoint

Callbacks run in the training thread: copy the event (plain numbers, CPU
tensors) into a queued signal and return. ``on_batch_end`` comes every
``report_every`` batches, ``on_layer_stats`` on report batches at most twice a
second, ``on_samples`` once per epoch for autoencoders and GANs.

The names below are loaded on first use, so ``netbuilder --help`` (which imports
``netbuilder.cli.train``) does not pay for importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "Callback": "callbacks", "CallbackList": "callbacks", "Control": "callbacks", "FunctionCallback": "callbacks",
    "CheckpointError": "checkpoint", "LoadReport": "checkpoint", "freeze_nodes": "checkpoint",
    "load_checkpoint": "checkpoint", "load_matching": "checkpoint", "read_checkpoint": "checkpoint",
    "save_checkpoint": "checkpoint", "DeviceError": "device", "pick_device": "device",
    "REASONS": "events", "BatchProgress": "events", "EpochEnd": "events", "LayerStats": "events",
    "RunFinished": "events", "RunResult": "events", "RunStarted": "events", "Samples": "events",
    "InitFrom": "config", "Trainer": "trainer", "default_out_dir": "config", "EndReason": "events",
    "Predictions": "events", "PreparedRun": "config", "TrainingConfig": "config", "RunState": "config",
    "Scheme": "schemes", "SchemeContext": "schemes", "training_scheme": "schemes", "TRAINING_SCHEMES": "schemes",
}

__all__ = [
    "REASONS", "TRAINING_SCHEMES", "BatchProgress", "Callback", "CallbackList", "CheckpointError", "Control",
    "DeviceError", "EndReason", "EpochEnd", "FunctionCallback", "InitFrom", "LayerStats", "LoadReport",
    "Predictions", "PreparedRun", "RunFinished", "RunResult", "RunStarted", "RunState", "Samples", "Scheme",
    "SchemeContext", "Trainer", "TrainingConfig", "default_out_dir", "freeze_nodes", "load_checkpoint",
    "load_matching", "pick_device", "read_checkpoint", "save_checkpoint", "training_scheme",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"netbuilder.train.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'netbuilder.train' has no attribute {name!r}")
