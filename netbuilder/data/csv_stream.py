"""A CSV table too large to read whole: converted once, row by row, to a float32 file that streams from disk.

The conversion reads the text once and holds in memory only a chunk of rows
and the distinct target labels (`csv_targets.TargetColumn` keeps the rest of
the target column compactly in the scratch folder). It applies the rules of
`csv_table.read_csv` (header detection, column choice, missing and non-numeric
values named by row and column, the task guessed from the target column) with
the same messages, and reads lines through the same bounded reader
(`csv_text`), so a table reads the same streamed or whole.
"""

from __future__ import annotations

import csv
from itertools import chain
from pathlib import Path
from typing import IO, Any

import numpy as np

from netbuilder.data.csv_targets import TargetColumn
from netbuilder.data.csv_text import bounded_lines, delimiter_of, not_utf8, open_text
from netbuilder.data.dataset import DataError
from netbuilder.data.csv_table import (_column, _header_option, _looks_like_header, _numbers, check_no_missing,
                                       csv_task)
from netbuilder.data.progress import Report, Throttle
from netbuilder.data.samples import ArraySource
from netbuilder.data.scratch import Scratch, check_scratch_space
from netbuilder.data.stream_sources import Precheck, StreamSource

ROWS_PER_CHUNK = 8192  # rows parsed (one numpy call per column) and written at a time


def open_csv(path: Path, options: dict[str, Any], report: Report, precheck: Precheck | None = None) -> StreamSource:
    """The table's features as a float32 (rows, features) file in a scratch folder; the targets kept compact in
    scratch files while it converts (`TargetColumn`), then read back as one array (float32 values or class ids).

    ``precheck`` hears the feature count as soon as the header is read, before the conversion.
    """
    try:
        return _convert(path, options, report, strict=True, precheck=precheck)
    except _Lenient:  # text after a closing quote: read leniently, as `read_csv` does
        return _convert(path, options, report, strict=False, precheck=precheck)


class _Lenient(Exception):
    """A strict reading found an oddity that the lenient reading accepts."""


def _convert(path: Path, options: dict[str, Any], report: Report, strict: bool,
             precheck: Precheck | None) -> StreamSource:
    name = path.name
    delimiter = delimiter_of(path, options)
    task = csv_task(options, name)
    # Each value takes at least two characters of text ("1,"): the float32 features are at most twice the file,
    # and the targets (8 bytes a row of at least 4 characters, "1,0\n") at most twice again.
    check_scratch_space(4 * path.stat().st_size, name)
    scratch = Scratch()
    x_file = scratch.path / "features.f32"
    progress = Throttle(report, name, "converting", path.stat().st_size, "bytes")
    column: TargetColumn | None = None
    try:
        with open_text(path) as f, open(x_file, "wb") as out:
            reader = csv.reader(bounded_lines(f, name, progress.advance), delimiter=delimiter, strict=strict)
            rows = (row for row in reader if any(v.strip() for v in row))
            first, second = next(rows, None), next(rows, None)
            if first is None:
                raise DataError(f"{name}: the file is empty")
            header = _header_option(name, options.get("header", "auto"))
            if header == "auto":
                header = _looks_like_header([first] if second is None else [first, second])
            if header:
                names, pending, first_row = [c.strip() for c in first], [second], 2
            else:
                names, pending, first_row = [f"column {i + 1}" for i in range(len(first))], [first, second], 1
            width = len(names)
            if width < 2 and not options.get("features"):
                raise DataError(f"{name}: every row holds a single value, but a table needs at least one feature "
                                f"column and a target column — if the values are separated by another character, "
                                f"set the 'delimiter' option (e.g. ; or a tab)")
            target = _column(name, names, options.get("target", width - 1), "target")
            features = options.get("features") or [i for i in range(width) if i != target]
            if not isinstance(features, (list, tuple)):
                raise DataError(f"{name}: 'features' must be a list of column names or numbers")
            columns = [_column(name, names, c, "feature") for c in features]
            if target in columns:
                raise DataError(f"{name}: column {names[target]!r} is both a feature and the target — "
                                f"remove it from the features")
            if precheck is not None:
                precheck("tabular", (len(columns),))
            column = TargetColumn(name, names[target], task, scratch.path)
            chunk: list[list[str]] = []
            row_number = first_row
            for row in chain((r for r in pending if r is not None), rows):
                if len(row) != width:
                    raise DataError(f"{name}: row {row_number + len(chunk)} has {len(row)} values but the header has "
                                    f"{width} columns — fix that row")
                chunk.append(row)
                if len(chunk) == ROWS_PER_CHUNK:
                    _write(chunk, columns, target, names, name, row_number, out, column)
                    row_number, chunk = row_number + len(chunk), []
            _write(chunk, columns, target, names, name, row_number, out, column)
    except UnicodeDecodeError as e:
        raise not_utf8(path, e) from None
    except csv.Error as e:
        if "unexpected end of data" in str(e):
            raise DataError(f"{name}: a quote (\") opens and never closes, so every row after it would be read as "
                            f"one value — close the quote or remove it") from None
        if strict:
            raise _Lenient() from None
        raise DataError(f"{name}: not a readable CSV table ({e})") from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror})") from None
    finally:
        if column is not None:
            column.close()
    progress.finish()
    assert column is not None  # made before the first row is read
    if not column.rows:
        raise DataError(f"{name}: the file has a header but no data rows")
    samples = ArraySource(name, x_file, 0, "<f4", (column.rows, len(columns)), np.dtype(np.float32))
    feature_names = [names[i] for i in columns]
    task, y, classes = column.finish()
    if task == "regression":
        return StreamSource(name, samples, y, "tabular", "regression", feature_names=feature_names, scratch=scratch)
    return StreamSource(name, samples, y, "tabular", "classification", len(classes), classes, feature_names,
                        scratch=scratch)


def _write(chunk: list[list[str]], columns: list[int], target: int, names: list[str], name: str, first_row: int,
           out: IO[bytes], column: TargetColumn) -> None:
    """Parse a chunk of rows: features appended to ``out`` as float32, targets given to ``column``."""
    if not chunk:
        return
    x = np.empty((len(chunk), len(columns)), dtype=np.float32)
    for c, col in enumerate(columns):
        x[:, c] = _numbers([row[col] for row in chunk], name, first_row, names[col])
    values = [row[target].strip() for row in chunk]
    check_no_missing(values, name, first_row, names[target])
    column.add(values, first_row)
    out.write(x.tobytes())
