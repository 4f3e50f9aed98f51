"""Per-node weight initialisation and freezing."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import nn

from netbuilder.graph.catalog import GateBias


def initialise(module: nn.Module, scheme: str, std: float = 0.02) -> None:
    """Re-initialise every weight matrix/filter of ``module``; biases start at zero.

    ``default`` keeps PyTorch's own initialisation. Only tensors with two or more
    dimensions are weights in this sense; 1-D ones (norm scales, biases) keep or
    reset to their neutral values.
    """
    if scheme == "default":
        return
    with torch.no_grad():
        for name, param in module.named_parameters():
            if param.dim() >= 2:
                if scheme == "xavier":
                    nn.init.xavier_uniform_(param)
                elif scheme == "kaiming":
                    nn.init.kaiming_normal_(param, nonlinearity="relu")
                elif scheme == "normal":
                    nn.init.normal_(param, 0.0, std)
                else:
                    raise ValueError(f"unknown initialisation {scheme!r}")
            elif "bias" in name:
                param.zero_()


@dataclass(frozen=True)
class GateBiasSlice:
    """One module parameter's slice that gets a catalog `GateBias` value added."""

    tensor: str  # the module parameter's name, e.g. ``bias_ih_l0``
    start: int
    stop: int
    value: float


def gate_bias_slices(module: nn.Module, biases: Iterable[GateBias], values: Mapping[str, Any],
                     args: Mapping[str, Any]) -> list[GateBiasSlice]:
    """Where the entry's gate biases go in ``module`` (built with constructor ``args``); none for zero values."""
    slices = []
    for bias in biases:
        value = float(values.get(bias.param, 0.0))
        if not value:
            continue
        size = int(args[bias.size_arg])
        slices += [GateBiasSlice(name, bias.gate * size, (bias.gate + 1) * size, value)
                   for name, _ in module.named_parameters() if name.startswith(bias.tensors)]
    return slices


def add_gate_biases(module: nn.Module, slices: Iterable[GateBiasSlice]) -> None:
    """Add each slice's value to the module's starting biases (after `initialise`)."""
    params = dict(module.named_parameters())
    with torch.no_grad():
        for s in slices:
            params[s.tensor][s.start:s.stop] += s.value


def freeze(module: nn.Module) -> None:
    """No gradient for the node's weights (transfer learning keeps them as they are)."""
    for param in module.parameters():
        param.requires_grad_(False)
