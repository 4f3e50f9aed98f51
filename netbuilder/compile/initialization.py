"""Per-node weight initialisation and freezing."""

from __future__ import annotations

import torch
from torch import nn


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


def add_forget_bias(module: nn.Module, value: float) -> None:
    """Add ``value`` to the forget-gate bias of every layer and direction of an LSTM (after `initialise`)."""
    if not value or not isinstance(module, nn.LSTM):
        return
    h = module.hidden_size
    with torch.no_grad():
        for name, param in module.named_parameters():
            if name.startswith("bias_ih"):  # torch's gate order is input, forget, cell, output
                param[h:2 * h] += value


def freeze(module: nn.Module) -> None:
    """No gradient for the node's weights (transfer learning keeps them as they are)."""
    for param in module.parameters():
        param.requires_grad_(False)
