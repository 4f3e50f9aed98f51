"""The pictures of a look inside (pyqtgraph): a layer's output drawn for its shape, weight and gradient
histograms, class probabilities, and an input image with a saliency overlay."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from netbuilder.ui.theme import theme

BAR_COLOUR = "#4a86e8"
GRADIENT_COLOUR = "#e69138"
PICKED_COLOUR = "#2e9e48"
MAX_MAPS = 64  # feature maps drawn at most (the first ones)
# Colour maps made here rather than read from pyqtgraph's data files, which a bundled app may lack.
VALUES_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(68, 1, 84), (33, 145, 140), (253, 231, 37)])  # viridis-like
# Clear where the map is 0, red to yellow as it grows: the picture stays readable under it.
HEAT_MAP = pg.ColorMap([0.0, 0.5, 1.0], [(0, 0, 0, 0), (230, 40, 20, 150), (255, 230, 60, 220)])


def _style(plot: pg.PlotItem, title: str) -> None:
    t = theme()
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setTextPen(t.muted)
        plot.getAxis(axis).setPen(t.muted)
    plot.titleLabel.setText(title, color=t.text.name(), size="10pt")


def map_grid(maps: np.ndarray, gap: int = 1) -> tuple[np.ndarray, int]:
    """Feature maps (C, H, W) tiled into one picture, each scaled to [0, 1] on its own; NaN between tiles.

    Returns the picture (rows, columns as image y, x) and how many maps it holds."""
    count = min(len(maps), MAX_MAPS)
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    h, w = maps.shape[1:]
    grid = np.full((rows * (h + gap) - gap, cols * (w + gap) - gap), np.nan, dtype=np.float32)
    for i in range(count):
        m = maps[i].astype(np.float32)
        lo, hi = float(m.min()), float(m.max())
        m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        r, c = divmod(i, cols)
        grid[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = m
    return grid, count


class LayerOutputView(QWidget):
    """One node's output for one sample: feature-map grid (C×H×W), bars (a vector), heat map (L×F)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = theme()
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(t.background)
        self.plot = self.graphics.addPlot()
        self.plot.setMenuEnabled(False)
        _style(self.plot, "")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(VALUES_MAP)
        self.bars: pg.BarGraphItem | None = None
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.mode = "none"  # what is drawn: maps, bars, heatmap or none
        self.tiles = 0  # feature maps in the grid
        self.values: np.ndarray = np.zeros(0)  # the numbers drawn
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.graphics, 1)

    def clear(self, text: str = "") -> None:
        self.plot.clear()
        self.plot.setAspectLocked(False)
        for axis in ("left", "bottom"):
            self.plot.showAxis(axis)
        self.plot.setLabel("bottom", "")
        self.plot.setLabel("left", "")
        self.bars = None
        self.mode, self.tiles, self.values = "none", 0, np.zeros(0)
        self.caption.setText(text)

    def show_output(self, name: str, output: np.ndarray) -> None:
        """Draw ``output`` (one sample, no batch dimension) in the way its shape reads best."""
        self.clear()
        dims = "×".join(map(str, output.shape)) or "a scalar"
        self.plot.invertY(False)
        if output.ndim == 3:
            grid, self.tiles = map_grid(output)
            self.mode, self.values = "maps", output
            self._picture(grid)
            more = f" (the first {self.tiles})" if self.tiles < output.shape[0] else ""
            self.caption.setText(f"{name}: {output.shape[0]} feature maps of {output.shape[1]}×{output.shape[2]}"
                                 f"{more}, each scaled to its own range (bright = high)")
        elif output.ndim == 2:
            self.mode, self.values = "heatmap", output
            self._picture(output.T.astype(np.float32))
            self.plot.setLabel("bottom", "step" if output.shape[0] > 1 else "")
            self.plot.setLabel("left", "feature")
            self.caption.setText(f"{name}: {dims} — a heat map, one column per step (bright = high)")
        elif output.ndim <= 1:
            values = output.reshape(-1).astype(np.float32)
            self.mode, self.values = "bars", values
            self.bars = pg.BarGraphItem(x=np.arange(len(values)), height=values, width=0.8,
                                        brush=pg.mkBrush(BAR_COLOUR), pen=None)
            self.plot.addItem(self.bars)
            self.plot.setLabel("bottom", "unit")
            self.plot.setLabel("left", "value")
            self.plot.autoRange()
            self.caption.setText(f"{name}: {len(values)} value(s), from {values.min():.3g} to {values.max():.3g}")
        else:
            self.caption.setText(f"{name}: {dims} — too many dimensions to draw")

    def _picture(self, picture: np.ndarray) -> None:
        finite = picture[np.isfinite(picture)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.image.setImage(np.nan_to_num(picture, nan=lo), levels=(lo, hi if hi > lo else lo + 1))
        self.plot.addItem(self.image)
        self.plot.invertY(True)  # row 0 at the top, as images are read
        self.plot.setAspectLocked(self.mode == "maps")  # a heat map of 60 steps × 1 feature must not be a sliver
        if self.mode == "maps":
            for axis in ("left", "bottom"):  # tiles of maps: their pixel numbers mean nothing
                self.plot.hideAxis(axis)
        self.plot.autoRange(padding=0.02)


class HistogramView(QWidget):
    """A node's weight and gradient histograms, side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme().background)
        self.graphics.setMinimumHeight(140)
        self.weight_plot = self.graphics.addPlot(row=0, col=0)
        self.gradient_plot = self.graphics.addPlot(row=0, col=1)
        _style(self.weight_plot, "Weights")
        _style(self.gradient_plot, "Gradients (one validation batch)")
        self.counts: dict[str, list[int]] = {"weights": [], "gradients": []}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def show_histograms(self, weights: tuple[Sequence[int], Sequence[float]] | None,
                        gradients: tuple[Sequence[int], Sequence[float]] | None) -> None:
        for key, plot, data, colour in (("weights", self.weight_plot, weights, BAR_COLOUR),
                                        ("gradients", self.gradient_plot, gradients, GRADIENT_COLOUR)):
            plot.clear()
            self.counts[key] = list(data[0]) if data else []
            if data and data[0]:
                counts, edges = data
                plot.addItem(pg.PlotDataItem(list(edges), list(counts), stepMode="center", fillLevel=0,
                                             brush=pg.mkBrush(colour), pen=pg.mkPen(colour)))


class ProbabilityView(QWidget):
    """Bars of the class probabilities, the predicted class in green."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme().background)
        self.plot = self.graphics.addPlot()
        _style(self.plot, "Class probabilities")
        self.plot.setYRange(0, 1)
        self.probabilities: list[float] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def show_probabilities(self, probabilities: Sequence[float], names: Sequence[str], picked: int) -> None:
        self.plot.clear()
        self.probabilities = list(probabilities)
        colours = [pg.mkBrush(PICKED_COLOUR if i == picked else BAR_COLOUR) for i in range(len(probabilities))]
        self.plot.addItem(pg.BarGraphItem(x=np.arange(len(probabilities)), height=list(probabilities), width=0.8,
                                          brushes=colours, pen=None))
        self.plot.getAxis("bottom").setTicks([list(enumerate(names))])
        self.plot.setYRange(0, 1)


class OverlayImage(QWidget):
    """The input picture, with an optional heat map over it (saliency or Grad-CAM)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(theme().background)
        self.view = self.graphics.addViewBox(lockAspect=True, invertY=True)
        self.picture = pg.ImageItem(axisOrder="row-major")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.heat.setColorMap(HEAT_MAP)
        self.view.addItem(self.picture)
        self.view.addItem(self.heat)
        self.heat_map: np.ndarray | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

    def show_picture(self, picture: np.ndarray, heat: np.ndarray | None = None) -> None:
        """``picture`` is (H, W) or (H, W, 3); ``heat`` an (H, W) map in [0, 1], or None for none."""
        lo, hi = float(picture.min()), float(picture.max())
        self.picture.setImage(picture, levels=(lo, hi if hi > lo else lo + 1))
        self.heat_map = heat
        self.heat.setVisible(heat is not None)
        if heat is not None:
            self.heat.setImage(heat, levels=(0.0, 1.0))
        self.view.autoRange()
