"""Block frames on the canvas: a frame around an expanded block's layers, one box for a collapsed block with
the ports on its boundary (a wire drawn to one of them reaches the layer inside).

A mixin of `GraphScene`, kept apart so the scene stays about nodes and wires. Every refresh is one pass over
the nodes and each block's wires: a 430-layer import with 58 blocks opens without a per-node rebuild.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsItem

from netbuilder.graph.analysis import Analysis
from netbuilder.graph.block_ports import (BoundaryPort, boundary_ports, collapsed_block_of, members_by_block,
                                          slot_of)
from netbuilder.graph.model import Edge, Graph
from netbuilder.ui.canvas.groups import PAD, TITLE, GroupItem
from netbuilder.ui.canvas.nodes import WIDTH, NodeItem, PortItem
from netbuilder.ui.canvas.wires import EdgeItem


class BlockFrames:
    """What `GraphScene` draws of blocks; it provides the graph, the item maps and `_place_edge`."""

    graph: Graph
    analysis: Analysis | None
    node_items: dict[str, NodeItem]
    edge_items: dict[str, EdgeItem]
    group_items: dict[str, GroupItem]
    _building: bool
    _block_ports: dict[str, tuple[list[BoundaryPort], list[BoundaryPort]]]
    _in_blocks: set[str]  # the nodes that were in a block at the last refresh

    if TYPE_CHECKING:  # given by QGraphicsScene and GraphScene
        def addItem(self, item: QGraphicsItem) -> None: ...
        def removeItem(self, item: QGraphicsItem) -> None: ...
        def _place_edge(self, edge: Edge) -> None: ...

    def collapsed_group_of(self, node_id: str) -> str | None:
        """The outermost collapsed block hiding this node, if any."""
        return collapsed_block_of(self.graph, node_id)

    def block_anchor(self, gid: str, node_id: str, port: str, is_output: bool) -> QPointF:
        """Where a collapsed block shows the port ``port`` of its layer ``node_id``, in scene coordinates."""
        item = self.group_items[gid]
        ins, outs = self._block_ports.get(gid) or boundary_ports(self.graph, self.graph.group_members(gid))
        slots = outs if is_output else ins
        return item.anchor(slot_of(slots, node_id, port) or 0, max(1, len(slots)), is_output)

    def block_port_items(self) -> list[PortItem]:
        """The ports of every collapsed block on show (wires can be drawn to them)."""
        return [p for item in self.group_items.values() if item.collapsed and item.isVisible() for p in item.ports]

    def _groups_changed(self, *_: object, place_edges: bool = True) -> None:
        """Rebuild block frames from their members; show or hide what collapsed blocks hide."""
        if self._building:
            return
        graph = self.graph
        for gid in list(self.group_items):
            if gid not in graph.groups:
                self.removeItem(self.group_items.pop(gid))
        members = members_by_block(graph)
        depth = {gid: self._depth(gid) for gid in graph.groups}
        errors = set() if self.analysis is None else {d.node_id for d in self.analysis.diagnostics if d.is_error}
        self._block_ports = {}
        frames: dict[str, QRectF] = {}
        for gid in sorted(graph.groups, key=lambda g: -depth[g]):  # innermost first: outer frames wrap them
            group = graph.groups[gid]
            item = self.group_items.get(gid)
            if item is None:
                item = self.group_items[gid] = GroupItem(gid)
                self.addItem(item)
            inside = [self.node_items[n] for n in members[gid] if n in self.node_items]
            hidden = self.collapsed_group_of(inside[0].node_id) if inside else None
            item.setVisible(bool(inside) and (hidden is None or hidden == gid))
            if not inside:
                continue
            box = QRectF()
            for m in inside:
                box = box.united(m.mapRectToScene(QRectF(0, 0, WIDTH, m.height)))
            for child, rect in frames.items():
                if graph.groups[child].parent == gid:
                    box = box.united(rect)
            ins, outs = boundary_ports(graph, members[gid]) if group.collapsed else ([], [])
            self._block_ports[gid] = (ins, outs)
            summary = f"{len(inside)} layer{'s' * (len(inside) != 1)}"
            if self.analysis is not None:
                params = sum(self.analysis.nodes[m.node_id].params for m in inside if m.node_id in self.analysis.nodes)
                summary += f" · {params:,} params" if params else ""
            rect = (GroupItem.collapsed_rect(box.topLeft(), len(ins), len(outs)) if group.collapsed
                    else box.adjusted(-PAD, -PAD - TITLE, PAD, PAD))
            frames[gid] = rect
            item.set_frame(rect, group.name, group.collapsed, summary, ins, outs, any(m.node_id in errors
                                                                                     for m in inside))
            item.name_ports({p.node_id: graph.nodes[p.node_id].name for p in ins + outs})
        if not place_edges:
            return
        # Only a node in a block (now or at the last refresh) can be hidden or shown, and only its wires
        # move to or from a block's boundary: a 100,000-layer graph without blocks refreshes nothing here.
        in_blocks = {nid for ids in members.values() for nid in ids}
        touched, self._in_blocks = in_blocks | self._in_blocks, in_blocks
        wires: dict[str, Edge] = {}
        for nid in touched:
            node_item = self.node_items.get(nid)
            if node_item is not None:
                node_item.setVisible(self.collapsed_group_of(nid) is None)
            if nid in graph.nodes:
                wires.update((e.id, e) for e in graph.edges_of(nid))
        for edge in wires.values():
            self._place_edge(edge)

    def _depth(self, gid: str) -> int:
        d = 0
        at: str | None = gid
        while at is not None and at in self.graph.groups and d <= len(self.graph.groups):
            at, d = self.graph.groups[at].parent, d + 1
        return d
