"""`.npz` arrays: x and y, never unpickled."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netbuilder.data import DataError, load_dataset
from netbuilder.graph import DatasetSettings, TensorShape


def load_npz(tmp_path, input_shape=None, target_shape=None, **arrays):
    np.savez(tmp_path / "arrays.npz", **arrays)
    return load_dataset(DatasetSettings("npz", path="arrays.npz", validation_split=0.25), input_shape, target_shape,
                        project_dir=tmp_path)


def test_integer_y_gives_classes(tmp_path):
    ds = load_npz(tmp_path, x=np.random.rand(20, 5), y=np.arange(20) % 4)
    assert ds.task == "classification" and ds.num_classes == 4 and ds.input_shape == (5,)


def test_float_y_gives_regression_values(tmp_path):
    ds = load_npz(tmp_path, x=np.random.rand(20, 3), y=np.random.rand(20))
    assert ds.task == "regression" and ds.y_train.shape == (15, 1) and ds.y_train.dtype == torch.float32


def test_without_y_the_set_is_for_reconstruction_only(tmp_path):
    ds = load_npz(tmp_path, x=np.random.rand(20, 1, 4, 4))
    assert ds.task == "reconstruction-only" and ds.y_train is None and ds.input_kind == "image"


def test_class_names_array_names_the_classes(tmp_path):
    ds = load_npz(tmp_path, x=np.random.rand(8, 2), y=np.array([0, 1] * 4), class_names=np.array(["cat", "dog"]))
    assert ds.class_names == ["cat", "dog"]


def test_integer_x_becomes_token_ids_for_a_tokens_input(tmp_path):
    ds = load_npz(tmp_path, TensorShape((6,), "int"), x=np.random.randint(0, 9, (12, 6)), y=np.arange(12) % 3)
    assert ds.x_train.dtype == torch.int64 and ds.input_kind == "tokens"


def test_mismatched_x_and_y_lengths_are_named(tmp_path):
    with pytest.raises(DataError, match="arrays.npz: 'x' has 10 samples but 'y' has 9"):
        load_npz(tmp_path, x=np.zeros((10, 2)), y=np.zeros(9, dtype=int))


def test_a_file_without_x_lists_what_it_holds(tmp_path):
    with pytest.raises(DataError, match="has no array named 'x' \\(it holds inputs, y\\)"):
        load_npz(tmp_path, inputs=np.zeros((4, 2)), y=np.zeros(4, dtype=int))


def test_object_arrays_are_refused_rather_than_unpickled(tmp_path):
    objects = np.empty(3, dtype=object)
    objects[:] = [{"a": 1}, None, "x"]
    np.savez(tmp_path / "evil.npz", x=objects)
    with pytest.raises(DataError, match="never unpickled"):
        load_dataset(DatasetSettings("npz", path=str(tmp_path / "evil.npz")))


def test_8_bit_images_with_a_unit_range_map_0_255_to_0_1(tmp_path):
    x = np.zeros((8, 1, 4, 4), dtype=np.uint8)
    x[0, 0, 0, 0] = 255
    x[1, 0, 0, 0] = 51
    np.savez(tmp_path / "imgs.npz", x=x)
    ds = load_dataset(DatasetSettings("npz", path="imgs.npz", options={"range": "unit"}, validation_split=0.0),
                      project_dir=tmp_path)
    assert sorted(ds.x_train.flatten().unique().tolist()) == pytest.approx([0.0, 0.2, 1.0])
