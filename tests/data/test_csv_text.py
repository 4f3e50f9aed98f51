"""CSV tables read whole and streamed go through one bounded line reader (`csv_text`): a giant line or NUL bytes
are refused in the same words by both, any real table reads the same by both, and a streamed table's targets
(kept compactly by `csv_targets.TargetColumn`) come out as the whole reading's."""

from __future__ import annotations

import io

import numpy as np
import pytest

from netbuilder.data import DataError, csv_stream, csv_table, csv_targets, csv_text, load_dataset
from netbuilder.graph import DatasetSettings

MODES = ["memory", "disk"]  # the 'streaming' option: read whole, or converted and streamed


def load(path, mode, **options):
    return load_dataset(DatasetSettings("csv", path=str(path), options={"streaming": mode, **options}, seed=1))


def nothing(progress) -> None:
    pass


def both(path, **options):
    """The table read whole (`RawData`) and streamed (`StreamSource`, its features read back)."""
    whole = csv_table.read_csv(path, options)
    streamed = csv_stream.open_csv(path, options, nothing)
    return whole, streamed, np.asarray(streamed.samples.array(), dtype=np.float32)


# ---- refused: not a table -----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_a_line_past_the_limit_is_refused_with_its_number_read_whole_or_streamed(tmp_path, monkeypatch, mode):
    monkeypatch.setattr(csv_text, "MAX_LINE", 1000)
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,0\n" + "2," * 600 + "1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.csv: line 3 is longer than 1,000 characters .*not a CSV table"):
        load(path, mode)


def test_a_giant_line_is_refused_after_reading_at_most_the_limit(monkeypatch):
    monkeypatch.setattr(csv_text, "MAX_LINE", 1000)
    text = io.StringIO("a,b\n" + "1" * 50_000)
    heard: list[int] = []
    with pytest.raises(DataError, match=r"t\.csv: line 2 is longer than 1,000 characters"):
        list(csv_text.bounded_lines(text, "t.csv", heard.append))
    assert text.tell() == len("a,b\n") + 1001  # the line's first 1,001 characters, not its 50,000
    assert heard == [4]


@pytest.mark.parametrize("mode", MODES)
def test_a_file_of_nul_bytes_is_not_a_csv_text_file_read_whole_or_streamed(tmp_path, mode):
    path = tmp_path / "t.csv"
    path.write_bytes(bytes(100_000))
    with pytest.raises(DataError, match=r"t\.csv: not a CSV text file — line 1 holds NUL bytes .*CSV text \(UTF-8\)"):
        load(path, mode)


@pytest.mark.parametrize("mode", MODES)
def test_nul_bytes_past_the_first_lines_are_found_at_their_line_read_whole_or_streamed(tmp_path, mode):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"1,0\n" * 3000 + bytes(10) + b"\n")
    with pytest.raises(DataError, match=r"t\.csv: not a CSV text file — line 3002 holds NUL bytes"):
        load(path, mode)


@pytest.mark.parametrize("mode", MODES)
def test_a_byte_that_is_not_utf8_is_named_by_its_place_in_the_whole_file(tmp_path, mode):
    path = tmp_path / "t.csv"
    good = b"a,b\n" + b"1,0\n" * 5000  # past the text reader's first chunks
    path.write_bytes(good + b"2,\xff\n")
    with pytest.raises(DataError, match=rf"t\.csv: not a UTF-8 text file \(invalid start byte at byte "
                                        rf"{len(good) + 2:,}\) — save it as CSV \(UTF-8\)"):
        load(path, mode)


@pytest.mark.parametrize("mode", MODES)
def test_an_unclosed_quote_is_refused_read_whole_or_streamed(tmp_path, mode):
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,0\n"2,1\n3,0\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.csv: .*a quote \(\"\) opens and never closes"):
        load(path, mode)


# ---- real tables: the same whole and streamed ---------------------------------------------------------------

TABLES = {
    "quoted-newlines": ('name,x,label\n"first\nline",1.5,"a, b"\nplain,2.5,c\n"x ""y""",3,c\n', {"features": ["x"]}),
    "semicolons": ("x;y;label\n1.5;2;a\n3;4;b\n5;6;a\n", {}),
    "byte-order-mark": ("\ufeffx,y,label\n1,2,a\n3,4,b\n", {}),
    "crlf": ("x,y,label\r\n1,2,a\r\n3,4,b\r\n\r\n5,6,a\r\n", {}),
    "tabs-no-header": ("1\t2\t0\n3\t4\t1\n5\t6\t1\n", {}),
    "text-after-quote": ('x,label\n1,"a"b\n2,c\n', {}),
}


