"""Colours and fonts of the canvas, light or dark following the system.

Only the canvas draws with these; widgets use the application palette, which
`apply_palette` sets to match so the whole window agrees.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

# One accent per palette category, so a glance tells convolution from recurrence.
CATEGORY_COLOURS = {
    "Input / Output": "#3fa86b",
    "Core": "#4a86e8",
    "Regularisation": "#8e7cc3",
    "Normalisation": "#46bdc6",
    "Convolution": "#e69138",
    "Pooling": "#c27c0e",
    "Recurrent": "#d5548f",
    "Attention": "#a64d79",
    "Activation": "#7f8c8d",
    "Padding": "#b08d57",
    "Merge": "#6aa84f",
    "Arithmetic": "#93c47d",
    "Shape": "#6d9eeb",
    "Loss": "#cc4125",
    "Blocks": "#b4a7d6",
}


@cache
def _category_colour(name: str) -> QColor:
    # Painting asks for these thousands of times per frame on a big graph; build each once.
    return QColor(CATEGORY_COLOURS.get(name, "#888888"))


@dataclass(frozen=True)
class Theme:
    """Everything the canvas paints with."""

    dark: bool
    background: QColor
    grid: QColor
    node: QColor
    node_border: QColor
    selected: QColor
    text: QColor
    muted: QColor
    error: QColor
    warning: QColor
    wire: QColor
    wire_ok: QColor
    label_bg: QColor
    group_fill: QColor
    group_border: QColor

    def category(self, name: str) -> QColor:
        return _category_colour(name)


DARK = Theme(True, QColor("#1d2026"), QColor("#272b33"), QColor("#2b3039"), QColor("#3b414d"),
             QColor("#f5b942"), QColor("#e8eaee"), QColor("#9aa3b2"), QColor("#ef5350"), QColor("#f0a23b"),
             QColor("#8792a5"), QColor("#66d17a"), QColor("#323844"), QColor(120, 140, 200, 28),
             QColor(150, 165, 220, 110))
LIGHT = Theme(False, QColor("#f4f5f7"), QColor("#e3e6eb"), QColor("#ffffff"), QColor("#c4c9d2"),
              QColor("#e69b00"), QColor("#1f2430"), QColor("#667085"), QColor("#d93025"), QColor("#c77700"),
              QColor("#7d8797"), QColor("#2e9e48"), QColor("#ffffff"), QColor(90, 110, 180, 22),
              QColor(90, 110, 180, 110))

_current: Theme | None = None


def system_is_dark() -> bool:
    """NETBUILDER_THEME=dark|light wins; otherwise the system colour scheme (Qt 6.5+)."""
    forced = os.environ.get("NETBUILDER_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def theme() -> Theme:
    global _current
    if _current is None:
        _current = DARK if system_is_dark() else LIGHT
    return _current


def set_theme(dark: bool) -> Theme:
    global _current
    _current = DARK if dark else LIGHT
    return _current


def apply_palette(app, dark: bool) -> None:
    """Fusion style with a palette matching the canvas theme."""
    app.setStyle("Fusion")
    set_theme(dark)
    if not dark:
        app.setPalette(app.style().standardPalette())
        return
    p = QPalette()
    r = QPalette.ColorRole
    roles = {
        r.Window: "#23262d", r.WindowText: "#e3e6eb", r.Base: "#1b1e23", r.AlternateBase: "#262a31",
        r.ToolTipBase: "#2f343d", r.ToolTipText: "#e8eaee", r.Text: "#e3e6eb", r.Button: "#2c3038",
        r.ButtonText: "#e3e6eb", r.BrightText: "#ff6b6b", r.Highlight: "#3d6fd1", r.HighlightedText: "#ffffff",
        r.Link: "#7aa7ff", r.PlaceholderText: "#7d8594", r.Mid: "#3a3f48", r.Dark: "#16181c", r.Light: "#3a3f48",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (r.WindowText, r.Text, r.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7280"))
    app.setPalette(p)


def font(point_size: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSizeF(point_size)
    f.setBold(bold)
    return f
