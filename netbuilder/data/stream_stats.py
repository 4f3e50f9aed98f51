"""The normalisation of a streamed data set, fitted by one streaming pass over its whole training split.

Not a sample: the pass reads every training sample once (in worker processes,
in file order), so the statistics are those `dataset.fit_normalization` finds
in memory. Each worker reduces its chunk to float64 moments (count, mean, sum
of squared deviations, minimum, maximum per channel or feature), which merge
exactly (Chan et al.); the mean and standard deviation then agree with numpy's
in-memory ones to about 1e-12 (the order of summation differs), and the minimum
and maximum exactly. The rules below mirror `fit_normalization`; a test holds
them to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np
import torch

from netbuilder.data.dataset import DataError, Normalization
from netbuilder.data.progress import Report, Throttle
from netbuilder.data.samples import Problem
from netbuilder.data.stream_batches import BadSampleLog, Reader, Requests, make_loader

CHUNK_BYTES = 32 << 20  # float64 values a worker reduces at a time


@dataclass
class Moments:
    """Per-group statistics of some values: ``count`` values a group, their mean, M2, minimum and maximum."""

    count: int
    mean: np.ndarray
    m2: np.ndarray  # the sum of squared deviations from the mean
    low: np.ndarray
    high: np.ndarray

    @staticmethod
    def of(x: np.ndarray, reduce: tuple[int, ...]) -> Moments:
        mean = x.mean(axis=reduce, keepdims=True)
        m2 = ((x - mean) ** 2).sum(axis=reduce)
        groups = prod(x.shape[i] for i in range(x.ndim) if i not in reduce)
        return Moments(x.size // max(groups, 1), mean.reshape(-1), m2.reshape(-1), x.min(axis=reduce).reshape(-1),
                       x.max(axis=reduce).reshape(-1))

    def merge(self, other: Moments) -> Moments:
        n = self.count + other.count
        delta = other.mean - self.mean
        return Moments(n, self.mean + delta * (other.count / n),
                       self.m2 + other.m2 + delta ** 2 * (self.count * other.count / n),
                       np.minimum(self.low, other.low), np.maximum(self.high, other.high))

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.m2 / self.count)


def axis_of(sample_kind: str, sample_rank: int) -> str:
    """Per channel for images, per feature (last axis) otherwise: as `fit_normalization` decides."""
    ndim = sample_rank + 1
    return "channel" if sample_kind == "image" and ndim == 4 else "feature" if ndim >= 2 else "all"


def reduced_axes(axis: str, ndim: int) -> tuple[int, ...]:
    if axis == "channel":
        return (0, 2, 3)
    if axis == "feature":
        return tuple(range(ndim - 1))
    return tuple(range(ndim))


def needs_pass(sample_kind: str, norm_kind: str, value_range: str | None, pixel_max: float | None) -> bool:
    """Whether the normalisation depends on the data (and not only on its pixel scale)."""
    if sample_kind == "tokens":
        return False
    if value_range in ("unit", "tanh"):
        return pixel_max is None
    return norm_kind == "standardize"


def pass_scale(value_range: str | None, pixel_max: float | None) -> float:
    """What values are divided by before the moments: pixels to [0, 1] for mean/std, as in memory."""
    return float(pixel_max) if value_range not in ("unit", "tanh") and pixel_max else 1.0


def normalization_from(moments: Moments | None, norm_kind: str, sample_kind: str, sample_rank: int,
                       value_range: str | None, pixel_max: float | None) -> Normalization:
    """`fit_normalization`'s result, from the pass's moments instead of the training array."""
    if sample_kind == "tokens":
        return Normalization()
    axis = axis_of(sample_kind, sample_rank)
    if value_range in ("unit", "tanh"):
        if pixel_max is not None:
            scale, lo, hi, axis = float(pixel_max), np.zeros(1), np.ones(1), "all"
        else:
            assert moments is not None
            scale, lo, hi = 1.0, moments.low.astype(np.float64), moments.high.astype(np.float64)
        width = np.where(hi - lo > 1e-12, hi - lo, 1.0)
        if value_range == "unit":
            return Normalization("unit", axis, scale, lo.tolist(), width.tolist())
        return Normalization("tanh", axis, scale, ((lo + hi) / 2).tolist(), (width / 2).tolist())
    if norm_kind == "none":
        return Normalization()
    assert moments is not None
    scale = float(pixel_max) if pixel_max else 1.0
    std = np.where(moments.std > 1e-8, moments.std, 1.0)
    return Normalization("standardize", axis, scale, moments.mean.tolist(), std.tolist())


@dataclass
class Part:
    """One worker's chunk of the pass: its moments (None when nothing could be read), its size, what failed."""

    moments: Moments | None
    samples: int
    problems: list[Problem]


class MomentsReader(torch.utils.data.Dataset[Part]):
    """Reads a chunk of samples and reduces it to moments in the worker, so only a few numbers travel back."""

    def __init__(self, reader: Reader, axis: str, scale: float) -> None:
        self.reader, self.scale = reader, scale
        self.reduce = reduced_axes(axis, len(reader.dims) + 1)

    def __len__(self) -> int:
        return len(self.reader)

    def __getitem__(self, indices: np.ndarray) -> Part:
        read = self.reader.samples.read(indices)
        if not len(read.x):
            return Part(None, len(indices), read.problems)
        x = read.x.reshape(len(read.x), *self.reader.dims).astype(np.float64) / self.scale
        return Part(Moments.of(x, self.reduce), len(indices), read.problems)


def measure(reader: Reader, train: np.ndarray, axis: str, scale: float, workers: int, log: BadSampleLog,
            report: Report, name: str) -> Moments:
    """The moments of the training split, read once in file order."""
    per_chunk = max(1, CHUNK_BYTES // (8 * max(1, prod(reader.dims))))
    order = np.sort(train)
    requests = Requests()
    requests.batches = [order[i:i + per_chunk] for i in range(0, len(order), per_chunk)]
    progress = Throttle(report, name, "statistics", len(order))
    total: Moments | None = None
    for part in make_loader(MomentsReader(reader, axis, scale), requests, workers, pin=False, persistent=False):
        log.handle(part.problems)
        progress.advance(part.samples)
        if part.moments is not None:
            total = part.moments if total is None else total.merge(part.moments)
    progress.finish()
    if total is None:
        raise DataError(f"{name}: none of the {len(order):,} training samples could be read")
    return total
