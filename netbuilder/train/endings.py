"""How a run ends when something goes wrong: the reason and the words, chosen from the exception.

The Trainer raises `RunEnds` to leave its loop with a reason (a stop request, a NaN loss, early stopping);
`fault_ending` turns any other exception into the ending a user can act on.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import torch

from netbuilder.compile.errors import GraphCompileError
from netbuilder.data import DataError
from netbuilder.graph import TrainingSettings
from netbuilder.graph.memory import TooLarge
from netbuilder.train.checkpoint import CheckpointError
from netbuilder.train.config import RunRefused
from netbuilder.train.device import DeviceError
from netbuilder.train.events import EndReason
from netbuilder.train.schemes import SchemeError

# The project's own refusals (and a folder that cannot be written) say what to change: a traceback would
# only bury that.
WORDED_ERRORS = (GraphCompileError, SchemeError, DeviceError, CheckpointError, TooLarge, RunRefused, OSError)


class RunEnds(Exception):
    """Ends the loop with a reason (raised inside the trainer only)."""

    def __init__(self, reason: EndReason, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass(frozen=True)
class Ending:
    reason: EndReason
    message: str
    details: str = ""


def is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or (isinstance(exc, RuntimeError)
                                                             and "out of memory" in str(exc))


def fault_ending(exc: Exception, where: str, device: torch.device | None, epoch: int, batch_size: int,
                 explain: Callable[[], str]) -> Ending:
    """The ending for ``exc`` raised ``where`` (in words) during ``epoch``; ``explain`` words an unknown fault."""
    if isinstance(exc, RunEnds):
        return Ending(exc.reason, exc.message)
    if is_out_of_memory(exc):
        what = "GPU" if device is not None and device.type in ("cuda", "mps") else "computer"
        return Ending(EndReason.OUT_OF_MEMORY, f"{where}: the {what} ran out of memory at epoch {epoch} — lower "
                      f"the batch size (now {batch_size}) or make the network smaller")
    if isinstance(exc, DataError):
        return Ending(EndReason.DATA_ERROR, f"{where}: the data cannot be used: {exc}")
    if isinstance(exc, WORDED_ERRORS):
        return Ending(EndReason.ERROR, f"{where}: {exc}")
    return Ending(EndReason.ERROR, f"{where}: {explain()}", traceback.format_exc())


def check_finite(loss: float, epoch: int, settings: TrainingSettings, step: int) -> None:
    """End the run (NaN) when a reported loss is not a number: what to change, and that the weights are kept."""
    if not math.isfinite(loss):
        raise RunEnds(EndReason.NAN, f"the loss became {'NaN' if math.isnan(loss) else 'infinite'} in epoch "
                      f"{epoch} (found within {settings.report_every} batch(es) of step {step}) — lower the "
                      f"learning rate (now {settings.learning_rate:g}), turn on gradient clipping, or check the "
                      "data for huge values; the last checkpoint holds the last good weights")
