"""`RunsPanel`: every recorded run of the project in a sortable table, their curves overlaid, and what a
user does with a run: rename it (edit its name), note it, delete it (asked first), restore its network and
settings into the project (one undoable step), and whether runs also write TensorBoard event files.

The panel reads the project's runs folder (`netbuilder.graph.runs`) each time it is refreshed: when a
project is shown, when a run ends, after a change made here. The overlay (pyqtgraph) is made on the first
selection, so the window opens without pyqtgraph.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QInputDialog, QLabel,
                               QMessageBox, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from netbuilder.graph.run_summary import (format_count, format_date, format_duration, format_metric, metric_title,
                                          validation_metrics)
from netbuilder.graph.runs import RunRecord, delete_run, list_runs, rename_run, set_run_note
from netbuilder.ui.training.host import TrainingHost

if TYPE_CHECKING:
    from netbuilder.ui.training.runs_overlay import RunsOverlay

TENSORBOARD_KEY = "training/tensorboard"
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
NAME, DATE, ENDED, EPOCHS = range(4)


class SortItem(QTableWidgetItem):
    """A cell that sorts by the value behind its text (a date, a count), not by the text; cells with no value
    sort before every value."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(SORT_ROLE), other.data(SORT_ROLE)
        if isinstance(mine, (int, float)) and isinstance(theirs, (int, float)):
            return mine < theirs
        if mine is None or theirs is None:
            return mine is None and theirs is not None
        return str(mine).lower() < str(theirs).lower()


