"""Optimiser and learning-rate schedule from a project's TrainingSettings."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable

import torch
from torch import nn

from netbuilder.graph.settings import TrainingSettings


def make_optimizer(params: Iterable[nn.Parameter], settings: TrainingSettings) -> torch.optim.Optimizer:
    """SGD (momentum, Nesterov), Adam, AdamW or RMSprop with the settings' rate and weight decay.

    ``weight_decay`` is an L2 penalty for SGD, Adam and RMSprop and the decoupled decay for AdamW,
    which is what each optimiser's own ``weight_decay`` means.
    """
    params = list(params)
    if not params:
        raise ValueError("nothing to train: every layer with weights is frozen — unfreeze at least one layer")
    lr, wd = settings.learning_rate, settings.weight_decay
    name = settings.optimizer
    if name == "sgd":
        nesterov = settings.nesterov and settings.momentum > 0  # torch refuses Nesterov without momentum
        return torch.optim.SGD(params, lr=lr, momentum=settings.momentum, nesterov=nesterov, weight_decay=wd)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=settings.momentum, weight_decay=wd)
    raise ValueError(f"unknown optimizer {name!r}: use sgd, adam, adamw or rmsprop")


@dataclass
class Schedule:
    """Steps the learning rate once per epoch (plateau reads the validation loss)."""

    optimizers: list[torch.optim.Optimizer]
    schedulers: list[torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau]
    kind: str

    def step(self, val_loss: float | None) -> None:
        for sched in self.schedulers:
            if isinstance(sched, torch.optim.lr_scheduler.ReduceLROnPlateau):
                if val_loss is not None:
                    sched.step(val_loss)
            else:
                sched.step()

    @property
    def learning_rate(self) -> float:
        return float(self.optimizers[0].param_groups[0]["lr"])


def make_schedule(optimizers: list[torch.optim.Optimizer], settings: TrainingSettings, epochs: int) -> Schedule:
    """``step``: ×0.1 every third of the run; ``cosine``: down to zero over the run; ``plateau``: ×0.1 after
    ``max(2, early_stopping // 2)`` epochs without a better validation loss."""
    kind = settings.schedule
    scheds: list = []
    for opt in optimizers:
        if kind == "step":
            scheds.append(torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.1))
        elif kind == "cosine":
            scheds.append(torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs)))
        elif kind == "plateau":
            patience = max(2, settings.early_stopping // 2)
            scheds.append(torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.1, patience=patience))
        elif kind != "none":
            raise ValueError(f"unknown schedule {kind!r}: use none, step, cosine or plateau")
    return Schedule(optimizers, scheds, kind)
