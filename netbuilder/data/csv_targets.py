"""The target column of a streamed CSV table, kept compact while the table is converted.

One Python string a row (~60 bytes, then a float and a set entry for the task
guess) would make a table of hundreds of millions of rows need gigabytes of
memory for its targets alone. `TargetColumn` takes the column a chunk at a time
and keeps, in files of the scratch folder, what the end result needs: each
row's label as a 4-byte id into the distinct labels seen (for classes) and its
value as float32 (for regression); in memory only the distinct labels (at most
MAX_CLASSES) and what the task guess needs. The rules and words are those of
`csv_table.read_csv`: the task guessed as `csv_table._guess_task` does, classes in
`csv_table._sorted_labels` order, the first value that is not a finite number named
by row and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from netbuilder.data.csv_table import MAX_CLASSES, _number, _sorted_labels, too_many_classes

# `csv_table._guess_task` calls whole numbers classes when at most this many distinct ones are seen (and at most half
# the rows): knowing whether more than this many occur is enough, so no more are kept.
GUESS_DISTINCT = 20
ROWS_PER_READ = 1 << 20  # ids turned into class ids at a time at the end


class TargetColumn:
    """The target values of a table, given a chunk of rows at a time (`add`), turned into y at the end (`finish`)."""

    def __init__(self, file: str, column: str, task: str, folder: Path) -> None:
        self.file, self.column, self.task = file, column, task
        self.rows = 0
        self._ids_path, self._values_path = folder / "target-ids.i32", folder / "target-values.f32"
        # Labels in the order first seen -> their id; None once more than MAX_CLASSES differ (not classes then).
        self._labels: dict[str, int] | None = {} if task != "regression" else None
        # Open across the `add` calls; `close` (or `finish`) closes them.
        self._ids = open(self._ids_path, "wb") if task != "regression" else None  # noqa: SIM115
        self._values = open(self._values_path, "wb") if task != "classification" else None  # noqa: SIM115
        self._whole = True  # every value so far is a whole number
        self._distinct: set[float] = set()  # the distinct numbers, up to GUESS_DISTINCT + 1 of them
        self._unfit: tuple[int, str] | None = None  # the first row whose target is not a finite number, and its text

    def add(self, values: list[str], first_row: int) -> None:
        """The (stripped, present) targets of rows ``first_row``, ``first_row + 1``, …"""
        if self._labels is not None and self._ids is not None:
            labels = self._labels
            ids = [labels.setdefault(v, len(labels)) for v in values]
            if len(labels) > MAX_CLASSES:
                self._labels = None
                self._ids.close()
                self._ids = None
                self._ids_path.unlink(missing_ok=True)
            else:
                self._ids.write(np.asarray(ids, dtype=np.int32).tobytes())
        if self._values is not None:
            self._add_numbers(values, first_row)
        self.rows += len(values)

    def _add_numbers(self, values: list[str], first_row: int) -> None:
        try:
            numbers = np.array([float(v) for v in values], dtype=np.float64)
        except ValueError:
            numbers = None
        finite = numbers is not None and bool(np.isfinite(numbers).all())
        if not finite:
            r = next(r for r, v in enumerate(values) if not _finite(v))
            if self.task == "regression":
                _number(values[r], self.file, first_row + r, self.column)  # raises, naming the row and the value
            self._unfit = self._unfit or (first_row + r, values[r])
            if numbers is None:  # text: not a column of numbers, so never regression (auto guesses classes)
                self._stop_numbers()
                return
        assert numbers is not None and self._values is not None
        self._whole = self._whole and bool((numbers == np.floor(numbers)).all())
        if len(self._distinct) <= GUESS_DISTINCT:
            self._distinct.update(numbers.tolist())
        self._values.write(numbers.astype(np.float32).tobytes())

    def _stop_numbers(self) -> None:
        if self._values is not None:
            self._values.close()
            self._values = None
            self._values_path.unlink(missing_ok=True)

    def guess(self) -> str:
        """The task `csv_table._guess_task` would guess from the whole column."""
        if self._values is None:  # some target is text
            return "classification"
        few = len(self._distinct) <= max(2, min(GUESS_DISTINCT, self.rows // 2))
        return "classification" if self._whole and self._unfit is None and few else "regression"

    def close(self) -> None:
        """Close the scratch files (they stay until `finish` or the scratch folder goes)."""
        for f in (self._ids, self._values):
            if f is not None:
                f.close()

    def finish(self) -> tuple[str, np.ndarray, list[str]]:
        """(task, y, class names): y as float32 (rows, 1) values or int64 class ids; the scratch files removed."""
        self.close()
        try:
            task = self.guess() if self.task == "auto" else self.task
            if task == "regression":
                if self._unfit is not None:
                    row, text = self._unfit
                    _number(text, self.file, row, self.column)  # raises, naming the row and the value
                return task, np.fromfile(self._values_path, dtype=np.float32)[:, None], []
            if self._labels is None:
                raise too_many_classes(self.file, self.column)
            classes = _sorted_labels(set(self._labels))
            place = {c: i for i, c in enumerate(classes)}
            order = np.array([place[label] for label in self._labels], dtype=np.int64)  # first-seen id -> class id
            ids = np.memmap(self._ids_path, dtype=np.int32, mode="r") if self.rows else np.empty(0, np.int32)
            y = np.empty(self.rows, dtype=np.int64)
            for start in range(0, self.rows, ROWS_PER_READ):
                y[start:start + ROWS_PER_READ] = order[ids[start:start + ROWS_PER_READ]]
            del ids
            return task, y, classes
        finally:
            self._ids_path.unlink(missing_ok=True)
            self._values_path.unlink(missing_ok=True)


def _finite(text: str) -> bool:
    try:
        return bool(np.isfinite(float(text)))
    except ValueError:
        return False
