"""Undoable edits. Each command changes the graph model only, through `Graph` methods;
the canvas follows the model's notifications (the orange-canvas-core pattern).

A command that creates things remembers the ids it made, so redo recreates the
very same nodes and wires and later commands in the stack still find them.
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

from PySide6.QtGui import QUndoCommand

from netbuilder.graph.model import Edge, Graph, Group, Node, new_id
from netbuilder.graph.serialize import paste_fragment

Position = tuple[float, float]


class AddNode(QUndoCommand):
    """Add one layer from the palette."""

    def __init__(self, graph: Graph, layer_type: str, position: Position, name: str | None = None) -> None:
        super().__init__(f"Add {layer_type}")
        self.graph, self.layer_type, self.position, self.name = graph, layer_type, position, name
        self.node: Node | None = None

    def redo(self) -> None:
        if self.node is None:
            self.node = copy.deepcopy(self.graph.add_node(self.layer_type, self.position, name=self.name))
        else:
            self.graph.insert_node(copy.deepcopy(self.node))

    def undo(self) -> None:
        self.graph.remove_node(self.node.id)

    @property
    def node_id(self) -> str:
        return self.node.id


class RemoveNodes(QUndoCommand):
    """Delete nodes; undo puts them and every wire they had back."""

    def __init__(self, graph: Graph, node_ids: Iterable[str]) -> None:
        ids = list(node_ids)
        super().__init__(f"Delete {len(ids)} layer{'s' * (len(ids) != 1)}")
        self.graph, self.ids = graph, ids
        self.nodes: list[Node] = []
        self.edges: dict[str, Edge] = {}

    def redo(self) -> None:
        self.nodes, self.edges = [], {}
        for nid in self.ids:
            node, edges = self.graph.remove_node(nid)
            self.nodes.append(copy.deepcopy(node))
            self.edges.update((e.id, e) for e in edges)

    def undo(self) -> None:
        for node in self.nodes:
            self.graph.insert_node(copy.deepcopy(node))
        for edge in self.edges.values():
            # The wires were in the graph before, broken or not, so they go back unchecked.
            self.graph.insert_edge(edge, checked=False)


class Connect(QUndoCommand):
    """A new wire; construct it only after `Graph.check_connect` accepted it."""

    def __init__(self, graph: Graph, source: str, source_port: str, target: str, target_port: str) -> None:
        super().__init__("Connect")
        self.graph = graph
        self.edge = Edge(new_id("e"), source, source_port, target, target_port)

    def redo(self) -> None:
        e = self.edge
        self.graph.connect(e.source, e.source_port, e.target, e.target_port, edge_id=e.id)

    def undo(self) -> None:
        self.graph.disconnect(self.edge.id)


class Disconnect(QUndoCommand):
    def __init__(self, graph: Graph, edge_id: str) -> None:
        super().__init__("Delete wire")
        self.graph, self.edge = graph, graph.edges[edge_id]

    def redo(self) -> None:
        self.graph.disconnect(self.edge.id)

    def undo(self) -> None:
        self.graph.insert_edge(self.edge, checked=False)


class SetParam(QUndoCommand):
    """One parameter value; typing into the same field merges into one undo step."""

    ID = 1001

    def __init__(self, graph: Graph, node_id: str, name: str, value: Any) -> None:
        super().__init__(f"Set {name}")
        self.graph, self.node_id, self.name, self.value = graph, node_id, name, value
        self.old: Any = None
        self._done = False

    def redo(self) -> None:
        old = self.graph.set_param(self.node_id, self.name, self.value)
        if not self._done:  # the value before the first edit is the one undo restores
            self.old, self._done = old, True

    def undo(self) -> None:
        self.graph.set_param(self.node_id, self.name, self.old)

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParam) or (other.graph, other.node_id, other.name) != (
                self.graph, self.node_id, self.name):
            return False
        self.value = other.value
        return True


class SetOptions(QUndoCommand):
    """Trainable / initialisation options of a node."""

    def __init__(self, graph: Graph, node_id: str, **options: Any) -> None:
        super().__init__("Change options")
        node = graph.nodes[node_id]
        self.graph, self.node_id, self.new = graph, node_id, options
        self.old = {k: getattr(node, k) for k in options}

    def redo(self) -> None:
        self.graph.set_options(self.node_id, **self.new)

    def undo(self) -> None:
        self.graph.set_options(self.node_id, **self.old)


class Rename(QUndoCommand):
    """Rename a node; build it only after the name was checked (Graph.rename raises ValueError)."""

    def __init__(self, graph: Graph, node_id: str, name: str) -> None:
        super().__init__(f"Rename to {name}")
        self.graph, self.node_id, self.name = graph, node_id, name
        self.old = graph.nodes[node_id].name

    def redo(self) -> None:
        self.graph.rename(self.node_id, self.name)

    def undo(self) -> None:
        self.graph.rename(self.node_id, self.old)


class MoveNodes(QUndoCommand):
    """A whole drag (or an auto-layout) as one step."""

    def __init__(self, graph: Graph, moves: dict[str, tuple[Position, Position]], text: str = "Move") -> None:
        super().__init__(text)
        self.graph, self.moves = graph, moves

    def redo(self) -> None:
        for nid, (_, new) in self.moves.items():
            self.graph.move(nid, new)

    def undo(self) -> None:
        for nid, (old, _) in self.moves.items():
            self.graph.move(nid, old)


class Paste(QUndoCommand):
    """Insert a copied fragment (paste, duplicate, a block from the palette) with fresh ids."""

    def __init__(self, graph: Graph, fragment: dict[str, Any], offset: Position, text: str = "Paste") -> None:
        super().__init__(text)
        self.graph, self.fragment, self.offset = graph, fragment, offset
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def redo(self) -> None:
        if not self.nodes:
            ids = paste_fragment(self.graph, self.fragment, self.offset)
            self.nodes = [copy.deepcopy(self.graph.nodes[i]) for i in ids]
            self.edges = [e for e in self.graph.edges.values() if e.source in ids and e.target in ids]
            return
        for node in self.nodes:
            self.graph.insert_node(copy.deepcopy(node))
        for edge in self.edges:
            self.graph.insert_edge(edge, checked=False)

    def undo(self) -> None:
        for node in reversed(self.nodes):
            self.graph.remove_node(node.id)

    @property
    def node_ids(self) -> list[str]:
        return [n.id for n in self.nodes]


class GroupNodes(QUndoCommand):
    """Put nodes into a new named block."""

    def __init__(self, graph: Graph, name: str, node_ids: Iterable[str]) -> None:
        super().__init__(f"Group as {name}")
        self.graph, self.name, self.ids = graph, name, list(node_ids)
        self.group_id = new_id("g")

    def redo(self) -> None:
        self.before = {i: self.graph.nodes[i].group for i in self.ids}
        self.graph.add_group(self.name, self.ids, group_id=self.group_id)

    def undo(self) -> None:
        self.graph.remove_group(self.group_id)
        # Layers gathered from different blocks go back to the block each came from.
        for node_id, group_id in self.before.items():
            if self.graph.nodes[node_id].group != group_id:
                self.graph.set_group(node_id, group_id)


class Ungroup(QUndoCommand):
    """Dissolve a block; undo rebuilds it with the same id, parent, members and sub-blocks."""

    def __init__(self, graph: Graph, group_id: str) -> None:
        group = graph.groups[group_id]
        super().__init__(f"Ungroup {group.name}")
        self.graph, self.group = graph, copy.copy(group)
        self.members: list[str] = []
        self.children = [g.id for g in graph.groups.values() if g.parent == group_id]

    def redo(self) -> None:
        _, self.members = self.graph.remove_group(self.group.id)

    def undo(self) -> None:
        g: Group = self.group
        if not self.members:  # a block with no layers of its own cannot go through add_group
            return
        self.graph.add_group(g.name, self.members, group_id=g.id, parent=g.parent)
        for child in self.children:
            # No Graph method re-parents a block; set it and announce it through update_group.
            self.graph.groups[child].parent = g.id
            self.graph.update_group(child)
        if g.collapsed:
            self.graph.update_group(g.id, collapsed=True)


class UpdateGroup(QUndoCommand):
    """Rename a block or collapse / expand it."""

    def __init__(self, graph: Graph, group_id: str, *, name: str | None = None,
                 collapsed: bool | None = None) -> None:
        group = graph.groups[group_id]
        text = "Rename block" if name is not None else ("Collapse block" if collapsed else "Expand block")
        super().__init__(text)
        self.graph, self.group_id = graph, group_id
        self.new = {"name": name, "collapsed": collapsed}
        self.old = {"name": group.name if name is not None else None,
                    "collapsed": group.collapsed if collapsed is not None else None}

    def redo(self) -> None:
        self.graph.update_group(self.group_id, **self.new)

    def undo(self) -> None:
        self.graph.update_group(self.group_id, **self.old)
