"""The seeded train/validation split and normalisation on the training split only."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netbuilder.data import DataError, Normalization, load_dataset, split_indices
from netbuilder.graph import DatasetSettings


def test_validation_takes_the_rounded_up_share():
    train, val = split_indices(1797, 0.2, seed=0)
    assert (len(train), len(val)) == (1437, 360)
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(1797))


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    a = split_indices(100, 0.3, seed=1)
    b = split_indices(100, 0.3, seed=1)
    c = split_indices(100, 0.3, seed=2)
    assert np.array_equal(a[1], b[1]) and not np.array_equal(a[1], c[1])


def test_class_labels_make_the_split_stratified():
    labels = np.array([0] * 90 + [1] * 10)
    _, val = split_indices(100, 0.2, seed=0, labels=labels)
    assert np.bincount(labels[val]).tolist() == [18, 2]


def test_ordered_split_takes_validation_from_the_end_with_a_gap():
    train, val = split_indices(100, 0.2, seed=0, ordered=True, gap=5)
    assert val.tolist() == list(range(80, 100)) and train.max() == 74


def test_zero_validation_keeps_every_sample_for_training():
    ds = load_dataset(DatasetSettings("iris", validation_split=0.0))
    assert ds.train_size == 150 and ds.val_size == 0 and ds.x_val.shape == (0, 4)


def test_a_split_outside_zero_to_one_is_refused():
    with pytest.raises(DataError, match="validation split"):
        load_dataset(DatasetSettings("iris", validation_split=1.0))


def test_tabular_features_are_standardised_with_training_statistics():
    ds = load_dataset(DatasetSettings("wine"))
    assert torch.allclose(ds.x_train.mean(0), torch.zeros(13), atol=1e-5)
    assert torch.allclose(ds.x_train.std(0, unbiased=False), torch.ones(13), atol=1e-4)
    assert ds.normalization.axis == "feature" and len(ds.normalization.mean) == 13


def test_validation_uses_the_training_statistics_not_its_own():
    raw = load_dataset(DatasetSettings("wine", normalize=False))
    ds = load_dataset(DatasetSettings("wine"))
    assert torch.allclose(ds.normalization.apply(raw.x_val), ds.x_val, atol=1e-5)
    assert not torch.allclose(ds.x_val.mean(0), torch.zeros(13), atol=1e-3)


def test_images_are_normalised_per_channel():
    ds = load_dataset(DatasetSettings("digits"))
    assert ds.normalization.axis == "channel" and len(ds.normalization.mean) == 1
    assert abs(float(ds.x_train.mean())) < 1e-4


def test_normalize_false_keeps_the_raw_values():
    ds = load_dataset(DatasetSettings("digits", normalize=False))
    assert ds.normalization.kind == "none" and ds.x_train.max() == 16.0


def test_invert_gives_back_the_raw_values():
    raw = load_dataset(DatasetSettings("digits", normalize=False))
    ds = load_dataset(DatasetSettings("digits"))
    assert torch.allclose(ds.normalization.invert(ds.x_train), raw.x_train, atol=1e-4)


def test_normalisation_records_round_trip_through_a_dict():
    norm = load_dataset(DatasetSettings("iris")).normalization
    assert Normalization(**norm.to_dict()) == norm
    assert "mean" in norm.describe()
