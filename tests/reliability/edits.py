"""Edits through the `Graph` API with an undo history, as the window's undo commands make them.

The Qt undo stack lives in the UI; here every edit records the inverse
operation the UI command uses (``remove_node`` returns the node and its wires
to re-insert, ``disconnect`` the wire, ``set_param`` the old value ...), so the
fuzzers can interleave undo and redo with edits without Qt.

An edit that the model refuses in its normal way (`ConnectionRefused`, a bad
name, an unknown parameter) is recorded as refused; anything else escaping
from the model is a bug and propagates.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from netbuilder.graph import ConnectionRefused, Edge, Graph, Node, paste_fragment
from netbuilder.graph.model import new_id
from netbuilder.graph.serialize import graph_to_dict

# The refusals each Graph method documents; anything else is a crash of the model.
REFUSALS: dict[str, tuple[type[BaseException], ...]] = {
    "connect": (ConnectionRefused,),
    "rename": (ValueError,),
    "set_param": (KeyError,),  # a parameter the layer does not have
    "set_options": (ValueError,),  # an unknown initialisation
    "add_group": (ValueError,),  # no nodes selected
    "paste": (ConnectionRefused,),  # a copied loop or doubled input (from a broken graph)
}


@dataclass
class Step:
    """One applied edit and how to take it back and do it again."""

    name: str
    undo: Callable[[], None]
    redo: Callable[[], None]


@dataclass
class EditSession:
    """A graph plus its undo/redo history; counts what was applied and what the model refused."""

    graph: Graph
    done: list[Step] = field(default_factory=list)
    undone: list[Step] = field(default_factory=list)
    applied: int = 0
    refused: int = 0

    # ---- history ----------------------------------------------------------------------
    def _push(self, step: Step) -> None:
        self.done.append(step)
        self.undone.clear()
        self.applied += 1

    def _refused(self, op: str, exc: BaseException) -> None:
        if not isinstance(exc, REFUSALS.get(op, ())):
            raise exc
        self.refused += 1

    def undo(self) -> bool:
        if not self.done:
            return False
        step = self.done.pop()
        step.undo()
        self.undone.append(step)
        return True

    def redo(self) -> bool:
        if not self.undone:
            return False
        step = self.undone.pop()
        step.redo()
        self.done.append(step)
        return True

    def undo_all(self) -> None:
        while self.undo():
            pass

    def redo_all(self) -> None:
        while self.redo():
            pass

    # ---- edits ------------------------------------------------------------------------
    def add_node(self, layer_type: str, params: dict[str, Any] | None = None, name: str | None = None,
                 position: tuple[float, float] = (0.0, 0.0)) -> Node:
        g = self.graph
        node = copy.deepcopy(g.add_node(layer_type, position, name=name, params=params))
        self._push(Step(f"add {layer_type}", lambda: g.remove_node(node.id),
                        lambda: g.insert_node(copy.deepcopy(node))))
        return g.nodes[node.id]

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> Edge | None:
        g = self.graph
        try:
            edge = g.connect(source, source_port, target, target_port)
        except Exception as exc:  # noqa: BLE001 - sorted into refusals and crashes
            self._refused("connect", exc)
            return None
        self._push(Step("connect", lambda: g.disconnect(edge.id), lambda: g.insert_edge(edge, checked=False)))
        return edge

    def disconnect(self, edge_id: str) -> None:
        g = self.graph
        edge = g.disconnect(edge_id)
        self._push(Step("disconnect", lambda: g.insert_edge(edge, checked=False), lambda: g.disconnect(edge.id)))

    def remove_node(self, node_id: str) -> None:
        g = self.graph
        node, edges = g.remove_node(node_id)
        kept = copy.deepcopy(node)

        def undo() -> None:
            g.insert_node(copy.deepcopy(kept))
            for e in edges:  # they were in the graph before, broken or not
                g.insert_edge(e, checked=False)

        self._push(Step(f"remove {node.type}", undo, lambda: g.remove_node(node_id)))

    def set_param(self, node_id: str, name: str, value: Any) -> None:
        g = self.graph
        try:
            old = g.set_param(node_id, name, value)
        except Exception as exc:  # noqa: BLE001
            self._refused("set_param", exc)
            return
        new = g.nodes[node_id].params[name]
        self._push(Step(f"set {name}", lambda: g.set_param(node_id, name, old),
                        lambda: g.set_param(node_id, name, new)))

    def rename(self, node_id: str, name: str) -> None:
        g = self.graph
        try:
            old = g.rename(node_id, name)
        except Exception as exc:  # noqa: BLE001
            self._refused("rename", exc)
            return
        new = g.nodes[node_id].name
        self._push(Step("rename", lambda: g.rename(node_id, old), lambda: g.rename(node_id, new)))

    def move(self, node_id: str, position: tuple[float, float]) -> None:
        g = self.graph
        old = g.move(node_id, position)
        new = g.nodes[node_id].position
        self._push(Step("move", lambda: g.move(node_id, old), lambda: g.move(node_id, new)))

    def set_options(self, node_id: str, **options: Any) -> None:
        g = self.graph
        node = g.nodes[node_id]
        old = {"trainable": node.trainable, "init": node.init, "init_std": node.init_std}
        try:
            g.set_options(node_id, **options)
        except Exception as exc:  # noqa: BLE001
            self._refused("set_options", exc)
            return
        new = {"trainable": node.trainable, "init": node.init, "init_std": node.init_std}
        self._push(Step("options", lambda: g.set_options(node_id, **old), lambda: g.set_options(node_id, **new)))

    def add_group(self, name: str, node_ids: Iterable[str]) -> None:
        g = self.graph
        ids = list(node_ids)
        before = {nid: g.nodes[nid].group for nid in ids}
        try:
            group = g.add_group(name, ids)
        except Exception as exc:  # noqa: BLE001
            self._refused("add_group", exc)
            return
        kept = copy.copy(group)

        def undo() -> None:
            # Not just remove_group: that moves the members to the new block's parent, while some of
            # them may have come from another block (the UI's GroupNodes.undo has this flaw).
            g.remove_group(kept.id)
            for nid, was in before.items():
                g.set_group(nid, was)

        self._push(Step("group", undo, lambda: g.add_group(kept.name, ids, group_id=kept.id, parent=kept.parent)))

    def remove_group(self, group_id: str) -> None:
        """Dissolve a block; undo rebuilds it as the UI's Ungroup command does (same id, parent, children)."""
        g = self.graph
        kept = copy.copy(g.groups[group_id])
        children = [x.id for x in g.groups.values() if x.parent == group_id]
        _, members = g.remove_group(group_id)

        def undo() -> None:
            g.add_group(kept.name, members, group_id=kept.id, parent=kept.parent)
            for child in children:  # no Graph method re-parents a block (the UI command does the same)
                g.groups[child].parent = kept.id
                g.update_group(child)
            if kept.collapsed:
                g.update_group(kept.id, collapsed=True)

        self._push(Step("ungroup", undo, lambda: g.remove_group(group_id)))

    def paste(self, node_ids: Iterable[str], offset: tuple[float, float] = (40.0, 40.0)) -> list[str]:
        """Copy the nodes and the wires between them, and paste them as new nodes (copy + paste)."""
        g = self.graph
        fragment = g.fragment(node_ids)
        before = (set(g.nodes), set(g.edges))
        try:
            ids = paste_fragment(g, fragment, offset)
        except Exception as exc:  # noqa: BLE001
            if (set(g.nodes), set(g.edges)) != before:
                raise AssertionError("a refused paste left nodes or wires behind") from exc
            self._refused("paste", exc)
            return []
        nodes = [copy.deepcopy(g.nodes[i]) for i in ids]
        edges = [e for e in g.edges.values() if e.source in ids and e.target in ids]

        def redo() -> None:
            for node in nodes:
                g.insert_node(copy.deepcopy(node))
            for e in edges:
                g.insert_edge(e, checked=False)

        self._push(Step("paste", lambda: [g.remove_node(i) for i in reversed(ids)], redo))
        return ids

    def insert_broken_wire(self, source: str, source_port: str, target: str, target_port: str) -> None:
        """A wire the graph would refuse (a loop, a doubled input), as a damaged or hand-edited file brings in."""
        g = self.graph
        edge = g.insert_edge(Edge(new_id("e"), source, source_port, target, target_port), checked=False)
        self._push(Step("broken wire", lambda: g.disconnect(edge.id), lambda: g.insert_edge(edge, checked=False)))

    def collapse_group(self, group_id: str, collapsed: bool) -> None:
        g = self.graph
        old = g.groups[group_id].collapsed
        g.update_group(group_id, collapsed=collapsed)
        self._push(Step("collapse", lambda: g.update_group(group_id, collapsed=old),
                        lambda: g.update_group(group_id, collapsed=collapsed)))


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
