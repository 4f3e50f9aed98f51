"""Gradient flow on the canvas: each layer tinted by its mean |gradient|, dead units and warnings as badges.

Reads `LayerStats` records (node name -> mean |grad|, activation -> dead
fraction, recurrent layer -> gradient reaching its first step relative to its
last) and paints through the small overlay API of the canvas node items.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from netbuilder.ui.theme import font, theme

if TYPE_CHECKING:
    from netbuilder.ui.training.host import TrainingHost

# Below 1e-7 a weight's gradient times a usual learning rate (1e-3) moves it by ~1e-10 per step:
# in float32 that is lost next to weights of order 0.1, so the layer has effectively stopped learning.
VANISHING = 1e-7
# Above 1e3 one step with a usual learning rate moves weights by ~1, far past their scale: the next
# steps overshoot and the loss usually becomes NaN soon after.
EXPLODING = 1e3
# A gating activation with most units silent over a whole batch passes little signal (dying ReLU).
DEAD_WARNING = 0.5
# A recurrent layer's weight gradient sums what every time step contributes; when the first step gets under
# 1e-5 of the last step's gradient, its share is far below the batch-to-batch noise of that sum, so what lies
# that far back is effectively never learned. Measured on the rnn_vs_lstm example (60 steps): a plain tanh RNN
# sits at 1e-7..1e-15 (rare spikes near 1e-4 late in a long run), an LSTM with forget-gate bias 2 at 5e-4..1e2,
# so 1e-5 separates them with a margin on both sides (1e-3 would flag the LSTM early in training).
MEMORY_WARNING = 1e-5

LOG_LOW, LOG_HIGH = -8.0, 2.0  # the colour scale: 1e-8 .. 1e2 (log10 of mean |grad|)
STEPS = 40  # colours on the scale: four per decade
# Cool for tiny gradients, green for healthy ones, red for huge ones.
STOPS = ((0.0, "#3b3f8f"), (0.3, "#2f7fc1"), (0.55, "#3fae6a"), (0.78, "#e2c044"), (1.0, "#d93025"))


def scale_position(value: float) -> float:
    """Where ``value`` (a mean |gradient|) sits on the legend, 0..1 on a log scale."""
    if not value > 0 or not math.isfinite(value):
        return 0.0 if not (math.isinf(value) and value > 0) else 1.0
    return min(1.0, max(0.0, (math.log10(value) - LOG_LOW) / (LOG_HIGH - LOG_LOW)))


def gradient_colour(value: float) -> QColor:
    """The legend's colour for a mean |gradient|, in quarter-decade steps."""
    # Steps, not a continuum: a node is repainted only when its colour changes, and gradients jitter
    # from batch to batch; repainting the canvas for invisible changes would cost training time.
    p = round(scale_position(value) * STEPS) / STEPS
    for (p0, c0), (p1, c1) in zip(STOPS, STOPS[1:]):
        if p <= p1:
            f = (p - p0) / (p1 - p0)
            a, b = QColor(c0), QColor(c1)
            return QColor(round(a.red() + f * (b.red() - a.red())), round(a.green() + f * (b.green() - a.green())),
                          round(a.blue() + f * (b.blue() - a.blue())))
    return QColor(STOPS[-1][1])


def magnitude(value: float) -> str:
    """The order of magnitude of a positive value: ``1e-3`` for 0.0021 (badges change only when it does)."""
    if not value > 0 or not math.isfinite(value):
        return f"{value:g}"
    return f"1e{round(math.log10(value))}"


def memory_figure(memory: float) -> str:
    """A recurrent layer's memory figure as its badge and tooltip both show it: ``~3e1``, ``~5e-4``."""
    if not memory > 0 or not math.isfinite(memory):
        return f"{memory:g}"
    mantissa, exponent = f"{memory:.0e}".split("e")
    return f"~{mantissa}e{int(exponent)}"


def memory_text(memory: float) -> str:
    """The tooltip sentence for a recurrent layer's memory figure (gradient at step 1 / at the last step)."""
    text = f"gradient reaching step 1: {memory_figure(memory)} of the last step"
    if memory < MEMORY_WARNING:
        return text + " — vanishing over time; an LSTM or GRU keeps it"
    return text + " — it remembers the start of the sequence"


def gradient_verdict(value: float) -> str:
    """"vanishing", "exploding" or "" for a mean |gradient|."""
    if not math.isfinite(value) or value > EXPLODING:
        return "exploding"
    if value < VANISHING:
        return "vanishing"
    return ""


