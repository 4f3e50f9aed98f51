"""Image augmentation with kornia: only images, same shape, reproducible with a seed."""

from __future__ import annotations

import pytest
import torch

from netbuilder.data import Augmenter, DataError
from netbuilder.graph import Augmentation, TensorShape

ALL_ON = Augmentation(flip=True, rotation=20, scale=0.2, noise=0.1)


def images(n=16):
    return torch.rand(n, 1, 8, 8, generator=torch.Generator().manual_seed(0))


def test_nothing_switched_on_returns_the_batch_unchanged():
    x = images()
    assert Augmenter(Augmentation())(x) is x


def test_augmented_batch_keeps_its_shape_but_changes():
    x = images()
    out = Augmenter(ALL_ON, seed=0)(x)
    assert out.shape == x.shape and out.dtype == x.dtype and not torch.allclose(out, x)


@pytest.mark.parametrize("settings", [Augmentation(flip=True), Augmentation(rotation=30), Augmentation(scale=0.3),
                                      Augmentation(noise=0.2)])
def test_each_change_alone_alters_the_batch(settings):
    x = images()
    assert not torch.allclose(Augmenter(settings, seed=1)(x), x)


def test_flip_only_mirrors_images():
    x = images(64)
    out = Augmenter(Augmentation(flip=True), seed=0)(x)
    for a, b in zip(x, out):
        assert torch.equal(a, b) or torch.equal(a.flip(-1), b)


def test_the_same_seed_gives_the_same_augmentation():
    x = images()
    assert torch.equal(Augmenter(ALL_ON, seed=7)(x), Augmenter(ALL_ON, seed=7)(x))


def test_successive_calls_draw_new_changes():
    x, augment = images(), Augmenter(ALL_ON, seed=7)
    assert not torch.equal(augment(x), augment(x))


def test_applies_only_to_image_inputs():
    assert Augmenter.applies_to(TensorShape((1, 8, 8)))
    assert Augmenter.applies_to((3, 32, 32))
    assert not Augmenter.applies_to(TensorShape((64,)))
    assert not Augmenter.applies_to(TensorShape((32,), "int"))


def test_a_non_image_batch_is_refused_with_the_reason():
    with pytest.raises(DataError, match="works on batches of images \\(N×C×H×W\\); this batch is N×64"):
        Augmenter(ALL_ON)(torch.zeros(4, 64))


def test_out_of_range_settings_are_refused():
    with pytest.raises(DataError, match="rotation must be between 0 and 180"):
        Augmenter(Augmentation(rotation=400))


def test_describe_lists_what_is_on():
    assert Augmenter(ALL_ON).describe() == "horizontal flips, rotation ±20°, zoom ±20%, noise σ=0.1"
