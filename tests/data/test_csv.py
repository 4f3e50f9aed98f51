"""CSV tables: columns, targets, and errors that name the row and column."""

from __future__ import annotations

import pytest
import torch

from netbuilder.data import DataError, load_dataset
from netbuilder.graph import DatasetSettings

IRIS_LIKE = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
4.9,3.0,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.4,3.2,4.5,1.5,versicolor
6.3,3.3,6.0,2.5,virginica
5.8,2.7,5.1,1.9,virginica
"""


def load_csv(tmp_path, text, name="data.csv", **options):
    (tmp_path / name).write_text(text)
    return load_dataset(DatasetSettings("csv", path=name, options=options, validation_split=0.0), project_dir=tmp_path)


def test_text_target_becomes_classes_and_other_columns_features(tmp_path):
    ds = load_csv(tmp_path, IRIS_LIKE)
    assert ds.task == "classification" and ds.class_names == ["setosa", "versicolor", "virginica"]
    assert ds.input_shape == (4,) and ds.feature_names[0] == "sepal_length"
    assert sorted(ds.y_train.tolist()) == [0, 0, 1, 1, 2, 2]


def test_chosen_features_and_target_by_name(tmp_path):
    ds = load_csv(tmp_path, IRIS_LIKE, features=["petal_length", "petal_width"], target="sepal_length",
                  task="regression")
    assert ds.input_shape == (2,) and ds.task == "regression"
    assert ds.y_train.dtype == torch.float32 and ds.y_train.shape == (6, 1)


def test_columns_may_be_chosen_by_number(tmp_path):
    ds = load_csv(tmp_path, IRIS_LIKE, features=[0, 1], target=4)
    assert ds.feature_names == ["sepal_length", "sepal_width"]


def test_a_non_number_names_the_row_and_column(tmp_path):
    bad = IRIS_LIKE.replace("6.4,3.2,4.5,1.5", "6.4,3.2,4.5,abc")
    with pytest.raises(DataError) as err:
        load_csv(tmp_path, bad)
    assert str(err.value) == ("data.csv: row 5, column 'petal_width': 'abc' is not a number — fix the value or "
                              "drop the row")


def test_a_missing_value_names_the_row_and_column(tmp_path):
    bad = IRIS_LIKE.replace("4.9,3.0,1.4", "4.9,,1.4")
    with pytest.raises(DataError, match=r"data.csv: row 3, column 'sepal_width': the value is missing"):
        load_csv(tmp_path, bad)


def test_a_missing_target_names_the_row(tmp_path):
    bad = IRIS_LIKE.replace("0.2,setosa\n4.9", "0.2,\n4.9")
    with pytest.raises(DataError, match=r"row 2, column 'species': the target is missing"):
        load_csv(tmp_path, bad)


def test_a_row_with_too_few_values_is_named(tmp_path):
    bad = IRIS_LIKE.replace("7.0,3.2,4.7,1.4,versicolor", "7.0,3.2,versicolor")
    with pytest.raises(DataError, match="row 4 has 3 values but the header has 5 columns"):
        load_csv(tmp_path, bad)


def test_an_unknown_column_lists_the_columns(tmp_path):
    with pytest.raises(DataError, match="no column named 'colour' for the target; the columns are sepal_length"):
        load_csv(tmp_path, IRIS_LIKE, target="colour")


def test_auto_task_treats_many_decimal_targets_as_regression(tmp_path):
    rows = "\n".join(f"{i},{i * 0.37 + 0.01:.3f}" for i in range(30))
    ds = load_csv(tmp_path, "x,y\n" + rows)
    assert ds.task == "regression"


def test_auto_task_treats_few_whole_number_targets_as_classes_in_numeric_order(tmp_path):
    rows = "\n".join(f"{i},{[10, 2, 1][i % 3]}" for i in range(30))
    ds = load_csv(tmp_path, "x,label\n" + rows)
    assert ds.task == "classification" and ds.class_names == ["1", "2", "10"]


def test_semicolon_delimiter_is_detected(tmp_path):
    ds = load_csv(tmp_path, IRIS_LIKE.replace(",", ";"))
    assert ds.input_shape == (4,)


def test_a_file_without_header_names_columns_by_number(tmp_path):
    body = "".join(IRIS_LIKE.splitlines(keepends=True)[1:])
    ds = load_csv(tmp_path, body, header=False)
    assert ds.feature_names == ["column 1", "column 2", "column 3", "column 4"] and ds.train_size == 6


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(DataError, match="CSV file not found"):
        load_dataset(DatasetSettings("csv", path="nope.csv"), project_dir=tmp_path)


def test_an_empty_file_says_so(tmp_path):
    with pytest.raises(DataError, match="data.csv: the file is empty"):
        load_csv(tmp_path, "")


def test_a_first_row_of_numbers_is_taken_as_data_not_a_header(tmp_path):
    body = "".join(IRIS_LIKE.splitlines(keepends=True)[1:])
    ds = load_csv(tmp_path, body)
    assert ds.train_size == 6 and ds.feature_names[0] == "column 1"


def test_an_unknown_csv_option_is_refused(tmp_path):
    with pytest.raises(DataError, match="csv: unknown option 'columns'"):
        load_csv(tmp_path, IRIS_LIKE, columns=["a"])


def test_a_delimiter_longer_than_one_character_is_refused(tmp_path):
    with pytest.raises(DataError, match="the delimiter must be one character"):
        load_csv(tmp_path, IRIS_LIKE, delimiter="::")
