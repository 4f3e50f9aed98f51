"""Training (torch, never Qt): the `Trainer` loop, its schemes, metrics, checkpoints and callbacks."""

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
