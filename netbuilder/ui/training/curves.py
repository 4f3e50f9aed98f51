"""`CurvesWidget`: live pyqtgraph curves of a run (loss, the task's metric, learning rate).

Each curve is one long-lived PlotDataItem fed from a growing buffer with
``setData`` when the window's timer drains the worker's reports; clip-to-view
and peak downsampling keep long runs cheap. Imports pyqtgraph (lazily loaded
by the controller on the first run).
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout,
                               QWidget)

from netbuilder.ui.theme import theme
from netbuilder.ui.training.hints import OVERFIT_PATIENCE, overfitting_epochs, overfitting_message

TRAIN_COLOUR = "#4a86e8"
VAL_COLOUR = "#e69138"
EPOCH_COLOUR = "#1f4fa0"
LR_COLOUR = "#6aa84f"
EXTRA_COLOURS = ("#d5548f", "#46bdc6", "#8e7cc3", "#c27c0e")


AXIS_WIDTH = 48  # room for "0.0001" or "1e-5" at the axes' font: a narrower axis cut the leading digit
MIN_DECADES = 2.0  # the learning-rate axis spans at least this many powers of ten


def decade_label(exponent: float) -> str:
    """The label of 10**exponent: ``1``, ``0.01``, ``1e-5``, ``1e4`` (short at any size)."""
    e = round(exponent)
    return f"{10.0 ** e:g}" if -4 <= e <= 3 else f"1e{e}"


class DecadeAxis(pg.AxisItem):
    """A left axis that, on a log scale spanning a power of ten or more, labels whole powers of ten only.

    pyqtgraph's log axis labels fractions of a decade too: over the tiny range of a constant learning
    rate they piled up into one smudge."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        lo, hi = sorted((minVal, maxVal))
        if not self.logMode or hi - lo < 1.0:
            return super().tickValues(minVal, maxVal, size)
        decades = [float(d) for d in range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)]
        room = max(1, int(size // 18))  # one label per 18 pixels at most
        step = max(1, math.ceil(len(decades) / room))
        return [(float(step), decades[::step])]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [decade_label(v) if abs(v - round(v)) < 1e-6 else f"{10.0 ** v:.2g}" for v in values]


def is_loss_part(name: str) -> bool:
    """Whether a reported figure is one part of the loss: the trainer names those so they end in "loss"."""
    return name != "loss" and name.endswith("loss")


class LegendRow(pg.LegendItem):
    """A legend laid out in its own row under a plot. pyqtgraph's legend moves itself to (0, 0) whenever its
    entries change (it expects to float over a plot); this one asks its layout to put it back in its cell."""

    def updateSize(self) -> None:
        super().updateSize()
        self.setMinimumHeight(self.geometry().height())
        self.updateGeometry()


class TimedGraphics(pg.GraphicsLayoutWidget):
    """The plots' canvas, adding up the time its paints take (the controller paces redraws by it)."""

    def __init__(self) -> None:
        super().__init__()
        self.paint_seconds = 0.0

    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - started


class Series:
    """A growing (x, y) buffer, doubled when full so appending stays cheap; `view` is what is filled."""

    def __init__(self, capacity: int = 256) -> None:
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.n = 0
        self.dirty = False

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.concatenate([self.x, np.empty_like(self.x)])
            self.y = np.concatenate([self.y, np.empty_like(self.y)])
        self.x[self.n], self.y[self.n] = x, y
        self.n += 1
        self.dirty = True

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        return self.x[:self.n], self.y[:self.n]


@dataclass
class Curve:
    """One plotted series: its buffer, its long-lived item, and the plot it lives in."""

    label: str
    series: Series
    item: pg.PlotDataItem
    plot: pg.PlotItem


class CurvesWidget(QWidget):
    """Loss (batches and epochs), metric and learning-rate plots with log scale, hover read-out and export."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(useOpenGL=False, antialias=True)
        t = theme()
        self.graphics = TimedGraphics()
        self.graphics.setBackground(t.background)
        self.graphics.setMinimumHeight(250)  # three plots with their legends under them, readable
        # Each plot's legend sits in the row under it, never over its curves.
        self.legends: dict[pg.PlotItem, pg.LegendItem] = {}
        self.loss_plot = self._plot("Loss", 0)
        self.metric_plot = self._plot("Accuracy", 1)
        self.lr_plot = self._plot("Learning rate", 2, legend=False)  # one curve: its title says what it is
        self.metric_plot.setXLink(self.loss_plot)
        self.lr_plot.setXLink(self.loss_plot)
        self.lr_plot.setLogMode(x=False, y=True)  # schedules change it by factors: a log axis reads best
        self.lr_plot.enableAutoRange(y=False)  # whole decades around the values (see _frame_learning_rate)
        self.lr_plot.setYRange(-4, -2, padding=0)
        self.curves: dict[str, Curve] = {}
        self._add("train_loss", "training loss (batches)", self.loss_plot, pg.mkPen(TRAIN_COLOUR, width=1.2),
                  legend="training (batches)")
        self._add("train_loss_epoch", "training loss (epochs)", self.loss_plot, pg.mkPen(EPOCH_COLOUR, width=2),
                  symbol="o", legend="training (epochs)")
        self._add("val_loss", "validation loss", self.loss_plot, pg.mkPen(VAL_COLOUR, width=2), symbol="o",
                  legend="validation")
        self._add("lr", "learning rate", self.lr_plot, pg.mkPen(LR_COLOUR, width=1.5), legend="")
        self.overfit_text = pg.TextItem("", color="#d93025", anchor=(1, 0))
        self.loss_plot.addItem(self.overfit_text, ignoreBounds=True)
        self._train_epoch: list[float] = []
        self._val_epoch: list[float] = []
        self._part_colours: dict[str, str] = {}  # a colour per part of the loss, the same for training and validation
        self.overfitting = False

        self.log_box = QCheckBox("Log scale")
        self.log_box.setToolTip("Show the loss on a logarithmic scale")
        self.log_box.toggled.connect(self.set_log_scale)
        self.png_button = QPushButton("PNG…")
        self.png_button.setToolTip("Save the plots as an image")
        self.png_button.clicked.connect(lambda: self._ask_and_export("png"))
        self.csv_button = QPushButton("CSV…")
        self.csv_button.setToolTip("Save every plotted point as a CSV table")
        self.csv_button.clicked.connect(lambda: self._ask_and_export("csv"))
        self.readout = QLabel("Hover over a plot to read its values")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #d93025; font-weight: bold;")
        self.hint.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.log_box)
        bar.addWidget(self.readout, 1)
        bar.addWidget(self.png_button)
        bar.addWidget(self.csv_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(bar)
        # Merge bursts of mouse moves: the read-out needs ~30 updates a second at most.
        self._mouse_proxy = pg.SignalProxy(self.graphics.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

    def _plot(self, title: str, column: int, legend: bool = True) -> pg.PlotItem:
        t = theme()
        plot = self.graphics.addPlot(row=0, col=column, title=title, axisItems={"left": DecadeAxis("left")})
        plot.setClipToView(True)
        plot.setDownsampling(auto=True, mode="peak")
        # No grid: pyqtgraph draws grid lines as part of the axes, blended over the whole plot, which made
        # each redraw 7x slower (15 ms instead of 2 ms for three plots) — time taken from training.
        plot.setLabel("bottom", "epoch")
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen(t.muted)
            plot.getAxis(axis).setPen(t.muted)
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        plot.titleLabel.setText(title, color=t.text.name(), size="10pt")
        if legend:
            key = LegendRow(labelTextSize="8pt", labelTextColor=t.muted, colCount=3, frame=False, verSpacing=-6)
            key.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            self.graphics.addItem(key, row=1, col=column)
            self.graphics.ci.layout.setRowStretchFactor(0, 1)  # the plots take the height, the legends what they need
            self.graphics.ci.layout.setRowStretchFactor(1, 0)
            self.legends[plot] = key
        return plot

    def _add(self, key: str, label: str, plot: pg.PlotItem, pen, symbol: str | None = None,
             legend: str | None = None) -> Curve:
        """A curve; ``label`` names it in the read-out, ``legend`` (default: the label; "" for none) in the legend."""
        item = plot.plot([], [], pen=pen, symbol=symbol, symbolSize=5,
                         symbolBrush=pen.color() if symbol else None, symbolPen=None)
        if legend != "" and plot in self.legends:
            self.legends[plot].addItem(item, legend or label)
        item.setClipToView(True)
        item.setDownsampling(auto=True, method="peak")
        curve = Curve(label, Series(), item, plot)
        self.curves[key] = curve
        return curve

    def _metric_curve(self, name: str, validation: bool) -> Curve:
        """The curve of a reported figure: a part of the loss (a name ending in "loss": one loss node of
        several, a GAN's two) goes beside the loss, in a colour of its own; the others to the metrics."""
        key = f"{'val' if validation else 'train'}_{name}"
        if key in self.curves:
            return self.curves[key]
        side, words = ("validation", "val") if validation else ("training", "train"), name.replace("_", " ")
        label = f"{side[0]} {words}"
        if is_loss_part(name):
            colour = self._part_colours.setdefault(name, EXTRA_COLOURS[len(self._part_colours) % len(EXTRA_COLOURS)])
            pen = pg.mkPen(colour, width=2 if validation else 1.2)
            return self._add(key, label, self.loss_plot, pen, "o" if validation else None,
                             legend=f"{words} ({side[1]})")
        if validation:
            pen, symbol = pg.mkPen(VAL_COLOUR, width=2), "o"
        else:
            n = sum(1 for k, c in self.curves.items() if k.startswith("train_") and c.plot is self.metric_plot)
            pen, symbol = pg.mkPen(TRAIN_COLOUR if n == 0 else EXTRA_COLOURS[(n - 1) % 4], width=1.2), None
        return self._add(key, label, self.metric_plot, pen, symbol, legend=f"{side[1]} {words}")

    # ---- data ------------------------------------------------------------------------------------
    def reset(self, metric_title: str = "Accuracy") -> None:
        """Empty every curve for a new run (the items stay: they are long-lived)."""
        for key in [k for k in self.curves if k not in ("train_loss", "train_loss_epoch", "val_loss", "lr")]:
            curve = self.curves.pop(key)
            curve.plot.removeItem(curve.item)
            if curve.plot in self.legends:
                self.legends[curve.plot].removeItem(curve.item)
        for curve in self.curves.values():
            curve.series = Series()
            curve.item.setData([], [])
        self.metric_plot.titleLabel.setText(metric_title, color=theme().text.name(), size="10pt")
        self._train_epoch, self._val_epoch = [], []
        self._part_colours = {}
        self.overfitting = False
        self.overfit_text.setText("")
        self.hint.hide()

    def set_epochs(self, epochs: int) -> None:
        """Show the whole run on the x axis from the start: the curves grow to the right, and the x axes
        are not re-laid out on every update (axis layout is the costly part of a redraw)."""
        self.loss_plot.enableAutoRange(x=False)
        self.loss_plot.setXRange(0, max(epochs, 1), padding=0.02)

    def add_batches(self, events: Iterable) -> None:
        """BatchProgress records: training loss, metrics and learning rate at fractional epochs."""
        for e in events:
            x = e.epoch - 1 + e.batch / max(e.batches_per_epoch, 1)
            self.curves["train_loss"].series.append(x, e.loss)
            self.curves["lr"].series.append(x, e.learning_rate)
            for name, value in e.metrics.items():
                self._metric_curve(name, False).series.append(x, value)

    def add_epochs(self, events: Iterable) -> None:
        """EpochEnd records: the epoch's training loss and every validation figure."""
        for e in events:
            if "loss" in e.train:
                self.curves["train_loss_epoch"].series.append(e.epoch, e.train["loss"])
                self._train_epoch.append(e.train["loss"])
            for name, value in e.val.items():
                if name == "loss":
                    self.curves["val_loss"].series.append(e.epoch, value)
                    self._val_epoch.append(value)
                else:
                    self._metric_curve(name, True).series.append(e.epoch, value)
        self._check_overfitting()

    def show_history(self, epochs: Sequence[Any], metric_title: str = "Accuracy") -> None:
        """Redraw a finished run from its per-epoch records (a reopened project). Batches are not recorded,
        so every curve, the learning rate and the training metrics included, has one point per epoch."""
        self.reset(metric_title)
        if epochs:
            self.set_epochs(max(e.epochs for e in epochs))
        self.add_epochs(epochs)
        for e in epochs:
            if e.learning_rate is not None:
                self.curves["lr"].series.append(e.epoch, e.learning_rate)
            for name, value in e.train.items():
                if name != "loss":
                    self._metric_curve(name, False).series.append(e.epoch, value)
        self.refresh()

    def _check_overfitting(self) -> None:
        rising = overfitting_epochs(self._train_epoch, self._val_epoch)
        self.overfitting = rising >= OVERFIT_PATIENCE
        if self.overfitting:
            message = overfitting_message(rising)
            self.hint.setText(message)
            self.hint.show()
            self.overfit_text.setText("overfitting ↗")
            x, y = self.curves["val_loss"].series.view()
            self.overfit_text.setPos(x[-1], y[-1])
        else:
            self.hint.hide()
            self.overfit_text.setText("")

    def refresh(self) -> None:
        """Push new points to the items (called on the window's timer, never per batch)."""
        if self.curves["lr"].series.dirty:
            self._frame_learning_rate()
        for curve in self.curves.values():
            if curve.series.dirty:
                curve.item.setData(*curve.series.view())
                curve.series.dirty = False

    def _frame_learning_rate(self) -> None:
        """Whole powers of ten around the learning rates, at least `MIN_DECADES` of them: a constant rate sits
        in the middle with one labelled decade above and below, never on a range too small to label."""
        _, ys = self.curves["lr"].series.view()
        positive = ys[ys > 0]
        if not len(positive):
            return
        lo, hi = math.log10(float(positive.min())), math.log10(float(positive.max()))
        bottom, top = float(math.floor(lo - 0.3)), float(math.ceil(hi + 0.3))
        top = max(top, bottom + MIN_DECADES)
        self.lr_plot.setYRange(bottom, top, padding=0)

    def take_paint_seconds(self) -> float:
        """Seconds spent painting the plots since the last call."""
        seconds, self.graphics.paint_seconds = self.graphics.paint_seconds, 0.0
        return seconds

    def point_count(self, key: str) -> int:
        """How many points the plotted item holds (what the user sees, for tests)."""
        curve = self.curves.get(key)
        if curve is None or curve.item.xData is None:
            return 0
        return len(curve.item.xData)

    # ---- viewing ---------------------------------------------------------------------------------
    def set_log_scale(self, on: bool) -> None:
        self.loss_plot.setLogMode(x=False, y=on)
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)

    def _mouse_moved(self, args) -> None:
        self.readout.setText(self.read_at(args[0]) or "Hover over a plot to read its values")

    def read_at(self, scene_pos) -> str:
        """The values of every curve of the plot under ``scene_pos`` at the nearest plotted epoch."""
        for plot in (self.loss_plot, self.metric_plot, self.lr_plot):
            if not plot.sceneBoundingRect().contains(scene_pos):
                continue
            x = plot.vb.mapSceneToView(scene_pos).x()
            parts = []
            for curve in self.curves.values():
                xs, ys = curve.series.view()
                if curve.plot is not plot or not len(xs):
                    continue
                i = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
                if i > 0 and abs(xs[i - 1] - x) < abs(xs[i] - x):
                    i -= 1
                parts.append(f"{curve.label} {ys[i]:.4g} @ epoch {xs[i]:.2f}")
            return " · ".join(parts)
        return ""

    # ---- export ----------------------------------------------------------------------------------
    def _ask_and_export(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "csv": "CSV table (*.csv)"}
        path = QFileDialog.getSaveFileName(self, "Export the curves", f"training_curves.{kind}", filters[kind])[0]
        if path:
            (self.export_png if kind == "png" else self.export_csv)(path)

    def export_png(self, path: str | Path) -> Path:
        exporter = pg.exporters.ImageExporter(self.graphics.ci)
        exporter.parameters()["width"] = max(800, self.graphics.width())
        exporter.export(str(path))
        return Path(path)

    def export_csv(self, path: str | Path) -> Path:
        """One row per plotted point: series, epoch, value."""
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["series", "epoch", "value"])
            for key, curve in self.curves.items():
                xs, ys = curve.series.view()
                writer.writerows((key, f"{x:.6g}", f"{y:.8g}") for x, y in zip(xs, ys))
        return Path(path)