@pytest.mark.parametrize("text, options", [pytest.param(*v, id=k) for k, v in TABLES.items()])
def test_a_real_table_reads_the_same_whole_and_streamed(tmp_path, text, options):
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    whole, streamed, x = both(path, **options)
    np.testing.assert_array_equal(x, whole.x)
    np.testing.assert_array_equal(streamed.y, whole.y)
    assert (streamed.task, streamed.class_names, streamed.feature_names) == \
        (whole.task, whole.class_names, whole.feature_names)


def test_quoted_fields_keep_their_line_breaks_and_delimiters(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('x,label\n1,"two\nlines"\n2,"a, b"\n', encoding="utf-8")
    assert csv_table.read_csv(path, {}).class_names == ["a, b", "two\nlines"]


def test_a_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("\ufeffx,label\n1,a\n2,b\n".encode())
    assert csv_table.read_csv(path, {"features": ["x"]}).feature_names == ["x"]


# ---- streamed targets: compact, and as the whole reading gives them ------------------------------------------

def _table(targets: list[str]) -> str:
    return "x,target\n" + "".join(f"{i},{t}\n" for i, t in enumerate(targets))


COLUMNS = {
    "text-labels": (["cat", "dog", "bird"] * 7, {}),
    "few-whole-numbers": (["2", "10", "1", "2"] * 6, {}),
    "many-decimals": ([f"{i / 7:.4f}" for i in range(30)], {}),
    "many-whole-numbers": ([str(i) for i in range(30)], {}),
    "one-and-one-point-zero-as-classes": (["1", "1.0", "2"] * 5, {"task": "classification"}),
    "numbers-as-classes": ([str(i % 25) for i in range(50)], {"task": "classification"}),
    "whole-numbers-as-values": (["1", "2"] * 10, {"task": "regression"}),
}


@pytest.mark.parametrize("targets, options", [pytest.param(*v, id=k) for k, v in COLUMNS.items()])
def test_streamed_targets_across_chunks_are_the_whole_readings(tmp_path, monkeypatch, targets, options):
    monkeypatch.setattr(csv_stream, "ROWS_PER_CHUNK", 4)  # many chunks: the task guess spans them
    path = tmp_path / "t.csv"
    path.write_text(_table(targets), encoding="utf-8")
    whole, streamed, _ = both(path, **options)
    assert streamed.task == whole.task
    assert streamed.y.dtype == whole.y.dtype
    np.testing.assert_array_equal(streamed.y, whole.y)
    assert (streamed.num_classes, streamed.class_names) == (whole.num_classes, whole.class_names)


@pytest.mark.parametrize("targets, options, message", [
    pytest.param(["1.5"] * 9 + ["oops"] + ["2.5"] * 5, {"task": "regression"},
                 r"t\.csv: row 11, column 'target': 'oops' is not a number", id="text-for-regression"),
    pytest.param([f"{i}.5" for i in range(12)] + ["inf"], {},
                 r"t\.csv: row 14, column 'target': 'inf' is not a finite number", id="infinity-auto"),
])
def test_a_streamed_target_that_is_no_value_names_its_row_as_the_whole_reading_does(tmp_path, monkeypatch, targets,
                                                                                    options, message):
    monkeypatch.setattr(csv_stream, "ROWS_PER_CHUNK", 4)
    path = tmp_path / "t.csv"
    path.write_text(_table(targets), encoding="utf-8")
    with pytest.raises(DataError, match=message):
        csv_table.read_csv(path, options)
    with pytest.raises(DataError, match=message):
        csv_stream.open_csv(path, options, nothing)


def test_more_distinct_labels_than_a_network_takes_classes_are_refused_whole_or_streamed(tmp_path, monkeypatch):
    for module in (csv_table, csv_targets):
        monkeypatch.setattr(module, "MAX_CLASSES", 5)
    path = tmp_path / "t.csv"
    path.write_text(_table([f"label{i}" for i in range(6)]), encoding="utf-8")
    message = r"t\.csv: column 'target' holds more than 5 different targets, .*at most 5 classes"
    with pytest.raises(DataError, match=message):
        csv_table.read_csv(path, {})
    with pytest.raises(DataError, match=message):
        csv_stream.open_csv(path, {}, nothing)


def test_the_target_column_is_kept_in_the_scratch_folder_not_as_strings(tmp_path):
    column = csv_targets.TargetColumn("t.csv", "target", "auto", tmp_path)
    column.add(["a", "b", "a"], 2)
    column.add(["c", "a"], 5)
    column.close()
    assert [p.name for p in tmp_path.iterdir()] == ["target-ids.i32"]  # text is no value to predict: ids only
    assert (tmp_path / "target-ids.i32").stat().st_size == 5 * 4  # 4 bytes a row
    task, y, classes = column.finish()
    assert (task, y.tolist(), classes) == ("classification", [0, 1, 0, 2, 0], ["a", "b", "c"])
    assert list(tmp_path.iterdir()) == []  # removed once y is made
