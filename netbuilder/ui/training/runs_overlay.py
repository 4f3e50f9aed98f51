"""`RunsOverlay`: the learning curves of several recorded runs on one plot, one colour per run.

A choice of figure (validation loss, validation accuracy, training loss, ...)
sits above the plot; the legend is a line of text under it (a coloured mark
and the run's name, wrapped to the width), so it never covers a curve and
never takes the plot's room in a narrow dock. Imports pyqtgraph: the Runs panel makes it on the first
selection, so opening the window stays light.
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from netbuilder.graph.runs import RunRecord
from netbuilder.ui.theme import theme

AXIS_WIDTH = 48  # room for "0.0001" at the axes' font

# Distinct colours that read on light and dark themes (Tableau 10, a palette made for telling series apart).
RUN_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
               "#9c755f", "#bab0ac")


def run_colour(index: int) -> str:
    return RUN_COLOURS[index % len(RUN_COLOURS)]


def figure_series(record: RunRecord) -> dict[str, tuple[list[float], list[float]]]:
    """Each figure the run recorded per epoch (``val_loss``, ``train_accuracy``, ...): (epochs, values)."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    for entry in record.epochs:  # read as the file has it: a history may be anyone's, so each value is checked
        epoch = entry.get("epoch")
        if not isinstance(epoch, int) or isinstance(epoch, bool):
            continue
        for side in ("val", "train"):
            figures = entry.get(side)
            if not isinstance(figures, dict):
                continue
            for name, value in figures.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                    xs, ys = series.setdefault(f"{side}_{name}", ([], []))
                    xs.append(float(epoch))
                    ys.append(float(value))
    return series


def figure_order(name: str) -> tuple[int, int, str]:
    """Validation before training, the loss before the other figures."""
    side, _, figure = name.partition("_")
    return (side != "val", figure != "loss", figure)


class RunsOverlay(QWidget):
    """One plot of the chosen figure for each run shown (`show_runs`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(useOpenGL=False, antialias=True)
        t = theme()
        self.figure = QComboBox()
        self.figure.setToolTip("The figure each run's curve shows, per epoch")
        self.figure.currentIndexChanged.connect(lambda _i: self._draw())
        self.hint = QLabel()
        self.hint.setStyleSheet(f"color: {t.muted.name()};")
        top = QHBoxLayout()
        top.addWidget(QLabel("Compare:"))
        top.addWidget(self.figure)
        top.addWidget(self.hint, 1)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(t.background)
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.setLabel("bottom", "epoch")
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(t.muted)
            self.plot.getAxis(axis).setPen(t.muted)
        self.plot.getAxis("left").setWidth(AXIS_WIDTH)
        self.legend = QLabel()  # under the plot: never over a curve
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.legend)
        self.runs: list[tuple[RunRecord, str]] = []
        self._series: dict[tuple[Path, float], dict[str, tuple[list[float], list[float]]]] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}  # run title -> its curve

    def show_runs(self, runs: list[tuple[RunRecord, str]]) -> None:
        """Plot ``runs`` (each with its colour); the figure choice keeps its value when the runs have it."""
        self.runs = runs
        chosen = self.figure.currentData()
        names = sorted({n for record, _ in runs for n in self.series(record)}, key=figure_order)
        self.figure.blockSignals(True)
        self.figure.clear()
        for name in names:
            self.figure.addItem(name.replace("_", " ").replace("val ", "validation ").replace("train ", "training "),
                                name)
        index = self.figure.findData(chosen)
        self.figure.setCurrentIndex(index if index >= 0 else 0)
        self.figure.blockSignals(False)
        self._draw()

    def series(self, record: RunRecord) -> dict[str, tuple[list[float], list[float]]]:
        """`figure_series` of ``record``, read once per version of its history."""
        key = (record.folder, record.written_at)
        if key not in self._series:
            self._series[key] = figure_series(record)
        return self._series[key]

    def chosen(self) -> str | None:
        data = self.figure.currentData()
        return str(data) if data is not None else None

    def _draw(self) -> None:
        self.plot.clear()
        self.curves = {}
        entries = []
        name = self.chosen()
        missing = []
        for record, colour in self.runs:
            xs, ys = self.series(record).get(name or "", ([], []))
            if not xs:
                missing.append(record.title)
                continue
            item = self.plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                                  symbolBrush=colour, symbolPen=None)
            entries.append(f'<span style="color:{colour}">&#9632;</span>&nbsp;{html.escape(record.title)}')
            self.curves[record.title] = item
        self.legend.setText(" &nbsp; ".join(entries))
        self.plot.setLabel("left", self.figure.currentText())
        if not self.runs:
            self.hint.setText("Select runs in the table to compare their curves (Ctrl or Shift for several).")
        elif missing:
            self.hint.setText(f"No {self.figure.currentText() or 'curve'} recorded for: {', '.join(missing)}")
        else:
            self.hint.setText("")

    def point_count(self, title: str) -> int:
        """How many epochs the curve of the run called ``title`` shows (0 when it has none)."""
        item = self.curves.get(title)
        if item is None:
            return 0
        xs, _ = item.getData()
        return 0 if xs is None else len(xs)

    def colour_of(self, title: str) -> str | None:
        item = self.curves.get(title)
        return item.opts["pen"].color().name() if item is not None else None
