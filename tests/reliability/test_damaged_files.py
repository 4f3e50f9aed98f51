"""Damaged project files: a clear ProjectFileError (or a usable project), never a crash, never a write.

The large run is bench/fuzz_files.py (1,000+ files); this runs 200 fixed cases.
"""

from __future__ import annotations

import json
import random

import pytest

from netbuilder.graph import ProjectFileError, load_project
from tests.reliability.file_fuzz import FileCase, check_load, example_files, run_file_case

CASES = 200


@pytest.fixture(scope="module")
def sources() -> list[bytes]:
    return [p.read_bytes() for p in example_files()]


def test_two_hundred_damaged_files_are_each_refused_clearly_or_loaded(tmp_path, sources) -> None:
    outcomes = [run_file_case(random.Random(seed), seed, tmp_path, sources) for seed in range(CASES)]
    refused = [c for c in outcomes if c.outcome == "refused"]
    assert len(outcomes) == CASES
    assert len(refused) > CASES // 2  # most damage is caught, each with a message naming the file
    assert all(c.message for c in refused)


@pytest.mark.parametrize("text", ["1" * 5000, '{"format_version": 1, "graphs": {"model": {"nodes": [], "x": '
                                  + "1" * 5000 + "}}}"])
def test_an_integer_with_thousands_of_digits_is_a_file_error(tmp_path, text) -> None:
    path = tmp_path / "digits.nbproj"
    path.write_text(text)
    with pytest.raises(ProjectFileError, match="digits.nbproj"):
        load_project(path)


def test_a_setting_larger_than_a_float_is_a_file_error_naming_it(tmp_path, sources) -> None:
    path = tmp_path / "lr.nbproj"
    path.write_text('{"format_version": 1, "graphs": {"model": {"nodes": []}}, "training": {"learning_rate": '
                    + str(2**1100) + "}}")
    with pytest.raises(ProjectFileError, match="training.learning_rate"):
        load_project(path)


def test_loading_a_damaged_file_leaves_its_bytes_and_time_alone(tmp_path, sources) -> None:
    path = tmp_path / "cut.nbproj"
    path.write_bytes(sources[0][: len(sources[0]) // 2])
    case = FileCase(0, "truncate")
    check_load(path, case, tmp_path)  # raises if the file changed
    assert case.outcome == "refused"


@pytest.mark.parametrize("section", ["dataset", "view"])
def test_free_form_values_nested_absurdly_deep_are_refused_so_a_save_cannot_overflow(tmp_path, section) -> None:
    deep: object = 1
    for _ in range(200):
        deep = {"x": deep}
    body = {"options": deep} if section == "dataset" else {"canvas": deep}
    path = tmp_path / "deep.nbproj"
    path.write_text(json.dumps({"format_version": 1, "graphs": {"model": {"nodes": []}}, section: body}))
    with pytest.raises(ProjectFileError, match="nested more than 32 levels"):
        load_project(path)