class GradientOverlay:
    """Paints LayerStats onto the window's canvases."""

    def __init__(self, window: TrainingHost) -> None:
        self.window = window
        self.latest: dict[str, Any] = {}  # graph -> the LayerStats shown

    def apply(self, stats: Any) -> None:
        editor = self.window.graph_editors().get(stats.graph)
        if editor is None:
            return
        self.latest[stats.graph] = stats
        ids = {node.name: node.id for node in editor.graph.nodes.values()}
        for name, value in stats.grad_mean_abs.items():
            item = editor.node_item(ids.get(name, ""))
            if item is None:
                continue
            verdict = gradient_verdict(value)
            why = {"vanishing": " — vanishing: this layer has almost stopped learning",
                   "exploding": " — exploding: lower the learning rate or clip gradients"}.get(verdict, "")
            item.set_overlay(gradient_colour(value), verdict or f"|g| ~{magnitude(value)}",
                             f"mean |gradient| {value:.2e}{why}", warning=bool(verdict))
        for name, dead in stats.dead_fraction.items():
            item = editor.node_item(ids.get(name, ""))
            if item is None:
                continue
            warn = dead >= DEAD_WARNING
            advice = " — many dead units: try LeakyReLU, a lower learning rate or BatchNorm" if warn else ""
            item.set_overlay(None, f"dead {dead:.0%}", f"{dead:.0%} of its units were never active in the batch"
                             f"{advice}", warning=warn)
        for name, memory in getattr(stats, "memory", {}).items():  # records from before it existed have none
            item = editor.node_item(ids.get(name, ""))
            if item is None:
                continue
            # Over the weights' badge: for a recurrent layer, how far back its gradient reaches is the
            # lesson; the mean |gradient| of its weights stays in the tooltip.
            warn = memory < MEMORY_WARNING
            weights = stats.grad_mean_abs.get(name)
            tooltip = memory_text(memory) + (f"\nmean |gradient| {weights:.2e}" if weights is not None else "")
            item.set_overlay(item.overlay_colour, "vanishing in time" if warn else f"step 1 {memory_figure(memory)}",
                             tooltip, warning=warn or item.overlay_warning)

    def clear(self) -> None:
        self.latest = {}
        for editor in self.window.graph_editors().values():
            for item in editor.node_items():
                item.clear_overlay()


class GradientLegend(QWidget):
    """The overlay's colour scale: mean |gradient| on a log axis, with the warning thresholds marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(48)
        self.setMaximumHeight(48)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(f"Gradient flow while training: each layer is tinted by the mean |gradient| of its "
                        f"weights. Below {VANISHING:g} it is marked vanishing, above {EXPLODING:g} exploding; "
                        "activations show the fraction of dead units. Recurrent layers show how much gradient "
                        f"reaches the first step of their sequence relative to the last: below {MEMORY_WARNING:g} "
                        "it is marked vanishing in time.")

    def paintEvent(self, event) -> None:
        t = theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), t.background)
        left, right = 150.0, self.width() - 20.0
        bar = QRectF(left, 17, max(40.0, right - left), 12)
        gradient = QLinearGradient(QPointF(bar.left(), 0), QPointF(bar.right(), 0))
        for pos, colour in STOPS:
            gradient.setColorAt(pos, QColor(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(gradient)
        painter.drawRoundedRect(bar, 4, 4)
        painter.setFont(font(8.0))
        painter.setPen(t.text)
        align = Qt.AlignmentFlag
        painter.drawText(QRectF(8, 13, left - 12, 20), align.AlignVCenter | align.AlignLeft, "mean |gradient| (log)")
        painter.setPen(t.muted)
        for exponent in range(int(LOG_LOW), int(LOG_HIGH) + 1, 2):
            x = bar.left() + bar.width() * (exponent - LOG_LOW) / (LOG_HIGH - LOG_LOW)
            painter.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + 3))
            painter.drawText(QRectF(x - 20, bar.bottom() + 3, 40, 14), align.AlignCenter, f"1e{exponent}")
        painter.setPen(t.error)
        for value, text in ((VANISHING, "vanishing"), (EXPLODING, "exploding")):
            x = bar.left() + bar.width() * scale_position(value)
            painter.drawLine(QPointF(x, bar.top() - 4), QPointF(x, bar.bottom() + 1))
            painter.drawText(QRectF(x - 60 if value > 1 else x + 3, 1, 57, 14),
                             (align.AlignRight if value > 1 else align.AlignLeft) | align.AlignVCenter, text)
        painter.end()
