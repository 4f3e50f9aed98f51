"""An undo history of the window's own edit objects (netbuilder.graph.edits), without Qt.

`EditSession` applies each edit to a graph and keeps the applied ones, so the
fuzzers can interleave undo (``revert``) and redo (``apply`` again) with new
edits exactly as the window's undo stack does, through the same edit classes.

An edit that the model refuses in its normal way (`ConnectionRefused`, a bad
name, an unknown parameter) is recorded as refused; anything else escaping
from the model is a bug and propagates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from netbuilder.graph import ConnectionRefused, Edge, Graph, Node
from netbuilder.graph import edits as ed
from netbuilder.graph.model import new_id
from netbuilder.graph.serialize import graph_to_dict

# The refusals each edit documents; anything else is a crash of the model.
REFUSALS: dict[type[ed.GraphEdit], tuple[type[BaseException], ...]] = {
    ed.Connect: (ConnectionRefused,),
    ed.Rename: (ValueError,),
    ed.SetParam: (KeyError,),  # a parameter the layer does not have
    ed.SetOptions: (ValueError,),  # an unknown initialisation
    ed.GroupNodes: (ValueError,),  # no nodes selected
    ed.Paste: (ConnectionRefused,),  # a copied loop or doubled input (from a broken graph)
}


@dataclass
class InsertWire(ed.GraphEdit):
    """A wire put in as is, even one the graph would refuse (a loop, a doubled input), as a damaged or
    hand-edited file brings in. Not a window edit: it stands for what only a file can do."""

    edge: Edge

    @property
    def text(self) -> str:
        return "Insert wire"

    def apply(self, target: Graph) -> None:
        target.insert_edge(self.edge, checked=False)

    def revert(self, target: Graph) -> None:
        target.disconnect(self.edge.id)


@dataclass
class EditSession:
    """A graph plus its history of edits; counts what was applied and what the model refused."""

    graph: Graph
    done: list[ed.GraphEdit] = field(default_factory=list)
    undone: list[ed.GraphEdit] = field(default_factory=list)
    applied: int = 0
    refused: int = 0

    # ---- history ----------------------------------------------------------------------
    def do(self, edit: ed.GraphEdit) -> bool:
        """Apply ``edit`` as a new step (dropping what was undone); False when the model refused it."""
        try:
            edit.apply(self.graph)
        except Exception as exc:  # sorted into refusals and crashes
            if not isinstance(exc, REFUSALS.get(type(edit), ())):
                raise
            self.refused += 1
            return False
        self.done.append(edit)
        self.undone.clear()
        self.applied += 1
        return True

    def undo(self) -> bool:
        if not self.done:
            return False
        edit = self.done.pop()
        edit.revert(self.graph)
        self.undone.append(edit)
        return True

    def redo(self) -> bool:
        if not self.undone:
            return False
        edit = self.undone.pop()
        edit.apply(self.graph)
        self.done.append(edit)
        return True

    def undo_all(self) -> None:
        while self.undo():
            pass

    def redo_all(self) -> None:
        while self.redo():
            pass

    # ---- edits (the interface graph_fuzz drives; tests/reliability/qt_session.py has the same) -------
    def add_node(self, layer_type: str, params: dict[str, Any] | None = None, name: str | None = None,
                 position: tuple[float, float] = (0.0, 0.0)) -> Node:
        add = ed.AddNode(layer_type, position, name, params)
        self.do(add)
        return self.graph.nodes[add.node_id]

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> Edge | None:
        wire = ed.Connect(source, source_port, target, target_port)
        return wire.edge if self.do(wire) else None

    def disconnect(self, edge_id: str) -> None:
        self.do(ed.Disconnect(edge_id))

    def remove_node(self, node_id: str) -> None:
        self.do(ed.RemoveNodes([node_id]))

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        self.do(ed.SetParam(node_id, name, value))

    def rename(self, node_id: str, name: str) -> None:
        self.do(ed.Rename(node_id, name))

    def move(self, node_id: str, position: tuple[float, float]) -> None:
        old = self.graph.nodes[node_id].position
        self.do(ed.MoveNodes({node_id: (old, (float(position[0]), float(position[1])))}))

    def set_options(self, node_id: str, **options: Any) -> None:
        self.do(ed.SetOptions(node_id, options))

    def add_group(self, name: str, node_ids: Iterable[str]) -> None:
        self.do(ed.GroupNodes(name, list(node_ids)))

    def remove_group(self, group_id: str) -> None:
        """Dissolve a block; undo rebuilds it (same id, parent, children)."""
        self.do(ed.Ungroup(group_id))

    def paste(self, node_ids: Iterable[str], offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Copy the nodes and the wires between them, and paste them as new nodes (copy + paste)."""
        before = (set(self.graph.nodes), set(self.graph.edges))
        paste = ed.Paste(self.graph.fragment(node_ids), offset)
        if not self.do(paste):
            if (set(self.graph.nodes), set(self.graph.edges)) != before:
                raise AssertionError("a refused paste left nodes or wires behind")
            return []
        return paste.node_ids

    def insert_broken_wire(self, source: str, source_port: str, target: str, target_port: str) -> None:
        """A wire the graph would refuse (a loop, a doubled input), as a damaged or hand-edited file brings in."""
        self.do(InsertWire(Edge(new_id("e"), source, source_port, target, target_port)))

    def collapse_group(self, group_id: str, collapsed: bool) -> None:
        self.do(ed.UpdateGroup(group_id, collapsed=collapsed))


def snapshot(graph: Graph) -> dict[str, Any]:
    """The graph as its file stores it, with nodes, wires and groups in a stable order (for comparisons)."""
    data = graph_to_dict(graph)
    return {key: sorted(data[key], key=lambda d: d["id"]) for key in data}


def mirror_problems(graph: Graph) -> list[str]:
    """Ways the networkx mirror disagrees with the nodes and wires (empty when in step)."""
    problems = []
    if set(graph.nx.nodes) != set(graph.nodes):
        problems.append(f"nx nodes {sorted(graph.nx.nodes)} != nodes {sorted(graph.nodes)}")
    keys = {k for _, _, k in graph.nx.edges(keys=True)}
    if keys != set(graph.edges):
        problems.append(f"nx edge keys {sorted(keys)} != edges {sorted(graph.edges)}")
    for e in graph.edges.values():
        if e.source not in graph.nodes or e.target not in graph.nodes:
            problems.append(f"wire {e.id} joins a node that is not in the graph")
    for n in graph.nodes.values():
        if n.group is not None and n.group not in graph.groups:
            problems.append(f"node {n.name} is in a group {n.group!r} that does not exist")
    return problems
