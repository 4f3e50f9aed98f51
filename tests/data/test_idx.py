"""MNIST-format IDX files, written small by the tests themselves."""

from __future__ import annotations

import numpy as np
import pytest

from netbuilder.data import DataError, load_dataset
from netbuilder.graph import DatasetSettings, TensorShape


def mnist_like(tmp_path, idx_writer, n=12, compress=False, prefix="train"):
    images = np.random.default_rng(0).integers(0, 256, (n, 6, 6))
    labels = np.arange(n) % 10
    suffix = ".gz" if compress else ""
    idx_writer(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", images, compress)
    idx_writer(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress)
    return {"images": f"{prefix}-images-idx3-ubyte{suffix}", "labels": f"{prefix}-labels-idx1-ubyte{suffix}"}


def test_images_and_labels_become_1xhxw_images_with_ten_classes(tmp_path, idx_writer):
    ds = load_dataset(DatasetSettings("idx", options=mnist_like(tmp_path, idx_writer)), project_dir=tmp_path)
    assert ds.input_shape == (1, 6, 6) and ds.num_classes == 10 and ds.train_size + ds.val_size == 12


def test_gzip_compressed_files_are_read(tmp_path, idx_writer):
    options = mnist_like(tmp_path, idx_writer, compress=True)
    ds = load_dataset(DatasetSettings("idx", options=options, normalize=False), project_dir=tmp_path)
    assert ds.x_train.max() <= 255 and ds.x_train.shape[1:] == (1, 6, 6)


def test_fashion_files_get_fashion_class_names(tmp_path, idx_writer):
    options = mnist_like(tmp_path, idx_writer, prefix="fashion-train")
    ds = load_dataset(DatasetSettings("idx", options=options), project_dir=tmp_path)
    assert ds.class_names[9] == "Ankle boot"


def test_idx_images_fit_a_flat_input(tmp_path, idx_writer):
    ds = load_dataset(DatasetSettings("idx", options=mnist_like(tmp_path, idx_writer)), TensorShape((36,)),
                      project_dir=tmp_path)
    assert ds.x_train.shape[1:] == (36,)


def test_images_without_labels_are_for_reconstruction_only(tmp_path, idx_writer):
    options = mnist_like(tmp_path, idx_writer)
    ds = load_dataset(DatasetSettings("idx", options={"images": options["images"]}), project_dir=tmp_path)
    assert ds.task == "reconstruction-only" and ds.y_train is None


def test_label_count_must_match_image_count(tmp_path, idx_writer):
    options = mnist_like(tmp_path, idx_writer)
    idx_writer(tmp_path / "short-labels", np.arange(5))
    with pytest.raises(DataError, match="has 12 images but short-labels has 5 labels"):
        load_dataset(DatasetSettings("idx", options={**options, "labels": "short-labels"}), project_dir=tmp_path)


def test_a_cut_short_file_is_reported(tmp_path, idx_writer):
    options = mnist_like(tmp_path, idx_writer)
    path = tmp_path / options["images"]
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DataError, match="the file is cut short"):
        load_dataset(DatasetSettings("idx", options=options), project_dir=tmp_path)


def test_a_file_that_is_not_idx_is_reported(tmp_path):
    (tmp_path / "notes.txt").write_text("hello world")
    with pytest.raises(DataError, match="notes.txt: not an IDX file"):
        load_dataset(DatasetSettings("idx", options={"images": "notes.txt"}), project_dir=tmp_path)
