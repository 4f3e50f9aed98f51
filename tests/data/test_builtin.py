"""Built-in data sets: shapes, dtypes, options and fitting to the Input."""

from __future__ import annotations

import pytest
import torch

from netbuilder.data import BUILTIN_DATASETS, DataError, load_dataset, text_vocabulary
from netbuilder.graph import DatasetSettings, TensorShape


@pytest.mark.parametrize("name", list(BUILTIN_DATASETS))
def test_every_builtin_set_loads_with_its_advertised_input_shape(name):
    info = BUILTIN_DATASETS[name]
    ds = load_dataset(DatasetSettings(name))
    assert ds.input_shape == info.input_shape
    assert ds.task == info.task
    assert ds.train_size > ds.val_size > 0


def test_digits_are_1x8x8_float_images_with_10_classes():
    ds = load_dataset(DatasetSettings("digits"))
    assert ds.x_train.shape == (1437, 1, 8, 8) and ds.x_train.dtype == torch.float32
    assert ds.y_train.dtype == torch.int64 and ds.y_train.shape == (1437,)
    assert ds.num_classes == 10 and ds.class_names == [str(i) for i in range(10)]
    assert ds.describe() == "digits: 1,437 train / 360 validation samples, 1×8×8 images, 10 classes"


def test_digits_reshape_to_a_tabular_input_of_64_features():
    ds = load_dataset(DatasetSettings("digits"), TensorShape((64,)))
    assert ds.x_train.shape == (1437, 64) and ds.input_kind == "tabular"


def test_digits_flatten_option_gives_rows_of_64():
    ds = load_dataset(DatasetSettings("digits", options={"flatten": True}))
    assert ds.input_shape == (64,)


def test_digits_that_do_not_fit_the_input_name_shapes_and_the_fix():
    with pytest.raises(DataError) as err:
        load_dataset(DatasetSettings("digits"), TensorShape((3, 32, 32)), input_name="image")
    assert str(err.value) == ("digits gives 1×8×8 images (64 values) but the Input 'image' takes 3×32×32 "
                              "(3072 values) — set the Input to image 1×8×8")


def test_digits_tanh_range_scales_pixels_to_minus_one_one_without_mean_std():
    ds = load_dataset(DatasetSettings("digits", options={"flatten": True, "range": "tanh"}))
    assert ds.x_train.min() == -1.0 and ds.x_train.max() == 1.0
    assert ds.normalization.kind == "tanh"


def test_digits_unit_range_scales_pixels_to_zero_one():
    ds = load_dataset(DatasetSettings("digits", options={"range": "unit"}))
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert ds.x_val.min() >= 0.0 and ds.x_val.max() <= 1.0


def test_an_unknown_range_is_refused():
    with pytest.raises(DataError, match="'range' must be unit or tanh"):
        load_dataset(DatasetSettings("digits", options={"range": "sigmoid"}))


def test_sklearn_tables_keep_class_and_feature_names():
    ds = load_dataset(DatasetSettings("iris"))
    assert ds.class_names == ["setosa", "versicolor", "virginica"]
    assert len(ds.feature_names) == 4 and ds.input_shape == (4,)


def test_moons_and_spirals_honour_samples_and_are_reproducible_with_the_seed():
    for name in ("moons", "spirals"):
        a = load_dataset(DatasetSettings(name, options={"samples": 100, "noise": 0.2}, seed=3, normalize=False))
        b = load_dataset(DatasetSettings(name, options={"samples": 100, "noise": 0.2}, seed=3, normalize=False))
        assert a.train_size + a.val_size == 100
        assert torch.equal(a.x_train, b.x_train)


def test_spirals_can_have_three_arms():
    ds = load_dataset(DatasetSettings("spirals", options={"classes": 3, "samples": 90}))
    assert ds.num_classes == 3 and set(ds.y_train.tolist()) == {0, 1, 2}


def test_a_bad_sample_count_is_refused_naming_the_option():
    with pytest.raises(DataError, match="moons: option 'samples'"):
        load_dataset(DatasetSettings("moons", options={"samples": "many"}))


