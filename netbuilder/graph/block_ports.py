"""What a collapsed block shows of its layers: which block hides a node, and the ports on its boundary.

Shared by the canvas (it draws a collapsed block as one box with these ports, and wires drawn to them reach
the layer inside) and the layout (which places a collapsed block as one box of that size).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netbuilder.graph.model import Graph


@dataclass(frozen=True)
class BoundaryPort:
    """A port of a layer inside a block that the collapsed block shows on its edge; ``also``: the other inside
    inputs fed by the same wire source, drawn at this one port (a residual block's branch and skip)."""

    node_id: str
    port: str
    is_output: bool
    also: tuple[tuple[str, str], ...] = ()

    def shows(self, node_id: str, port: str) -> bool:
        return (node_id, port) == (self.node_id, self.port) or (node_id, port) in self.also


def slot_of(slots: list[BoundaryPort], node_id: str, port: str) -> int | None:
    """Which of a collapsed block's ports shows ``port`` of its layer ``node_id``, if any."""
    return next((i for i, p in enumerate(slots) if p.shows(node_id, port)), None)


def collapsed_block_of(graph: Graph, node_id: str) -> str | None:
    """The outermost collapsed block hiding this node, if any."""
    gid, hidden_by = graph.nodes[node_id].group, None
    while gid is not None and gid in graph.groups:
        if graph.groups[gid].collapsed:
            hidden_by = gid
        gid = graph.groups[gid].parent
    return hidden_by


def outermost_block(graph: Graph, node_id: str) -> str | None:
    """The outermost block holding this node (collapsed or not), if any."""
    gid, top, seen = graph.nodes[node_id].group, None, set()
    while gid is not None and gid in graph.groups and gid not in seen:  # `seen`: a damaged file's loop
        seen.add(gid)
        top, gid = gid, graph.groups[gid].parent
    return top


def members_by_block(graph: Graph) -> dict[str, list[str]]:
    """Block id -> its node ids (those of nested blocks included), in one pass over the nodes."""
    members: dict[str, list[str]] = {gid: [] for gid in graph.groups}
    for node in graph.nodes.values():
        gid = node.group
        seen: set[str] = set()
        while gid is not None and gid in graph.groups and gid not in seen:  # `seen`: a damaged file's loop
            seen.add(gid)
            members[gid].append(node.id)
            gid = graph.groups[gid].parent
    return members


def boundary_ports(graph: Graph, members: list[str]) -> tuple[list[BoundaryPort], list[BoundaryPort]]:
    """The block's inputs and outputs, in member then port order: ports wired across its edge (inputs fed by one
    outside source share a port), and ports wired to nothing, which a new wire can reach (optional inputs left
    free, a Sum's spare terms, are not shown)."""
    inside = set(members)
    source: dict[tuple[str, str], tuple[str, str] | None] = {}  # (node, port) -> outside source, None: inside
    wired_out: dict[tuple[str, str], bool] = {}  # (node, port) -> whether any of its wires leaves
    for nid in members:
        for e in graph.edges_into(nid):
            source[(nid, e.target_port)] = (e.source, e.source_port) if e.source not in inside else None
        for e in graph.edges_out_of(nid):
            key = (nid, e.source_port)
            wired_out[key] = wired_out.get(key, False) or e.target not in inside
    ins: list[BoundaryPort] = []
    showing: dict[tuple[str, str], int] = {}  # outside source -> the input port (index in ins) that shows it
    for nid in members:
        for p in graph.nodes[nid].spec.inputs:
            key = (nid, p.name)
            if key not in source:
                if p.required:  # free: a new wire can reach it (a Sum's spare terms are left out)
                    ins.append(BoundaryPort(nid, p.name, False))
                continue
            outside = source[key]
            if outside is None:
                continue
            if outside in showing:  # another input fed by the same wire: drawn at the same port
                i = showing[outside]
                ins[i] = replace(ins[i], also=(*ins[i].also, key))
            else:
                showing[outside] = len(ins)
                ins.append(BoundaryPort(nid, p.name, False))
    outs = [BoundaryPort(nid, p.name, True) for nid in members for p in graph.nodes[nid].spec.outputs
            if wired_out.get((nid, p.name), True)]
    return ins, outs

