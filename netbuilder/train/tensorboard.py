"""TensorBoard event files of a run, for people who already live in TensorBoard (optional: the
``tensorboard`` extra, ``pip install 'netbuilder[tensorboard]'``).

`TensorBoardEvents` is a train `Callback`: at each epoch's end it writes the
training and validation figures (``loss/train``, ``loss/val``,
``accuracy/train``, ...) and the learning rate as scalars, with the epoch as
the step, through ``torch.utils.tensorboard.SummaryWriter`` (which writes from
a thread of its own, so the training loop does not wait on the disk).

The events go into a folder per run, so ``tensorboard --logdir`` on their
parent lists every run apart: the run's own folder (the window's setting), or
``<folder>/<run folder's name>`` for ``netbuilder train --tensorboard DIR``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from netbuilder.train.callbacks import Callback
from netbuilder.train.events import EpochEnd, RunFinished, RunStarted

INSTALL_HINT = "install it with: pip install 'netbuilder[tensorboard]'"


class TensorBoardUnavailable(RuntimeError):
    """The ``tensorboard`` package is not installed; the message says how to install it."""


def tensorboard_available() -> bool:
    """Whether event files can be written (``torch.utils.tensorboard`` needs the ``tensorboard`` package)."""
    return importlib.util.find_spec("tensorboard") is not None


def check_tensorboard() -> None:
    """Raise `TensorBoardUnavailable` before a run that was asked for event files it cannot write."""
    if not tensorboard_available():
        raise TensorBoardUnavailable(f"TensorBoard event files need the tensorboard package; {INSTALL_HINT}")


class TensorBoardEvents(Callback):
    """Write a run's per-epoch figures as TensorBoard scalars.

    ``parent=None`` writes into the run's own folder; a ``parent`` folder gets a folder per run inside it,
    named as the run's folder is.
    """

    def __init__(self, parent: str | Path | None = None) -> None:
        check_tensorboard()
        self.parent = Path(parent) if parent is not None else None
        self.log_dir: Path | None = None
        self._writer: Any = None  # torch.utils.tensorboard.SummaryWriter, made when the run starts

    def on_run_start(self, event: RunStarted) -> None:
        from torch.utils.tensorboard import SummaryWriter

        out_dir = Path(event.out_dir)
        self.log_dir = out_dir if self.parent is None else self.parent / out_dir.name
        self._writer = SummaryWriter(log_dir=str(self.log_dir))

    def on_epoch_end(self, event: EpochEnd) -> None:
        writer = self._writer
        if writer is None:
            return
        for split, figures in (("train", event.train), ("val", event.val)):
            for name, value in figures.items():
                writer.add_scalar(f"{name}/{split}", value, event.epoch)
        writer.add_scalar("learning_rate", event.learning_rate, event.epoch)
        writer.flush()  # an epoch is worth seeing in TensorBoard now, not when the run ends

    def on_run_end(self, event: RunFinished) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
