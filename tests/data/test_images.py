"""Image folders: one subfolder per class, resized to the Input."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from netbuilder.data import DataError, load_dataset
from netbuilder.graph import DatasetSettings, TensorShape


def image_folder(tmp_path, classes=("cat", "dog"), per_class=3, size=(10, 12), mode="RGB"):
    root = tmp_path / "pictures"
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
            Image.fromarray(rng.integers(0, 256, shape).astype(np.uint8), mode).save(root / name / f"{i}.png")
    return root


def test_subfolders_become_classes_and_images_are_resized_to_the_input(tmp_path):
    root = image_folder(tmp_path)
    ds = load_dataset(DatasetSettings("images", path=str(root)), TensorShape((3, 8, 8)))
    assert ds.class_names == ["cat", "dog"] and ds.x_train.shape[1:] == (3, 8, 8)
    assert ds.train_size + ds.val_size == 6


def test_colour_images_are_converted_to_grey_for_a_one_channel_input(tmp_path):
    root = image_folder(tmp_path)
    ds = load_dataset(DatasetSettings("images", path=str(root)), TensorShape((1, 5, 5)))
    assert ds.x_train.shape[1:] == (1, 5, 5)


def test_without_an_input_the_first_image_sets_the_size(tmp_path):
    root = image_folder(tmp_path, mode="L")
    ds = load_dataset(DatasetSettings("images", path=str(root), normalize=False))
    assert ds.input_shape == (1, 12, 10) and ds.x_train.max() <= 255


def test_relative_paths_are_taken_from_the_project_folder(tmp_path):
    image_folder(tmp_path)
    ds = load_dataset(DatasetSettings("images", path="pictures"), TensorShape((3, 4, 4)), project_dir=tmp_path)
    assert ds.num_classes == 2


def test_images_directly_in_the_folder_have_no_labels(tmp_path):
    root = tmp_path / "faces"
    root.mkdir()
    for i in range(4):
        Image.new("L", (6, 6), color=i * 40).save(root / f"{i}.png")
    ds = load_dataset(DatasetSettings("images", path=str(root)), TensorShape((1, 6, 6)))
    assert ds.task == "reconstruction-only"


def test_an_empty_folder_says_what_to_put_in_it(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="the folder is empty — put one subfolder of images per class in it"):
        load_dataset(DatasetSettings("images", path=str(tmp_path / "empty")))


def test_a_class_folder_without_images_is_named(tmp_path):
    root = image_folder(tmp_path)
    (root / "bird").mkdir()
    with pytest.raises(DataError, match="the class folder 'bird' has no images"):
        load_dataset(DatasetSettings("images", path=str(root)), TensorShape((3, 8, 8)))


def test_an_unreadable_image_names_the_file(tmp_path):
    root = image_folder(tmp_path)
    (root / "dog" / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(DataError, match=r"broken.png: cannot be read as an image"):
        load_dataset(DatasetSettings("images", path=str(root)), TensorShape((3, 8, 8)))


def test_an_input_with_two_channels_is_refused(tmp_path):
    root = image_folder(tmp_path)
    with pytest.raises(DataError, match="set the Input's channels to 1"):
        load_dataset(DatasetSettings("images", path=str(root)), TensorShape((2, 8, 8)))
