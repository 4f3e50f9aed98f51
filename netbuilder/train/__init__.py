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
"""

from netbuilder.train.callbacks import Callback, CallbackList, Control, FunctionCallback
from netbuilder.train.checkpoint import (CheckpointError, LoadReport, freeze_nodes, load_checkpoint, load_matching,
                                         read_checkpoint, save_checkpoint)
from netbuilder.train.device import DeviceError, pick_device
from netbuilder.train.events import (REASONS, BatchProgress, EpochEnd, LayerStats, RunFinished, RunResult, RunStarted,
                                     Samples)
from netbuilder.train.trainer import InitFrom, Trainer, default_out_dir

__all__ = [
    "BatchProgress", "Callback", "CallbackList", "CheckpointError", "Control", "DeviceError", "EpochEnd",
    "FunctionCallback", "InitFrom", "LayerStats", "LoadReport", "REASONS", "RunFinished", "RunResult", "RunStarted",
    "Samples", "Trainer", "default_out_dir", "freeze_nodes", "load_checkpoint", "load_matching", "pick_device",
    "read_checkpoint", "save_checkpoint",
]
