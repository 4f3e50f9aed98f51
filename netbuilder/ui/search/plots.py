"""`SearchPlots`: the best-so-far curve, the trade-off scatter (metric against multiply-adds, Pareto front marked)
and the parameter importances of a search (pyqtgraph, imported when the search window first opens)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from netbuilder.graph.search_space import pareto_front
from netbuilder.train.search_results import COMPLETE, TrialResult
from netbuilder.ui.theme import theme

TRIAL_COLOUR = "#4a86e8"
BEST_COLOUR = "#e69138"
FRONT_COLOUR = "#d93025"
OTHER_COLOUR = "#9aa0a6"


class SearchPlots(QWidget):
    """Three plots side by side; `show_trials` redraws them from the study's trials."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(useOpenGL=False, antialias=True)
        t = theme()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(t.background)
        self.graphics.setMinimumHeight(200)
        self.best_plot = self._plot("Best so far", 0, "trial")
        self.trade_plot = self._plot("Trade-off", 1, "multiply-adds per sample")
        self.trade_plot.setLogMode(x=True, y=False)
        self.importance_plot = self._plot("Importance", 2, "% of the metric's variation")
        self.trials_item = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(OTHER_COLOUR))
        self.best_item = pg.PlotDataItem(pen=pg.mkPen(BEST_COLOUR, width=2), stepMode=None)
        self.best_plot.addItem(self.trials_item)
        self.best_plot.addItem(self.best_item)
        # PlotDataItems, not ScatterPlotItems: only they follow the plot's log scale.
        self.points_item = pg.PlotDataItem(pen=None, symbol="o", symbolSize=8, symbolBrush=TRIAL_COLOUR,
                                           symbolPen=None)
        self.front_item = pg.PlotDataItem(pen=pg.mkPen(FRONT_COLOUR, width=2), symbol="o", symbolSize=10,
                                          symbolBrush=FRONT_COLOUR, symbolPen=None)
        self.trade_plot.addItem(self.points_item)
        self.trade_plot.addItem(self.front_item)
        self.bars: pg.BarGraphItem | None = None
        self.front: list[int] = []  # trial numbers on the Pareto front, cheapest first
        self.importances: dict[str, float] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def _plot(self, title: str, column: int, bottom: str) -> pg.PlotItem:
        t = theme()
        plot = self.graphics.addPlot(row=0, col=column, title=title)
        plot.setLabel("bottom", bottom)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen(t.muted)
            plot.getAxis(axis).setPen(t.muted)
        plot.titleLabel.setText(title, color=t.text.name(), size="10pt")
        return plot

    def show_trials(self, trials: Sequence[TrialResult], metric: str, maximize: bool) -> None:
        label = f"validation {metric}"
        self.best_plot.setLabel("left", label)
        self.trade_plot.setLabel("left", label)
        done = [t for t in trials if t.state == COMPLETE and t.value is not None and math.isfinite(t.value)]
        done.sort(key=lambda t: t.number)
        numbers = np.array([t.number for t in done], dtype=float)
        values = np.array([t.value for t in done], dtype=float)
        self.trials_item.setData(numbers, values)
        best = np.maximum.accumulate(values) if maximize else np.minimum.accumulate(values)
        self.best_item.setData(numbers, best)
        costed = [t for t in done if t.macs]
        points = [(float(t.value or 0.0), float(t.macs or 1)) for t in costed]
        self.points_item.setData([p[1] for p in points], [p[0] for p in points])
        front = pareto_front(points, maximize)
        self.front = [costed[i].number for i in front]
        self.front_item.setData([points[i][1] for i in front], [points[i][0] for i in front])

    def set_importances(self, values: dict[str, float]) -> None:
        self.importances = dict(values)
        if self.bars is not None:
            self.importance_plot.removeItem(self.bars)
            self.bars = None
        names = list(values)[::-1]  # the most important at the top
        if not names:
            self.importance_plot.getAxis("left").setTicks(None)
            return
        widths = [100.0 * values[n] for n in names]
        self.bars = pg.BarGraphItem(x0=0, y=list(range(len(names))), height=0.6, width=widths,
                                    brush=pg.mkBrush(TRIAL_COLOUR), pen=None)
        self.importance_plot.addItem(self.bars)
        self.importance_plot.getAxis("left").setTicks([list(enumerate(names))])
        self.importance_plot.setXRange(0, max(widths) * 1.05 if widths else 100.0)

    def best_curve(self) -> list[tuple[float, float]]:
        """The best-so-far curve's points (trial number, best metric)."""
        x, y = self.best_item.getData()
        return [] if x is None else list(zip(x.tolist(), y.tolist()))
