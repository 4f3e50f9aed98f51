"""CSV tables read whole: feature columns become x, the target column y (class ids or values).

Every error names the file, the row (as a spreadsheet numbers it, header =
row 1) and the column. Lines are read through `csv_text` (bounded, NUL bytes
refused), as the streaming reader (`csv_stream`) reads them, and the rules
here (header, columns, task guess, class order) are the streaming reader's too.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from netbuilder.data.csv_text import bounded_lines, delimiter_of, not_utf8, open_text
from netbuilder.data.dataset import DataError, RawData, check_memory
from netbuilder.data.files import MAX_CLASSES

MISSING = {"", "na", "nan", "n/a", "null", "none", "?", "-"}
# A CSV table is held as text, then as one Python string per cell: about this many bytes per byte of file.
CSV_BYTES_PER_BYTE = 10


def read_csv(path: Path, options: dict[str, Any]) -> RawData:
    """A table: feature columns become x (float32), the target column y (class ids or values)."""
    rows = _csv_rows(path, options)
    header = _header_option(path.name, options.get("header", "auto"))
    if header == "auto":
        header = _looks_like_header(rows)
    if header:
        names, body, first_row = [c.strip() for c in rows[0]], rows[1:], 2
    else:
        names, body, first_row = [f"column {i + 1}" for i in range(len(rows[0]))], rows, 1
    if not body:
        raise DataError(f"{path.name}: the file has a header but no data rows")
    width = len(names)
    for i, row in enumerate(body):
        if len(row) != width:
            raise DataError(f"{path.name}: row {first_row + i} has {len(row)} values but the header has {width} "
                            f"columns — fix that row")
    if width < 2 and not options.get("features"):
        raise DataError(f"{path.name}: every row holds a single value, but a table needs at least one feature "
                        f"column and a target column — if the values are separated by another character, set the "
                        f"'delimiter' option (e.g. ; or a tab)")
    target = _column(path.name, names, options.get("target", width - 1), "target")
    features = options.get("features") or [i for i in range(width) if i != target]
    if not isinstance(features, (list, tuple)):
        raise DataError(f"{path.name}: 'features' must be a list of column names or numbers")
    feature_idx = [_column(path.name, names, f, "feature") for f in features]
    if target in feature_idx:
        raise DataError(f"{path.name}: column {names[target]!r} is both a feature and the target — "
                        f"remove it from the features")
    x = np.empty((len(body), len(feature_idx)), dtype=np.float32)
    for c, col in enumerate(feature_idx):
        x[:, c] = _numbers([row[col] for row in body], path.name, first_row, names[col])
    task = csv_task(options, path.name)
    raw_target = [row[target].strip() for row in body]
    check_no_missing(raw_target, path.name, first_row, names[target])
    if task == "auto":
        task = _guess_task(raw_target)
    feature_names = [names[i] for i in feature_idx]
    if task == "regression":
        y = np.array([_number(v, path.name, first_row + r, names[target]) for r, v in enumerate(raw_target)],
                     dtype=np.float32)[:, None]
        return RawData(path.name, x, y, "tabular", "regression", feature_names=feature_names)
    classes = _sorted_labels(set(raw_target))
    if len(classes) > MAX_CLASSES:
        raise too_many_classes(path.name, names[target])
    lookup = {c: i for i, c in enumerate(classes)}
    y = np.array([lookup[v] for v in raw_target], dtype=np.int64)
    return RawData(path.name, x, y, "tabular", "classification", len(classes), classes, feature_names)


def csv_task(options: dict[str, Any], file: str) -> str:
    """The table's ``task`` option (auto when absent); a DataError for any other word."""
    task = options.get("task", "auto")
    if task not in ("auto", "classification", "regression"):
        raise DataError(f"{file}: task must be auto, classification or regression; it is {task!r}")
    return str(task)


def check_no_missing(targets: list[str], file: str, first_row: int, column: str) -> None:
    """A DataError naming the first row whose (stripped) target is empty or a missing-value word."""
    for r, value in enumerate(targets):
        if value.lower() in MISSING:
            raise DataError(f"{file}: row {first_row + r}, column {column!r}: the target is missing — "
                            f"fill it in or drop the row")


def _csv_rows(path: Path, options: dict[str, Any]) -> list[list[str]]:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror})") from None
    check_memory(size * CSV_BYTES_PER_BYTE, f"reading {path.name} ({size:,} bytes of text) as a table")
    rows = _parse_csv(path, delimiter_of(path, options))
    if not rows:
        raise DataError(f"{path.name}: the file is empty")
    return rows


