"""The data's targets checked against the Target node."""

from __future__ import annotations

import numpy as np
import pytest

from netbuilder.data import DataError, load_dataset
from netbuilder.graph import DatasetSettings, TensorShape


def test_class_targets_fit_a_classes_target():
    ds = load_dataset(DatasetSettings("iris"), TensorShape((4,)), TensorShape((), "int"), target_classes=3)
    assert ds.target_shape == ()


def test_a_wrong_class_count_says_what_to_set():
    with pytest.raises(DataError, match="iris has 3 classes but the Target 'labels' says 10 — set the Target's "
                                        "classes to 3"):
        load_dataset(DatasetSettings("iris"), target_shape=TensorShape((), "int"), target_name="labels",
                     target_classes=10)


def test_values_for_a_classes_target_say_to_switch_to_values():
    with pytest.raises(DataError, match="set the Target kind to values with shape 1"):
        load_dataset(DatasetSettings("sine"), target_shape=TensorShape((), "int"))


def test_classes_for_a_values_target_say_to_switch_to_classes():
    with pytest.raises(DataError, match="set the Target kind to classes with 3 classes"):
        load_dataset(DatasetSettings("iris"), target_shape=TensorShape((1,)))


def test_values_reshape_to_a_target_with_the_same_count():
    ds = load_dataset(DatasetSettings("sine", options={"samples": 20}), target_shape=TensorShape((1, 1)))
    assert ds.y_train.shape == (16, 1, 1)


def test_a_target_on_data_without_labels_is_refused(tmp_path):
    np.savez(tmp_path / "x.npz", x=np.zeros((6, 3)))
    with pytest.raises(DataError, match="has no targets"):
        load_dataset(DatasetSettings("npz", path="x.npz"), target_shape=TensorShape((), "int"), project_dir=tmp_path)
