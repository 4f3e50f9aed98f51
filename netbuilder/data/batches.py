"""In-memory batching: tensors live on the device, a batch is an index slice.

A DataLoader over a TensorDataset collates sample by sample in Python, which
for small models costs more than the model itself. These data sets fit in
memory, so a batch here is one ``index_select`` on tensors already on the
device: as fast as a hand-written PyTorch loop.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from netbuilder.data.dataset import DataError, Dataset

Batch = tuple[torch.Tensor, "torch.Tensor | None"]


class Batches:
    """Iterate (x, y) batches of one split; ``y`` is None for data without targets.

    With ``shuffle`` each pass draws a new permutation from a generator seeded
    with ``(seed, epoch)``, so a run is reproducible and a resumed run can
    replay the same order with `set_epoch`. The last partial batch is kept.
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor | None, batch_size: int, *, shuffle: bool = False,
                 seed: int = 0, device: torch.device | str | None = None) -> None:
        if y is not None and len(y) != len(x):
            raise DataError(f"inputs have {len(x)} samples but targets have {len(y)}")
        self._configure(batch_size, shuffle, seed, torch.device(device) if device is not None else x.device)
        self.x = x.to(self.device, non_blocking=True)
        self.y = None if y is None else y.to(self.device, non_blocking=True)

    def _configure(self, batch_size: int, shuffle: bool, seed: int, device: torch.device) -> None:
        """What every kind of batches has (the streaming ones too): size, order and device."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise DataError(f"batch size must be a whole number of at least 1; it is {batch_size!r}")
        self.device = device
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    @property
    def num_samples(self) -> int:
        return int(self.x.shape[0])

    def __len__(self) -> int:
        return (self.num_samples + self.batch_size - 1) // self.batch_size  # the last batch may be short

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass use the order of pass ``epoch`` (0-based), e.g. after resuming."""
        self.epoch = epoch

    def order(self, epoch: int) -> torch.Tensor | None:
        """The sample order of pass ``epoch`` on the device, or None when not shuffled."""
        perm = self.permutation(epoch)
        return None if perm is None else perm.to(self.device, non_blocking=True)

    def permutation(self, epoch: int) -> torch.Tensor | None:
        """The sample order of pass ``epoch`` on the CPU (the same on every device), or None when not shuffled."""
        if not self.shuffle:
            return None
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.num_samples, generator=generator)

    def __iter__(self) -> Iterator[Batch]:
        perm = self.order(self.epoch)
        self.epoch += 1
        n, size = self.num_samples, self.batch_size
        for start in range(0, n, size):
            if perm is None:  # plain slices are views: no copy at all
                yield self.x[start:start + size], None if self.y is None else self.y[start:start + size]
            else:
                idx = perm[start:start + size]
                yield self.x.index_select(0, idx), None if self.y is None else self.y.index_select(0, idx)


def make_loaders(ds: Dataset, batch_size: int, seed: int = 0,
                 device: torch.device | str = "cpu") -> tuple[Batches, Batches]:
    """Training batches (shuffled, seeded) and validation batches (in order), both on ``device``.

    A data set streamed from disk (`StreamingDataset`) gets batches read by worker processes in the same order.
    """
    from netbuilder.data.streaming import StreamingDataset  # streaming imports this module

    if isinstance(ds, StreamingDataset):
        return ds.loaders(batch_size, seed, torch.device(device))
    train = Batches(ds.x_train, ds.y_train, batch_size, shuffle=True, seed=seed, device=device)
    val = Batches(ds.x_val, ds.y_val, batch_size, shuffle=False, device=device)
    return train, val
