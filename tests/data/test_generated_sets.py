"""The generated data sets behind the architecture templates: shapes, shape masks, shape counts, topics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from netbuilder.data import DataError
from netbuilder.data.builtin import BUILTIN_DATASETS, read_builtin
from netbuilder.data.checks import builtin_sample
from netbuilder.data.sources import TOPIC_VOCABULARY
from netbuilder.data.topics import TOPIC_WORDS, VOCABULARY
from netbuilder.graph import DatasetSettings

SMALL = {"samples": 200}
TOUCHING = np.ones((3, 3))  # pixels that touch at a corner are one blob (a triangle's thin apex)


@pytest.mark.parametrize("name", ["shapes", "shape_masks", "shape_counts", "topics"])
def test_the_same_seed_gives_the_same_samples_and_another_seed_others(name):
    a, b, c = (read_builtin(name, SMALL, None, seed) for seed in (3, 3, 4))
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("name", ["shapes", "shape_masks", "shape_counts", "topics"])
def test_a_sample_is_what_the_data_set_info_says_without_reading_it(name):
    raw = read_builtin(name, SMALL, None, 0)
    sample = builtin_sample(DatasetSettings(name, options=SMALL))
    assert sample is not None
    assert raw.x.shape[1:] == sample.dims and raw.task == sample.task
    if raw.task == "classification":
        assert raw.class_names == list(BUILTIN_DATASETS[name].class_names)
        assert raw.num_classes == sample.num_classes and set(raw.y) == set(range(raw.num_classes))
    else:
        assert raw.y.shape[1:] == sample.target_dims


def test_shape_images_are_colour_pixels_between_0_and_1():
    raw = read_builtin("shapes", SMALL, None, 0)
    assert raw.x.dtype == np.float32 and raw.x.min() >= 0 and raw.x.max() <= 1
    assert raw.pixel_max == 1.0


def test_a_shape_mask_marks_one_blob_brighter_than_the_background():
    raw = read_builtin("shape_masks", SMALL, None, 0)
    assert set(np.unique(raw.y)) == {0.0, 1.0}
    inside = raw.y[:, 0].astype(bool)
    brightness = raw.x.mean(axis=1)
    for i in range(20):
        assert ndimage.label(inside[i], structure=TOUCHING)[1] == 1
        assert brightness[i][inside[i]].mean() > brightness[i][~inside[i]].mean() + 0.2


def test_the_count_class_is_the_number_of_separate_shapes():
    counts = read_builtin("shape_counts", SMALL, None, 0)
    from netbuilder.data.shapes import make_shapes

    made = make_shapes(len(counts.y), 0, per_image=4)
    assert np.array_equal(made.counts - 1, counts.y)
    blobs = [ndimage.label(m[0], structure=TOUCHING)[1] for m in made.masks]  # each shape keeps to its cell
    assert blobs == list(made.counts)


def test_topics_vocabulary_size_is_the_one_the_info_gives():
    assert len(VOCABULARY) == TOPIC_VOCABULARY and VOCABULARY[0] == "<pad>"


def test_topics_sentences_are_word_ids_padded_at_the_end():
    raw = read_builtin("topics", {"length": 12, "samples": 300}, None, 0)
    assert raw.x.shape == (300, 12) and raw.x.dtype == np.int64 and raw.kind == "tokens"
    assert raw.x.min() >= 0 and raw.x.max() < len(VOCABULARY)
    for row in raw.x:
        words = np.flatnonzero(row)
        assert len(words) >= 2 and words.max() == len(words) - 1  # no padding before the last word


def test_topics_label_is_the_topic_with_most_words_in_nearly_every_sentence():
    raw = read_builtin("topics", {"samples": 1000}, None, 0)
    topic_of = {VOCABULARY.index(w): t for t, words in enumerate(TOPIC_WORDS.values()) for w in words}
    agree = 0
    for row, label in zip(raw.x, raw.y):
        tally = np.bincount([topic_of[i] for i in row if i in topic_of], minlength=len(TOPIC_WORDS))
        agree += int(tally.argmax() == label and (tally == tally.max()).sum() == 1)
    assert 0.93 <= agree / len(raw.y) < 1.0  # a few labels are wrong on purpose


def test_topics_take_their_length_from_the_tokens_input():
    from netbuilder.graph.catalog import TensorShape

    raw = read_builtin("topics", SMALL, TensorShape((16,), "int"), 0)
    assert raw.x.shape == (200, 16)


def test_topics_refuse_windows_too_short_for_a_sentence():
    with pytest.raises(DataError, match="topics: sentences need at least 6 words; the length is 4"):
        read_builtin("topics", {"length": 4}, None, 0)


@pytest.mark.parametrize("name", ["shapes", "shape_counts"])
def test_a_sample_count_below_two_is_refused(name):
    with pytest.raises(DataError, match=f"{name}: option 'samples' must be a whole number of at least 2"):
        read_builtin(name, {"samples": 1}, None, 0)