def _cell(text: str, value: Any, tip: str = "") -> SortItem:
    item = SortItem(text)
    item.setData(SORT_ROLE, value)
    item.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
    if tip:
        item.setToolTip(tip)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class RunsPanel(QWidget):
    """The Runs dock. ``host`` is the window (undo stack, project, messages); ``settings_changed`` is called
    after a restore is done or undone (the training settings panel shows the project's settings again)."""

    runs_changed = Signal()  # a run was renamed, noted or deleted here
    restored = Signal(object)  # the RunRecord whose network and settings were put into the project

    def __init__(self, host: TrainingHost, settings_changed: Callable[[], None] | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.host = host
        self.settings_changed = settings_changed
        self.settings = settings
        self.root: Path | None = None
        self.records: list[RunRecord] = []
        self.metrics: list[str] = []
        self.locked = False
        self.overlay: RunsOverlay | None = None

        self.table = QTableWidget(0, 0)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemChanged.connect(self._name_edited)

        self.empty = QLabel("No runs yet: each Train keeps its run here, to compare and restore.")
        self.empty.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.restore_button = QPushButton("Restore network and settings")
        self.restore_button.setToolTip("Restore this run's network and settings: put the network(s) and the data-set "
                                       "and training settings it trained with back into the project (Undo takes "
                                       "it back)")
        self.restore_button.clicked.connect(self.restore_selected)
        self.note_button = QPushButton("Note…")
        self.note_button.setToolTip("Write a note about the selected run")
        self.note_button.clicked.connect(self.note_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete the selected runs from disk (their checkpoints and history)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.tensorboard = QCheckBox("TensorBoard event files")
        self._set_up_tensorboard()
        buttons = QHBoxLayout()  # narrow enough that the curves beside keep their room
        for widget in (self.restore_button, self.note_button, self.delete_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.empty)
        top_layout.addWidget(self.table, 1)
        top_layout.addWidget(self.note)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.tensorboard, 0, Qt.AlignmentFlag.AlignLeft)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(top)
        self.overlay_place = QWidget()  # the overlay goes here on the first selection
        QVBoxLayout(self.overlay_place).setContentsMargins(0, 0, 0, 0)
        self.splitter.addWidget(self.overlay_place)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)  # the curves need the width more than the table
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self._update_buttons()

    # ---- questions (tests replace these) ------------------------------------------------------------
    def ask_delete(self, records: list[RunRecord]) -> bool:
        b = QMessageBox.StandardButton
        names = "\n".join(f"  • {r.title}" for r in records[:10]) + ("\n  …" if len(records) > 10 else "")
        answer = QMessageBox.question(self, "Delete runs?", f"Delete {len(records)} run(s) for good? Their "
                                      f"checkpoints and training history are removed from disk.\n\n{names}",
                                      b.Yes | b.Cancel, b.Cancel)
        return answer == b.Yes

    def ask_note(self, record: RunRecord) -> str | None:
        text, ok = QInputDialog.getMultiLineText(self, "Note", f"A note about run {record.title}:", record.note)
        return text if ok else None

    # ---- the runs shown -------------------------------------------------------------------------------
    def set_root(self, root: Path | None) -> None:
        """Show the runs kept in ``root`` (the project's runs folder)."""
        self.root = root
        self.refresh()

    def refresh(self) -> None:
        """Read the runs folder again; the runs selected stay selected."""
        keep = {r.folder for r in self.selected_records()}
        self.records = list_runs(self.root) if self.root is not None else []
        self.metrics = validation_metrics(self.records)
        headers = ["Name", "Date", "Ended", "Epochs", *(metric_title(m) for m in self.metrics), "Parameters",
                   "Multiply-adds", "Duration", "Device"]
        table = self.table
        table.blockSignals(True)
        table.setSortingEnabled(False)  # rows are filled in place; sorting them mid-way would scatter a row
        table.clearContents()
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        table.setRowCount(len(self.records))
        for row, record in enumerate(self.records):
            for column, item in enumerate(self._row(record)):
                table.setItem(row, column, item)
        table.setSortingEnabled(True)
        self._select(keep)
        table.blockSignals(False)
        self.empty.setVisible(not self.records)
        self._selection_changed()

    def _row(self, record: RunRecord) -> list[SortItem]:
        name = _cell(record.title, record.title.lower(), record.note or "Double-click to rename")
        name.setFlags(name.flags() | Qt.ItemFlag.ItemIsEditable)
        name.setData(KEY_ROLE, str(record.folder))
        ended = record.reason.replace("_", " ")
        cells = [name, _cell(format_date(record), record.when),
                 _cell(ended, ended, record.message), _cell(str(record.epochs_completed), record.epochs_completed)]
        cells += [_cell(format_metric(record.metrics.get(m)), record.metrics.get(m)) for m in self.metrics]
        cells += [_cell(format_count(record.params), record.params, f"{record.params:,}" if record.params else ""),
                  _cell(format_count(record.macs), record.macs, f"{record.macs:,}" if record.macs else ""),
                  _cell(format_duration(record.duration_s), record.duration_s), _cell(record.device, record.device)]
        return cells

    def name_item(self, row: int) -> QTableWidgetItem:
        item = self.table.item(row, NAME)
        assert item is not None, "every row has its name cell"
        return item

    def record_at(self, row: int) -> RunRecord:
        folder = self.name_item(row).data(KEY_ROLE)
        return next(r for r in self.records if str(r.folder) == folder)

    def selected_records(self) -> list[RunRecord]:
        """The runs selected, in the table's order."""
        model = self.table.selectionModel()
        rows = sorted(index.row() for index in model.selectedRows()) if model is not None else []
        return [self.record_at(row) for row in rows if self.table.item(row, NAME) is not None]

    def select_runs(self, records: list[RunRecord]) -> None:
        """Select exactly ``records`` (as a Ctrl-click on each would)."""
        self.table.clearSelection()
        self._select({r.folder for r in records})

    def _select(self, folders: set[Path]) -> None:
        """Add the rows of ``folders`` to the selection in one step (one redraw of the overlay, not one a row)."""
        model, selection = self.table.selectionModel(), QItemSelection()
        for row in range(self.table.rowCount()):
            if self.record_at(row).folder in folders:
                index = self.table.model().index(row, 0)
                selection.select(index, index)
        if not selection.isEmpty():
            model.select(selection, model.SelectionFlag.Select | model.SelectionFlag.Rows)

    def colour_of(self, record: RunRecord) -> str:
        """A run's colour in the overlay: fixed by its place among the project's runs, not by the selection."""
        from netbuilder.ui.training.runs_overlay import run_colour

        index = next((i for i, r in enumerate(self.records) if r.folder == record.folder), 0)
        return run_colour(len(self.records) - 1 - index)  # the oldest run keeps the first colour

    def _selection_changed(self) -> None:
        selected = self.selected_records()
        self._update_buttons()
        self.note.setText(f"<b>{selected[0].title}</b>: {selected[0].note}" if len(selected) == 1
                          and selected[0].note else "")
        if selected or self.overlay is not None:
            self._ensure_overlay().show_runs([(r, self.colour_of(r)) for r in selected])

    def _ensure_overlay(self) -> RunsOverlay:
        if self.overlay is None:
            from netbuilder.ui.training.runs_overlay import RunsOverlay

            self.overlay = RunsOverlay()
            layout = self.overlay_place.layout()
            assert layout is not None
            layout.addWidget(self.overlay)
            QTimer.singleShot(0, self._share_width)
        return self.overlay

    def _share_width(self) -> None:
        """The curves get the larger part of the panel's width (once, when they first show)."""
        width = sum(self.splitter.sizes())
        self.splitter.setSizes([width * 2 // 5, width - width * 2 // 5])

    def set_locked(self, locked: bool) -> None:
        """While a run goes the project cannot change: no restore (and no deleting under its feet)."""
        self.locked = locked
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = self.selected_records()
        one = len(selected) == 1
        self.restore_button.setEnabled(one and not self.locked and bool(selected[0].graphs))
        self.restore_button.setToolTip(self.restore_button.toolTip() if not one or selected[0].graphs else
                                       "This run was recorded before runs kept their network: it cannot be restored")
        self.note_button.setEnabled(one)
        self.delete_button.setEnabled(bool(selected) and not self.locked)

    # ---- what a user does with a run -----------------------------------------------------------------
    def _name_edited(self, item: QTableWidgetItem) -> None:
        if item.column() != NAME:
            return
        record = next((r for r in self.records if str(r.folder) == item.data(KEY_ROLE)), None)
        if record is None or item.text() == record.title:
            return
        try:
            record.name = rename_run(record.folder, item.text())
        except OSError as exc:
            self.host.show_error("The run keeps its name", f"{record.folder}: {exc.strerror or exc}")
        # Refilled from the event loop: the item that changed must outlive the signal it is emitting.
        QTimer.singleShot(0, self.refresh)
        self.runs_changed.emit()

    def rename(self, record: RunRecord, name: str) -> None:
        """Rename ``record`` as editing its name cell does."""
        row = next(r for r in range(self.table.rowCount()) if self.record_at(r).folder == record.folder)
        self.name_item(row).setText(name)

    def note_selected(self) -> None:
        selected = self.selected_records()
        if len(selected) != 1:
            return
        text = self.ask_note(selected[0])
        if text is None:
            return
        try:
            set_run_note(selected[0].folder, text)
        except OSError as exc:
            self.host.show_error("The note was not kept", f"{selected[0].folder}: {exc.strerror or exc}")
        self.refresh()
        self.runs_changed.emit()

    def delete_selected(self) -> None:
        selected = self.selected_records()
        if not selected or self.locked or not self.ask_delete(selected):
            return
        for record in selected:
            try:
                delete_run(record.folder)
            except (OSError, ValueError) as exc:
                self.host.show_error("A run could not be deleted", f"{record.folder}: {exc}")
                break
        self.table.clearSelection()
        self.refresh()
        self.runs_changed.emit()

    def restore_selected(self) -> bool:
        """Put the selected run's network(s) and settings into the project as one undoable step."""
        selected = self.selected_records()
        if len(selected) != 1 or self.locked:
            return False
        return self.restore(selected[0])

    def restore(self, record: RunRecord) -> bool:
        from netbuilder.graph.project import project_from_dict
        from netbuilder.graph.run_edit import RestoreRun
        from netbuilder.ui.commands import EditCommand

        info = record.info
        edit = RestoreRun(f"Restore run {record.title}", record.graphs, info.get("dataset") or {},
                          info.get("training") or {})
        project = self.host.current_project()
        try:
            RestoreRun(edit.label, edit.graphs, edit.dataset, edit.training).apply(project_from_dict(project.to_dict()))
        except ValueError as exc:  # checked on a copy: the undo stack never holds a step that cannot be done
            self.host.show_error("This run cannot be restored", str(exc))
            return False
        self.host.push_undo(EditCommand(edit, project, self.settings_changed))
        self.host.show_message(f"Restored the network and settings of run {record.title} — Undo takes it back")
        self.restored.emit(record)
        return True

    # ---- TensorBoard ---------------------------------------------------------------------------------
    def _set_up_tensorboard(self) -> None:
        available = importlib.util.find_spec("tensorboard") is not None
        self.tensorboard.setEnabled(available)
        if available:
            self.tensorboard.setToolTip("Each run also writes TensorBoard event files (epoch figures, learning rate) "
                                        "into its folder: run `tensorboard --logdir` on the project's runs folder "
                                        "to see them all")
            on = self.settings.value(TENSORBOARD_KEY, False, type=bool) if self.settings is not None else False
            self.tensorboard.setChecked(bool(on))
        else:
            self.tensorboard.setToolTip("Needs the tensorboard package: pip install 'netbuilder[tensorboard]'")
        self.tensorboard.toggled.connect(self._tensorboard_toggled)

    def _tensorboard_toggled(self, on: bool) -> None:
        if self.settings is not None:
            self.settings.setValue(TENSORBOARD_KEY, on)

    @property
    def writes_tensorboard(self) -> bool:
        return self.tensorboard.isEnabled() and self.tensorboard.isChecked()
