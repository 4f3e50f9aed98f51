"""`TrialsTable`: one row per trial of the study — state, validation metric, cost, time and its values.

Sortable by any column; the best complete trial is in bold, and the trial in
progress shows its latest epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from netbuilder.graph.report import human
from netbuilder.train.search_results import COMPLETE, FAILED, PRUNED, TrialResult

FIXED_COLUMNS = ["#", "State", "Metric", "Multiply-adds", "Parameters", "Seconds"]
STATE_COLOURS = {FAILED: "#d93025", PRUNED: "#9aa0a6"}


class _Number(QTableWidgetItem):
    """An item that sorts by its number, not its text (missing values last)."""

    def __init__(self, value: float | None, text: str) -> None:
        super().__init__(text)
        self.value = value
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine = self.value if self.value is not None else float("inf")
        theirs = getattr(other, "value", None)
        return mine < (theirs if theirs is not None else float("inf"))


def _value_text(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


class TrialsTable(QTableWidget):
    """The study's trials; `selected_trial` is the one "Apply this trial" applies."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(FIXED_COLUMNS), parent)
        self.setHorizontalHeaderLabels(FIXED_COLUMNS)
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # by trial number until a click
        self.trials: dict[int, TrialResult] = {}
        self.running: dict[int, str] = {}  # trial number -> what it is doing ("epoch 2: 0.93")
        self.running_values: dict[int, dict[str, Any]] = {}
        self.best: int | None = None

    def set_trials(self, trials: Sequence[TrialResult], best: int | None, metric: str) -> None:
        for t in trials:
            self.trials[t.number] = t
            self.running.pop(t.number, None)
            self.running_values.pop(t.number, None)
        self.best = best
        self._redraw(metric)

    def trial_started(self, number: int, values: dict[str, Any], metric: str) -> None:
        self.running[number] = "starting"
        self.running_values[number] = values
        self._redraw(metric)

    def trial_epoch(self, number: int, text: str, metric: str) -> None:
        if number in self.running:
            self.running[number] = text
            self._redraw(metric)

    def clear_trials(self) -> None:
        self.trials, self.running, self.running_values, self.best = {}, {}, {}, None
        self.setRowCount(0)

    def selected_trial(self) -> TrialResult | None:
        rows = self.selectionModel().selectedRows()
        if not rows:
            return None
        number = self._number_at(rows[0].row())
        return self.trials.get(number) if number is not None else None

    def select_trial(self, number: int) -> None:
        for row in range(self.rowCount()):
            if self._number_at(row) == number:
                self.selectRow(row)
                return

    def _number_at(self, row: int) -> int | None:
        item = self.item(row, 0)
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def row_texts(self) -> list[list[str]]:
        """Every cell's text, row by row (as shown)."""
        return [[item.text() if (item := self.item(r, c)) is not None else "" for c in range(self.columnCount())]
                for r in range(self.rowCount())]

    def _redraw(self, metric: str) -> None:
        selected = self.selected_trial()
        names: list[str] = []
        for values in [*(t.params for t in self.trials.values()), *self.running_values.values()]:
            names.extend(k for k in values if k not in names)
        self.setSortingEnabled(False)
        self.setColumnCount(len(FIXED_COLUMNS) + len(names))
        self.setHorizontalHeaderLabels([*FIXED_COLUMNS[:2], f"Val {metric}", *FIXED_COLUMNS[3:], *names])
        numbers = sorted(set(self.trials) | set(self.running))
        self.setRowCount(len(numbers))
        for row, number in enumerate(numbers):
            trial = self.trials.get(number)
            if trial is None:
                self._row(row, number, f"running ({self.running[number]})", None, None, None, None,
                          self.running_values.get(number, {}), names, "")
            else:
                self._row(row, number, trial.state, trial.value, trial.macs, trial.parameters, trial.seconds,
                          trial.params, names, trial.message)
        self.setSortingEnabled(True)
        if selected is not None:
            self.select_trial(selected.number)

    def _row(self, row: int, number: int, state: str, value: float | None, macs: int | None, params: int | None,
             seconds: float | None, values: dict[str, Any], names: list[str], message: str) -> None:
        first = _Number(number, str(number))
        first.setData(Qt.ItemDataRole.UserRole, number)
        cells: list[QTableWidgetItem] = [
            first, QTableWidgetItem(state),
            _Number(value, f"{value:.4f}" if value is not None else ""),
            _Number(macs, human(macs) if macs is not None else ""),
            _Number(params, human(params) if params is not None else ""),
            _Number(seconds, f"{seconds:.1f}" if seconds is not None else ""),
            *(QTableWidgetItem(_value_text(values[n]) if n in values else "") for n in names)]
        colour = STATE_COLOURS.get(state)
        bold = number == self.best and state == COMPLETE
        for column, item in enumerate(cells):
            if message:
                item.setToolTip(message)
            if colour:
                item.setForeground(QColor(colour))
            if bold:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.setItem(row, column, item)
