"""In-memory batches: seeded shuffling, partial last batch, validation in order."""

from __future__ import annotations

import pytest
import torch

from netbuilder.data import Batches, DataError, load_dataset, make_loaders
from netbuilder.graph import DatasetSettings


def numbered(n=10):
    return torch.arange(n, dtype=torch.float32)[:, None], torch.arange(n)


def test_every_sample_comes_once_per_pass_and_the_last_partial_batch_is_kept():
    x, y = numbered(10)
    batches = list(Batches(x, y, 4, shuffle=True, seed=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(10))


def test_inputs_and_targets_stay_paired_when_shuffled():
    x, y = numbered(10)
    for xb, yb in Batches(x, y, 3, shuffle=True, seed=5):
        assert torch.equal(xb[:, 0].long(), yb)


def test_shuffling_is_reproducible_with_the_seed_and_changes_each_epoch():
    x, y = numbered(50)
    a, b = Batches(x, y, 50, shuffle=True, seed=1), Batches(x, y, 50, shuffle=True, seed=1)
    first_a, second_a = next(iter(a))[1], next(iter(a))[1]
    assert torch.equal(first_a, next(iter(b))[1])
    assert not torch.equal(first_a, second_a)


def test_set_epoch_replays_that_epochs_order():
    x, y = numbered(30)
    batches = Batches(x, y, 30, shuffle=True, seed=2)
    orders = [next(iter(batches))[1] for _ in range(3)]
    batches.set_epoch(1)
    assert torch.equal(next(iter(batches))[1], orders[1])


def test_make_loaders_shuffles_training_but_keeps_validation_in_order():
    ds = load_dataset(DatasetSettings("iris"))
    train, val = make_loaders(ds, 16, seed=0, device="cpu")
    assert len(train) == 8 and len(val) == 2
    assert torch.equal(torch.cat([yb for _, yb in val]), ds.y_val)
    assert not torch.equal(torch.cat([yb for _, yb in train]), ds.y_train)


def test_data_without_targets_yields_none_for_y():
    x = torch.randn(5, 2)
    assert all(yb is None for _, yb in Batches(x, None, 2, shuffle=True))


def test_a_batch_size_below_one_is_refused():
    with pytest.raises(DataError, match="batch size"):
        Batches(torch.zeros(3, 1), None, 0)
