"""Tensor operations the compiled graphs call that torch has no single function for."""

from __future__ import annotations

import torch


def last_time_step(sequence: torch.Tensor, hidden_size: int, bidirectional: bool) -> torch.Tensor:
    """The RNN output a sequence summary needs: the last step forwards (and the first step backwards).

    For a bidirectional layer the backward direction finishes at t = 0, so its
    final state sits at the start of the output sequence.
    """
    if not bidirectional:
        return sequence[:, -1]
    return torch.cat((sequence[:, -1, :hidden_size], sequence[:, 0, hidden_size:]), dim=-1)
