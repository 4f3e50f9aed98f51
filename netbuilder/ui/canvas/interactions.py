"""Mouse gestures that span several items: drawing a new wire from a port."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF

from netbuilder.ui.canvas.groups import GroupItem
from netbuilder.ui.canvas.nodes import NodeItem, PortItem
from netbuilder.ui.canvas.wires import WirePreview

if TYPE_CHECKING:
    from netbuilder.ui.canvas.scene import GraphScene

SNAP_DISTANCE = 14.0
MIN_DRAG = 12.0  # a wire let go nearer its port than this was a click on the port, not a drag


class WireDrag:
    """From a press on a port to the release: a preview wire, compatible ports lit, then a request.

    The drag only proposes; the model decides (`Graph.check_connect`) when the
    editor turns the request into an undoable Connect.
    """

    def __init__(self, scene: GraphScene, port: PortItem) -> None:
        self.scene, self.port = scene, port
        self.preview = WirePreview()
        scene.addItem(self.preview)
        self.start = port.scenePos()
        self._light_targets()

    def _ends(self, other: PortItem) -> tuple[str, str, str, str]:
        out, inp = (self.port, other) if self.port.is_output else (other, self.port)
        return out.node_id, out.name, inp.node_id, inp.name

    def _ports(self) -> list[PortItem]:
        """Every port a wire can reach: the layers' own, and those collapsed blocks show for their layers."""
        return [p for item in self.scene.node_items.values() for p in item.ports.values()] + \
            self.scene.block_port_items()

    def _light_targets(self) -> None:
        graph = self.scene.graph
        for port in self._ports():
            if port.is_output == self.port.is_output:
                port.set_state("off")
            else:
                port.set_state("ok" if graph.can_connect(*self._ends(port)) else "off")
        self.port.set_state("")

    def move(self, pos: QPointF) -> None:
        target = self.port_at(pos)
        end = target.scenePos() if target is not None else pos
        a, b = (self.start, end) if self.port.is_output else (end, self.start)
        self.preview.set_ends(a, b)

    def port_at(self, pos: QPointF) -> PortItem | None:
        """The opposite-direction port under (or very near) ``pos``; over a node body, its first free one."""
        area = QRectF(pos.x() - SNAP_DISTANCE, pos.y() - SNAP_DISTANCE, 2 * SNAP_DISTANCE, 2 * SNAP_DISTANCE)
        best, best_d = None, SNAP_DISTANCE ** 2
        nodes: list[NodeItem | GroupItem] = []
        for item in self.scene.items(area):
            if isinstance(item, PortItem) and item.is_output != self.port.is_output and item.isVisible():
                d = (item.scenePos() - pos)
                dist = d.x() ** 2 + d.y() ** 2
                if dist <= best_d:
                    best, best_d = item, dist
            elif isinstance(item, NodeItem) and item.isVisible() and item.contains(item.mapFromScene(pos)):
                nodes.append(item)
            elif isinstance(item, GroupItem) and item.collapsed and item.isVisible() and item.rect.contains(pos):
                nodes.append(item)  # a collapsed block's body: one of the ports it shows
        if best is None and nodes and nodes[0] is not self.port.parentItem():
            ports = nodes[0].ports.values() if isinstance(nodes[0], NodeItem) else nodes[0].ports
            candidates = [p for p in ports if p.is_output != self.port.is_output]
            free = [p for p in candidates if p.state == "ok"]
            best = (free or candidates)[0] if free or candidates else None
        return best

    def dragged_to(self, pos: QPointF) -> bool:
        """Whether the mouse went far enough from the port for this to be a drag, not a click."""
        d = pos - self.start
        return d.x() ** 2 + d.y() ** 2 >= MIN_DRAG ** 2

    def finish(self, pos: QPointF) -> tuple[str, str, str, str] | None:
        """Remove the preview and unlight ports; the wire asked for, if released on a port."""
        target = self.port_at(pos)
        self.scene.removeItem(self.preview)
        for port in self._ports():
            port.set_state("")
        return None if target is None else self._ends(target)
