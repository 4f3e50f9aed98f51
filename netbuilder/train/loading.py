"""What the Trainer shows of its data: fixed samples to reconstruct, and the image shape of a sample."""

from __future__ import annotations

from math import prod

import torch

from netbuilder.data import BUILTIN_DATASETS, Dataset

SAMPLE_COUNT = 8

def sample_batch(ds: Dataset, count: int = SAMPLE_COUNT) -> torch.Tensor:
    """A few fixed samples to show reconstructions of: validation ones when there are any."""
    source = ds.x_val if ds.val_size else ds.x_train
    return source[:count].clone()


def image_shape(ds: Dataset) -> tuple[int, ...] | None:
    """The (C, H, W) a sample can be shown as: its own, or its built-in set's when flattened."""
    if ds.input_kind == "image" and len(ds.input_shape) == 3:
        return tuple(ds.input_shape)
    info = BUILTIN_DATASETS.get(ds.name)
    if info is not None and info.input_kind == "image" and prod(info.input_shape) == prod(ds.input_shape):
        return tuple(info.input_shape)
    return None
