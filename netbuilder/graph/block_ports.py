"""What a collapsed block shows of its layers: which block hides a node, and the ports on its boundary.

Shared by the canvas (it draws a collapsed block as one box with these ports, and wires drawn to them reach
the layer inside) and the layout (which places a collapsed block as one box of that size).
"""

from __future__ import annotations

from dataclasses import dataclass

from netbuilder.graph.model import Graph


@dataclass(frozen=True)
class BoundaryPort:
    """A port of a layer inside a block that the collapsed block shows on its edge."""

    node_id: str
    port: str
    is_output: bool


def collapsed_block_of(graph: Graph, node_id: str) -> str | None:
    """The outermost collapsed block hiding this node, if any."""
    gid, hidden_by = graph.nodes[node_id].group, None
    while gid is not None and gid in graph.groups:
        if graph.groups[gid].collapsed:
            hidden_by = gid
        gid = graph.groups[gid].parent
    return hidden_by


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
    """The block's inputs and outputs, in member then port order: ports wired across its edge, and ports wired
    to nothing (a new wire can reach those; optional inputs left free, a Sum's spare terms, are not shown)."""
    inside = set(members)
    wired_in: dict[tuple[str, str], bool] = {}  # (node, port) -> whether its wire comes from outside
    wired_out: dict[tuple[str, str], bool] = {}  # (node, port) -> whether any of its wires leaves
    for nid in members:
        for e in graph.edges_into(nid):
            wired_in[(nid, e.target_port)] = e.source not in inside
        for e in graph.edges_out_of(nid):
            key = (nid, e.source_port)
            wired_out[key] = wired_out.get(key, False) or e.target not in inside
    ins: list[BoundaryPort] = []
    outs: list[BoundaryPort] = []
    for nid in members:
        spec = graph.nodes[nid].spec
        ins += [BoundaryPort(nid, p.name, False) for p in spec.inputs if wired_in.get((nid, p.name), p.required)]
        outs += [BoundaryPort(nid, p.name, True) for p in spec.outputs if wired_out.get((nid, p.name), True)]
    return ins, outs
