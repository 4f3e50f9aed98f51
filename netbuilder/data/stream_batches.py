"""Batches streamed from disk: worker processes read ahead, the device normalises.

A `StreamBatches` asks a torch `DataLoader` for whole batches of sample
indices, in exactly the order `Batches` would take them (the same seeded
permutation of the split). Each worker reads its batch with the data set's
`SampleSource` and returns it raw (pixels as uint8, a quarter of the bytes);
the loader pins it, the copy to the device does not block, and the device
converts and normalises it with the same arithmetic as the in-memory set, so
a streamed batch holds the values an in-memory batch would.

A sample that cannot be read comes back as a `Problem`; `BadSampleLog`
reports it once and either leaves it out (a shorter batch) or stops with a
`DataError` naming it, as the ``bad_files`` option says.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from netbuilder.data.batches import Batch, Batches
from netbuilder.data.dataset import DataError, Normalization
from netbuilder.data.progress import BadSample, Report
from netbuilder.data.samples import Problem, SampleSource

PREFETCH = 4  # batches each worker reads ahead
MAX_AUTO_WORKERS = 12


def default_workers() -> int:
    """Worker processes when the option says auto: one core is left to the training loop."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, min(MAX_AUTO_WORKERS, cores - 1))


def workers_option(value: object) -> int:
    """The ``workers`` data option (already checked): a whole number as given, else `default_workers`."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default_workers()


class BadSampleLog:
    """Samples found unreadable, each reported once; shared by a data set's loaders (training, validation)."""

    def __init__(self, report: Report, skip: bool) -> None:
        self.report = report
        self.skip = skip
        self.found: list[BadSample] = []
        self._seen: set[str] = set()

    def handle(self, problems: list[Problem]) -> None:
        """Report new problems; raise a DataError on the first one unless bad samples are skipped."""
        for problem in problems:
            if problem.where not in self._seen:
                self._seen.add(problem.where)
                event = BadSample(problem.where, problem.reason, self.skip)
                self.found.append(event)
                self.report(event)
            if not self.skip:
                raise DataError(f"{problem.where}: {problem.reason} (or set the data option bad_files=skip to train "
                                f"without such files)")


@dataclass
class Loaded:
    """One batch as a worker read it: raw samples already in the network's shape, their targets, what failed."""

    x: torch.Tensor
    y: torch.Tensor | None
    problems: list[Problem]

    def pin_memory(self) -> Loaded:
        """Called by the DataLoader's pinning thread: page-locked memory makes the copy to the GPU asynchronous."""
        return Loaded(self.x.pin_memory(), None if self.y is None else self.y.pin_memory(), self.problems)


class Reader(torch.utils.data.Dataset[Loaded]):
    """What each worker holds: the samples, their targets, and the per-sample shape the network takes."""

    def __init__(self, samples: SampleSource, y: np.ndarray | None, dims: tuple[int, ...]) -> None:
        if prod(samples.dims) != prod(dims):
            raise ValueError(f"samples of {samples.dims} cannot take the shape {dims}")
        self.samples, self.y, self.dims = samples, y, dims

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, indices: np.ndarray) -> Loaded:  # one request is a whole batch of indices
        read = self.samples.read(indices)
        x = torch.from_numpy(read.x.reshape(len(read.x), *self.dims))
        y = None if self.y is None else torch.from_numpy(np.ascontiguousarray(self.y[indices[read.kept]]))
        return Loaded(x, y, read.problems)


class DeviceNormalizer:
    """`Normalization.apply` on the device, its constants copied there once (not one small copy per batch)."""

    def __init__(self, norm: Normalization, tokens: bool, sample_rank: int, device: torch.device) -> None:
        self.tokens = tokens
        self.identity = norm.kind == "none" and norm.scale == 1.0
        self.scale = norm.scale
        example = torch.empty((1,) * (sample_rank + 1))
        mean, std = norm._broadcast(example)  # the shapes the in-memory set used
        self.mean, self.std = mean.to(device), std.to(device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.tokens:
            return x
        x = x.to(torch.float32)
        if self.identity:
            return x
        # The order of `Normalization.apply` (the same floats), in one new tensor rather than three.
        return (x / self.scale).sub_(self.mean).div_(self.std)


class Requests:
    """The DataLoader's sampler: the current pass's batches of indices (replaced each pass)."""

    def __init__(self) -> None:
        self.batches: list[np.ndarray] = []

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def as_is(item: Any) -> Any:
    """The collate function: a worker's `Loaded` is already a whole batch."""
    return item


def make_loader(dataset: torch.utils.data.Dataset[Any], requests: Requests, workers: int, pin: bool,
                persistent: bool = True) -> DataLoader[Any]:
    return DataLoader(dataset, batch_size=None, sampler=requests, num_workers=workers, collate_fn=as_is,
                      pin_memory=pin, persistent_workers=persistent and workers > 0,
                      prefetch_factor=PREFETCH if workers > 0 else None)


class StreamBatches(Batches):
    """Iterate (x, y) batches of one split read from disk, in the order `Batches` gives for the same seed."""

    def __init__(self, reader: Reader, indices: np.ndarray, batch_size: int, *, shuffle: bool = False,
                 seed: int = 0, device: torch.device | str = "cpu", normalize: DeviceNormalizer,
                 log: BadSampleLog, workers: int) -> None:
        self._configure(batch_size, shuffle, seed, torch.device(device))
        self.reader, self.indices, self.normalize, self.log, self.workers = reader, indices, normalize, log, workers
        self._requests = Requests()
        self._loader: DataLoader[Any] | None = None  # made on the first pass; its workers stay for the next

    @property
    def num_samples(self) -> int:
        return len(self.indices)

    def requests(self, epoch: int) -> list[np.ndarray]:
        """The data set indices of each batch of pass ``epoch``."""
        perm = self.permutation(epoch)
        order = self.indices if perm is None else self.indices[perm.numpy()]
        return [order[start:start + self.batch_size] for start in range(0, len(order), self.batch_size)]

    def __iter__(self) -> Iterator[Batch]:
        self._requests.batches = self.requests(self.epoch)
        self.epoch += 1
        if self._loader is None:
            self._loader = make_loader(self.reader, self._requests, self.workers, self.device.type == "cuda")
        for loaded in self._loader:
            self.log.handle(loaded.problems)
            if not len(loaded.x):
                continue  # every sample of this batch was bad (and skipped)
            x = loaded.x.to(self.device, non_blocking=True)
            y = None if loaded.y is None else loaded.y.to(self.device, non_blocking=True)
            yield self.normalize(x), y

    def close(self) -> None:
        """End the worker processes now (they also end when these batches are dropped)."""
        self._loader = None
