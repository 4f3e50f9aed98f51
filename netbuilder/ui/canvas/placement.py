"""Where a new node goes: a free spot near where the user is working, never on top of another node.

Pure geometry over plain rectangles ``(x, y, width, height)`` in scene units, so it is tested
without a window. The editor feeds it the rectangles of the nodes on the canvas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from netbuilder.graph.layout import COLUMN
from netbuilder.graph.model import Graph
from netbuilder.ui.canvas.nodes import WIDTH, node_height

GAP = 20.0  # the least room kept around a placed node (ports stick out 5 px, wires need a little more)
STEP = 40.0  # the search grid
MAX_RINGS = 60  # 60 rings of 40 px: 2,400 px around the preferred spot before giving up


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Rect, gap: float = GAP) -> bool:
        return (self.x < other.x + other.w + gap and other.x < self.x + self.w + gap
                and self.y < other.y + other.h + gap and other.y < self.y + self.h + gap)

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)


def node_rect(graph: Graph, node_id: str) -> Rect:
    node = graph.nodes[node_id]
    spec = node.spec
    return Rect(node.position[0], node.position[1], WIDTH, node_height(len(spec.inputs), len(spec.outputs)))


def layer_size(layer_type: str) -> tuple[float, float]:
    """Width and height of a new node of ``layer_type`` on the canvas."""
    from netbuilder.graph.catalog import get_spec

    spec = get_spec(layer_type)
    return WIDTH, node_height(len(spec.inputs), len(spec.outputs))


def _ring(r: int) -> list[tuple[int, int]]:
    """The grid cells at Chebyshev distance ``r``, nearest to the centre first, below before above and right
    before left (a new layer reads best under or after its neighbours)."""
    if r == 0:
        return [(0, 0)]
    cells = [(i, j) for i in range(-r, r + 1) for j in range(-r, r + 1) if max(abs(i), abs(j)) == r]
    return sorted(cells, key=lambda c: (math.hypot(*c), c[1] < 0, c[0] < 0))


def free_offset(shapes: Sequence[Rect], taken: Iterable[Rect], preferred: tuple[float, float] = (0.0, 0.0)
                ) -> tuple[float, float]:
    """The shift nearest ``preferred`` that puts every rectangle of ``shapes`` clear of every ``taken`` one."""
    occupied = list(taken)
    for r in range(MAX_RINGS + 1):
        for i, j in _ring(r):
            dx, dy = preferred[0] + i * STEP, preferred[1] + j * STEP
            moved = [s.moved(dx, dy) for s in shapes]
            if not any(m.overlaps(o) for m in moved for o in occupied):
                return dx, dy
    return preferred  # a canvas packed for 2,400 px around: overlap rather than fly off somewhere unseen


def free_spot(size: tuple[float, float], at: tuple[float, float], taken: Iterable[Rect]) -> tuple[float, float]:
    """The top-left corner nearest ``at`` where a node of ``size`` overlaps none of ``taken``."""
    dx, dy = free_offset([Rect(at[0], at[1], *size)], taken)
    return at[0] + dx, at[1] + dy


def beside(rect: Rect) -> tuple[float, float]:
    """The spot one auto-layout column to the right of ``rect``: where the layer after it goes."""
    return rect.x + COLUMN, rect.y