def _parse_csv(path: Path, delimiter: str) -> list[list[str]]:
    """The non-blank rows, read line by line with the bounds of `csv_text` (a giant line or NUL bytes are
    refused before the file is read whole); a quote that never closes is an error, not one value swallowing
    every row after it."""
    try:
        with open_text(path) as f:
            reader = csv.reader(bounded_lines(f, path.name), delimiter=delimiter, strict=True)
            rows: list[list[str]] = []
            opened = 1  # the line where the row being read starts
            try:
                for row in reader:
                    if any(v.strip() for v in row):
                        rows.append(row)
                    opened = reader.line_num + 1
                return rows
            except csv.Error as e:
                if "unexpected end of data" in str(e):
                    raise DataError(f"{path.name}: line {opened}: a quote (\") opens and never closes, so every row "
                                    f"after it would be read as one value — close the quote or remove it") from None
        with open_text(path) as f:  # other oddities (text after a closing quote) read as before, leniently
            lenient = csv.reader(bounded_lines(f, path.name), delimiter=delimiter)
            return [row for row in lenient if any(v.strip() for v in row)]
    except csv.Error as e:
        raise DataError(f"{path.name}: not a readable CSV table ({e})") from None
    except UnicodeDecodeError as e:
        raise not_utf8(path, e) from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror})") from None


def _header_option(file: str, value: Any) -> bool | str:
    """The 'header' option: auto, or yes/no (true/false, 1/0); anything else is refused, not read as true."""
    if value == "auto" or isinstance(value, bool):
        return value
    words = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
    key = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if key in words:
        return words[key]
    raise DataError(f"{file}: option 'header' must be auto, yes or no (true/false); it is {value!r}")


def _column(file: str, names: list[str], key: Any, role: str) -> int:
    """A column index from a name or a 0-based number."""
    if isinstance(key, int) and not isinstance(key, bool):
        if -len(names) <= key < len(names):
            return key % len(names)
        raise DataError(f"{file}: there is no column number {key} for the {role} (the file has {len(names)} "
                        f"columns, numbered from 0)")
    if isinstance(key, str) and key.strip() in names:
        return names.index(key.strip())
    raise DataError(f"{file}: no column named {key!r} for the {role}; the columns are {', '.join(names)}")


def _looks_like_header(rows: list[list[str]]) -> bool:
    """A first row is column names when it has text where the next row has a number (or when it is all text)."""
    first = rows[0]
    if len(rows) < 2:
        return True
    if any(not _is_number(a) and _is_number(b) for a, b in zip(first, rows[1])):
        return True
    return not any(_is_number(v) for v in first)


def _is_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def _numbers(values: list[str], file: str, first_row: int, column: str) -> np.ndarray:
    """One column as numbers; numpy parses a clean column at once, a bad one is searched for the culprit."""
    try:
        parsed = np.asarray(values, dtype=np.float64)
        if np.isfinite(parsed).all():
            return parsed
    except ValueError:
        pass
    return np.array([_number(v, file, first_row + r, column) for r, v in enumerate(values)])


def _number(value: str, file: str, row: int, column: str) -> float:
    text = value.strip()
    if text.lower() in MISSING:
        raise DataError(f"{file}: row {row}, column {column!r}: the value is missing — fill it in or drop the row")
    try:
        number = float(text)
    except ValueError:
        raise DataError(f"{file}: row {row}, column {column!r}: {text!r} is not a number — fix the value or "
                        f"drop the row") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise DataError(f"{file}: row {row}, column {column!r}: {text!r} is not a finite number — fix the value "
                        f"or drop the row")
    return number


def _guess_task(values: list[str]) -> str:
    """Text, or a few whole numbers, is a class label; anything else is a value to predict."""
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        return "classification"
    distinct = set(numbers)
    if all(n.is_integer() for n in numbers) and len(distinct) <= max(2, min(20, len(values) // 2)):
        return "classification"
    return "regression"


def too_many_classes(file: str, column: str) -> DataError:
    return DataError(f"{file}: column {column!r} holds more than {MAX_CLASSES:,} different targets, but a network "
                     f"takes at most {MAX_CLASSES:,} classes — if they are numbers to predict, set the task to "
                     f"regression")


def _sorted_labels(labels: set[str]) -> list[str]:
    """Class names in a natural order: numerically when all are numbers, else alphabetically."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(labels)
