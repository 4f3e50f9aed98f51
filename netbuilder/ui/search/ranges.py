"""`RangesTable`: what a search varies, one row per thing the project offers, each with the range the user picks.

Ticked rows make the `SearchSpace`. A range is typed as its lowest and highest
value (with a log-scale tick), a list as comma-separated choices. The rows come
from `candidate_params`; the ticks and ranges from the space last searched (or
the default space), so reopening the window shows what was searched before.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from netbuilder.graph.project import Project
from netbuilder.graph.search_space import (ACTIVATION, DROPOUT, REPEAT, SETTING, WIDTH, SearchParam, SearchSpace,
                                           SearchSpaceError, candidate_params, param_problem, with_range)

NAME, KIND, LOW, HIGH, LOG = range(5)
KIND_WORDS = {SETTING: "setting", DROPOUT: "dropout rate", WIDTH: "width", ACTIVATION: "activation",
              REPEAT: "block repeats"}
_EDITABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable
_FIXED = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_TICK = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _parse_number(text: str, integer: bool) -> float | int:
    value = float(text.strip())
    return int(value) if integer and value.is_integer() else value


class RangesTable(QTableWidget):
    """One row per searchable thing: tick, name, kind, low / high (or choices), log scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 5, parent)
        self.setHorizontalHeaderLabels(["Search", "What", "Lowest / choices", "Highest", "Log"])
        self.verticalHeader().hide()
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(LOW, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(HIGH, QHeaderView.ResizeMode.Stretch)
        self.params: list[SearchParam] = []

    def set_project(self, project: Project, chosen: SearchSpace) -> None:
        """Rows for everything ``project`` offers; those in ``chosen`` ticked, with its ranges."""
        picked = {p.name: p for p in chosen.params if param_problem(project, p) is None}
        self.params = [picked.get(p.name, p) for p in candidate_params(project)]
        self.setRowCount(0)
        self.setRowCount(len(self.params))
        for row, p in enumerate(self.params):
            tick = QTableWidgetItem(p.name)
            tick.setFlags(_TICK)
            tick.setCheckState(Qt.CheckState.Checked if p.name in picked else Qt.CheckState.Unchecked)
            self.setItem(row, NAME, tick)
            kind = QTableWidgetItem(KIND_WORDS.get(p.kind, p.kind))
            kind.setFlags(_FIXED)
            self.setItem(row, KIND, kind)
            if p.is_choice:
                self.setItem(row, LOW, self._editable(", ".join(map(_text, p.choices))))
                self.setSpan(row, LOW, 1, 2)
                log = QTableWidgetItem("")
                log.setFlags(_FIXED)
            else:
                self.setItem(row, LOW, self._editable(_text(p.low)))
                self.setItem(row, HIGH, self._editable(_text(p.high)))
                log = QTableWidgetItem("")
                log.setFlags(_TICK)
                log.setCheckState(Qt.CheckState.Checked if p.log else Qt.CheckState.Unchecked)
            self.setItem(row, LOG, log)

    @staticmethod
    def _editable(text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(_EDITABLE)
        return item

    # ---- reading and setting rows (tests drive these through the items) -------------------------------
    def cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.item(row, column)
        if item is None:
            raise LookupError(f"no cell at row {row}, column {column}")
        return item

    def row_of(self, name: str) -> int:
        return next(i for i, p in enumerate(self.params) if p.name == name)

    def set_ticked(self, name: str, ticked: bool) -> None:
        self.cell(self.row_of(name), NAME).setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def ticked(self) -> list[str]:
        return [p.name for row, p in enumerate(self.params)
                if self.cell(row, NAME).checkState() == Qt.CheckState.Checked]

    def set_range(self, name: str, low: Any, high: Any | None = None) -> None:
        """Type a range (or, for a list, the choices as ``low``)."""
        row = self.row_of(name)
        self.cell(row, LOW).setText(_text(low) if not isinstance(low, (list, tuple)) else ", ".join(map(_text, low)))
        if high is not None:
            self.cell(row, HIGH).setText(_text(high))

    def space(self, epochs: int | None = None) -> SearchSpace:
        """The ticked rows as a space; SearchSpaceError names the row whose text cannot be read."""
        params = []
        for row, p in enumerate(self.params):
            if self.cell(row, NAME).checkState() != Qt.CheckState.Checked:
                continue
            params.append(self._read(row, p))
        return SearchSpace(params, epochs)

    def _read(self, row: int, p: SearchParam) -> SearchParam:
        low_text = self.cell(row, LOW).text()
        if p.is_choice:
            parts = [t.strip() for t in low_text.split(",") if t.strip()]
            numeric = all(isinstance(c, (int, float)) for c in p.choices)
            try:
                choices = [_parse_number(t, True) for t in parts] if numeric else parts
            except ValueError:
                raise SearchSpaceError(f"{p.name}: the choices should be numbers separated by commas") from None
            return with_range(p, choices=choices)
        try:
            low = _parse_number(low_text, p.integer)
            high = _parse_number(self.cell(row, HIGH).text(), p.integer)
        except ValueError:
            raise SearchSpaceError(f"{p.name}: type a number as its lowest and highest value") from None
        log = self.cell(row, LOG).checkState() == Qt.CheckState.Checked
        return with_range(p, low=low, high=high, log=log)