def test_sine_windows_take_their_length_from_the_sequence_input():
    ds = load_dataset(DatasetSettings("sine", options={"samples": 50}), TensorShape((20, 1)))
    assert ds.x_train.shape == (40, 20, 1) and ds.y_train.shape == (40, 1)
    assert ds.task == "regression" and ds.y_train.dtype == torch.float32


def test_sum_of_sines_length_option_wins_and_fits_a_tabular_input_of_that_size():
    ds = load_dataset(DatasetSettings("sines", options={"length": 12, "samples": 30}), TensorShape((12,)))
    assert ds.x_train.shape == (24, 12)


def test_sine_with_several_features_per_step_says_to_use_one():
    with pytest.raises(DataError, match="set the Input's features to 1"):
        load_dataset(DatasetSettings("sine"), TensorShape((32, 3)))


def test_sine_noise_option_controls_how_far_inputs_stray_from_the_curve():
    quiet = load_dataset(DatasetSettings("sine", options={"noise": 0.0, "samples": 200}))
    loud = load_dataset(DatasetSettings("sine", options={"noise": 0.5, "samples": 200}))
    assert quiet.x_train.abs().max() <= 1.0 + 1e-6 < loud.x_train.abs().max()


def test_memory_targets_are_the_mean_of_the_first_span_values():
    ds = load_dataset(DatasetSettings("memory", options={"samples": 50, "span": 2}, normalize=False),
                      TensorShape((20, 1)))
    assert ds.x_train.shape == (40, 20, 1) and ds.y_train.shape == (40, 1)
    assert torch.allclose(ds.y_train[:, 0], ds.x_train[:, :2, 0].mean(dim=1))


def test_memory_with_a_span_longer_than_the_sequence_says_so():
    with pytest.raises(DataError, match="'span' \\(8\\) must not exceed the sequence length \\(5\\)"):
        load_dataset(DatasetSettings("memory", options={"length": 5, "span": 8}))


def test_text_gives_token_windows_and_the_next_character_id():
    ds = load_dataset(DatasetSettings("text"), TensorShape((16,), "int"))
    assert ds.x_train.dtype == torch.int64 and ds.x_train.shape[1] == 16
    assert ds.num_classes == len(text_vocabulary()) == len(ds.class_names)
    assert int(ds.x_train.max()) < ds.num_classes
    assert ds.normalization.kind == "none"


def test_text_windows_continue_into_their_next_character():
    ds = load_dataset(DatasetSettings("text", options={"length": 8}, validation_split=0.0))
    # Training order is the text's order when nothing is held out for validation.
    assert torch.equal(ds.x_train[1, -1], ds.y_train[0])
    assert torch.equal(ds.x_train[1, :-1], ds.x_train[0, 1:])


def test_text_for_a_numeric_input_says_to_use_tokens():
    with pytest.raises(DataError, match="set the Input to tokens with length 32"):
        load_dataset(DatasetSettings("text"), TensorShape((32,)))


def test_images_for_a_tokens_input_say_to_use_an_image_input():
    with pytest.raises(DataError, match="takes token ids — set the Input to image 1×8×8"):
        load_dataset(DatasetSettings("digits"), TensorShape((64,), "int"))


def test_an_unknown_name_lists_the_known_sets():
    with pytest.raises(DataError, match="unknown data set 'mnist'.*digits.*csv"):
        load_dataset(DatasetSettings("mnist"))


@pytest.mark.parametrize("name", [n for n, info in BUILTIN_DATASETS.items() if info.class_names])
def test_advertised_class_names_match_the_loaded_ones(name):
    assert list(BUILTIN_DATASETS[name].class_names) == load_dataset(DatasetSettings(name)).class_names


def test_a_misspelt_option_is_refused_listing_the_known_ones():
    with pytest.raises(DataError, match="digits: unknown option 'flaten'; it reads flatten, range"):
        load_dataset(DatasetSettings("digits", options={"flaten": True}))
