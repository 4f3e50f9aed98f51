"""Room for a block being expanded: the boxes its frame would cover move right (same band) or down (below).

A big import opens with its blocks collapsed, each laid out as one box; expanded in place, a block's layers
would spread over its neighbours. Only the boxes in the way move, and only when something is in the way, so
expanding a block that already has room (or again, after collapsing it) moves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from netbuilder.graph.block_ports import boundary_ports, collapsed_block_of, members_by_block
from netbuilder.graph.layering import NODE_WIDTH, box_height
from netbuilder.graph.model import Graph


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def meets(self, other: Box) -> bool:
        return self.left < other.right and other.left < self.right and self.top < other.bottom \
            and other.top < self.bottom


def _node_box(graph: Graph, nid: str) -> Box:
    node = graph.nodes[nid]
    x, y = node.position
    return Box(x, y, x + NODE_WIDTH, y + box_height(len(node.spec.inputs), len(node.spec.outputs)))


def _bounds(boxes: list[Box]) -> Box:
    return Box(min(b.left for b in boxes), min(b.top for b in boxes), max(b.right for b in boxes),
               max(b.bottom for b in boxes))


def room_to_expand(graph: Graph, gid: str, pad: float = 14.0, title: float = 24.0) -> dict[str, tuple[float, float]]:
    """New positions for the nodes in the way of collapsed block ``gid``'s frame once expanded (``pad`` around
    its layers, ``title`` above them); empty when nothing is in the way."""
    members = members_by_block(graph)
    inside = set(members.get(gid, ()))
    if not inside:
        return {}
    layers = _bounds([_node_box(graph, n) for n in inside])
    frame = Box(layers.left - pad, layers.top - pad - title, layers.right + pad, layers.bottom + pad)
    ins, outs = boundary_ports(graph, members[gid])
    shut = Box(layers.left, layers.top, layers.left + NODE_WIDTH, layers.top + box_height(len(ins), len(outs)))
    # The boxes on show besides this block: single layers, and other collapsed blocks (moved as one).
    units: dict[str, list[str]] = {}
    for nid in graph.nodes:
        if nid not in inside:
            hidden_by = collapsed_block_of(graph, nid)
            units.setdefault(hidden_by or nid, []).append(nid)
    shapes = {}
    for uid, ids in units.items():
        if uid in graph.groups:
            ins, outs = boundary_ports(graph, members[uid])
            corner = _bounds([_node_box(graph, n) for n in ids])
            shapes[uid] = Box(corner.left, corner.top, corner.left + NODE_WIDTH,
                              corner.top + box_height(len(ins), len(outs)))
        else:
            shapes[uid] = _node_box(graph, uid)
    if not any(frame.meets(box) for box in shapes.values()):
        return {}
    dx, dy = frame.right - shut.right, frame.bottom - shut.bottom
    moves: dict[str, tuple[float, float]] = {}
    for uid, box in shapes.items():
        if box.top >= shut.bottom:
            shift = (0.0, dy)  # below the block: everything moves down together
        elif box.left >= shut.right and box.bottom > frame.top:
            shift = (dx, 0.0)  # beside it, further along its band: moves right
        else:
            continue
        for nid in units[uid]:
            x, y = graph.nodes[nid].position
            moves[nid] = (x + shift[0], y + shift[1])
    return moves
