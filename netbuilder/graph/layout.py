"""Auto-layout: left to right in layers (see `netbuilder.graph.layering`), long chains cut into bands stacked
top to bottom.

Used by the window's Auto-layout, ONNX import, transfer learning and the example projects. Ports sit on a
node's left (inputs) and right (outputs) side, so data reads left to right; a 15-layer CNN laid out in one
row would only fit a window as a thin line of coloured bars, so the columns are shared out into bands
whose bounding box comes close to the canvas's shape.
"""

from __future__ import annotations

from netbuilder.graph.layering import COLUMN, layered_layout
from netbuilder.graph.model import Graph

__all__ = ["ASPECT", "COLUMN", "ROW", "auto_layout", "banded_positions"]

# A node is ~70 tall (taller with 3+ ports): a row leaves 60 px between nodes. A column is the layering's.
ROW = 130.0
ASPECT = 1.6  # width / height of a typical canvas: the window's centre between its docks


def banded_positions(graph: Graph, aspect: float = ASPECT, direction: str = "right") -> dict[str, tuple[float, float]]:
    """The layered layout (`netbuilder.graph.layering`) wrapped into bands so its bounding box comes close to
    ``aspect`` (width / height); collapsed blocks are placed as single boxes."""
    return layered_layout(graph, direction=direction, aspect=aspect)


def auto_layout(graph: Graph, aspect: float = ASPECT, direction: str = "right") -> None:
    """Move every node to its banded layered position (imports, examples)."""
    for nid, pos in banded_positions(graph, aspect, direction).items():
        graph.move(nid, pos)
