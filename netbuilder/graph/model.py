"""The network as data: `Graph`, `Node`, `Edge`, `Group`.

Every change goes through a `Graph` method, which checks it, applies it,
keeps the networkx mirror in step and announces it on ``graph.events``. A
view (the canvas) and undo commands only ever call these methods.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from netbuilder.graph.catalog import CATALOG, LayerSpec, get_spec
from netbuilder.graph.events import GraphEvents

INIT_CHOICES = ("default", "xavier", "kaiming", "normal")


def new_id(prefix: str) -> str:
    """A stable, unique, readable id such as ``n-3f2a9c1b0d4e``."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass
class Node:
    """One layer on the canvas."""

    id: str
    type: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)
    trainable: bool = True
    init: str = "default"  # weight initialisation: one of INIT_CHOICES
    init_std: float = 0.02  # σ for init == "normal"
    group: str | None = None

    @property
    def spec(self) -> LayerSpec:
        """The catalog entry of the node's type (KeyError for a type the catalog does not know)."""
        return get_spec(self.type)

    def values(self) -> dict[str, Any]:
        """Parameter values with catalog defaults filled in."""
        return self.spec.resolved(self.params)


@dataclass(frozen=True)
class Edge:
    """A wire from an output port of one node to an input port of another."""

    id: str
    source: str
    source_port: str
    target: str
    target_port: str


@dataclass
class Group:
    """A named block of nodes; ``parent`` nests it in another group."""

    id: str
    name: str
    collapsed: bool = False
    parent: str | None = None


class ConnectionRefused(ValueError):
    """A wire the graph will not accept; the message says why and what to do."""


class Graph:
    """A directed acyclic graph of layers, and the only place a network is stored."""

    def __init__(self, name: str = "model") -> None:
        self.name = name
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.groups: dict[str, Group] = {}
        self.events = GraphEvents()
        self.nx = nx.MultiDiGraph()
        self.revision = 0  # bumped on every change that can alter shapes or diagnostics
        self.analysis_cache: dict[str, tuple[int, Any]] = {}  # purpose -> (revision, Analysis)
        # name -> node id, valid at the revision it was built for: loading 100,000 nodes must not
        # search every name for each new node (see `_name_index`).
        self._names_at: tuple[int, dict[str, str]] | None = None

    # ---- queries ---------------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def node_named(self, name: str) -> Node | None:
        node = self.nodes.get(self._name_index().get(name, ""))
        return node if node is not None and node.name == name else None

    def _name_index(self) -> dict[str, str]:
        """name -> node id; rebuilt after any change but the insertion of one node, which updates it."""
        if self._names_at is None or self._names_at[0] != self.revision:
            self._names_at = (self.revision, {n.name: n.id for n in self.nodes.values()})
        return self._names_at[1]

    def edges_into(self, node_id: str) -> list[Edge]:
        return [self.edges[k] for _, _, k in self.nx.in_edges(node_id, keys=True)]

    def edges_out_of(self, node_id: str) -> list[Edge]:
        return [self.edges[k] for _, _, k in self.nx.out_edges(node_id, keys=True)]

    def edges_of(self, node_id: str) -> list[Edge]:
        """Every edge touching the node, once each (a wire from a node to itself is listed once)."""
        into = self.edges_into(node_id)
        return into + [e for e in self.edges_out_of(node_id) if e.target != node_id]

    def edge_into(self, node_id: str, port: str) -> Edge | None:
        return next((e for e in self.edges_into(node_id) if e.target_port == port), None)

    def creates_cycle(self, source: str, target: str) -> bool:
        return source == target or nx.has_path(self.nx, target, source)

    def check_connect(self, source: str, source_port: str, target: str, target_port: str) -> None:
        """Raise ConnectionRefused with a user-facing reason if this wire is not allowed."""
        for nid in (source, target):
            if nid not in self.nodes:
                raise ConnectionRefused(f"there is no node {nid!r}")
        src, dst = self.nodes[source], self.nodes[target]
        if src.spec.output_port(source_port) is None:
            raise ConnectionRefused(f"{src.type} '{src.name}' has no output port {source_port!r}")
        if dst.spec.input_port(target_port) is None:
            raise ConnectionRefused(f"{dst.type} '{dst.name}' has no input port {target_port!r}")
        if source == target:
            raise ConnectionRefused(f"'{src.name}' cannot feed itself — networks here flow one way")
        if self.edge_into(target, target_port) is not None:
            raise ConnectionRefused(f"the {target_port!r} port of '{dst.name}' already has a wire — "
                                    "disconnect it first, or use an Add/Concatenate to merge two inputs")
        if self.creates_cycle(source, target):
            path = nx.shortest_path(self.nx, target, source)
            loop = " → ".join(self.nodes[n].name for n in [*path, target])
            raise ConnectionRefused(f"wiring '{src.name}' into '{dst.name}' would make a loop ({loop}) — "
                                    "networks here must flow one way; recurrence lives inside RNN/LSTM/GRU layers")

    def can_connect(self, source: str, source_port: str, target: str, target_port: str) -> bool:
        try:
            self.check_connect(source, source_port, target, target_port)
        except ConnectionRefused:
            return False
        return True

    def unique_name(self, base: str) -> str:
        """``base`` made into an identifier not used by another node (``conv2d``, ``conv2d_2``, ...)."""
        # ASCII only, as `rename` demands: a name becomes a Python attribute and an ONNX name.
        stem = re.sub(r"[^A-Za-z0-9_]+", "_", base.strip()).strip("_").lower() or "node"
        if stem[0].isdigit():
            stem = f"n_{stem}"
        taken = {n.name for n in self.nodes.values()}
        if stem not in taken:
            return stem
        stem = re.sub(r"_\d+$", "", stem)
        i = 1
        while f"{stem}_{i}" in taken:
            i += 1
        return f"{stem}_{i}"

    def topological_order(self) -> list[str]:
        return list(nx.topological_sort(self.nx))

    # ---- nodes -------------------------------------------------------------------------
    def add_node(self, layer_type: str, position: tuple[float, float] = (0.0, 0.0), *, name: str | None = None,
                 params: dict[str, Any] | None = None, node_id: str | None = None) -> Node:
        spec = get_spec(layer_type)
        given = {k: list(v) if isinstance(v, tuple) else v for k, v in (params or {}).items()}  # as set_param
        node = Node(id=node_id or new_id("n"), type=layer_type,
                    name=self.unique_name(name or f"{spec.type}_1"),
                    params={**spec.defaults(), **given}, position=(position[0], position[1]))
        return self.insert_node(node)

    def insert_node(self, node: Node) -> Node:
        """Add a fully formed node (undo of a delete, paste, file load)."""
        if node.id in self.nodes:
            raise ValueError(f"a node with id {node.id!r} already exists")
        if node.type not in CATALOG:
            raise KeyError(f"unknown layer type {node.type!r}")
        names = self._name_index()
        if node.name in names:
            node.name = self.unique_name(node.name)
        if node.group is not None and node.group not in self.groups:
            node.group = None
        self.nodes[node.id] = node
        self.nx.add_node(node.id)
        self._changed()
        names[node.name] = node.id
        self._names_at = (self.revision, names)  # still true after this one insertion
        self.events.node_added.emit(node)
        self.events.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, list[Edge]]:
        """Remove a node and its wires; returns both so an undo can put them back."""
        node = self.nodes[node_id]
        removed = [self.disconnect(e.id) for e in self.edges_of(node_id)]
        del self.nodes[node_id]
        self.nx.remove_node(node_id)
        self._changed()
        self.events.node_removed.emit(node)
        self.events.changed.emit()
        return node, removed

    def set_param(self, node_id: str, name: str, value: Any) -> Any:
        """Set one parameter; range problems become diagnostics, not exceptions. Returns the old value."""
        node = self.nodes[node_id]
        spec = node.spec.param(name)  # KeyError for a parameter the layer does not have
        old = node.params.get(name, spec.default)
        node.params[name] = list(value) if isinstance(value, tuple) else value
        self._node_changed(node, "params")
        return old

    def rename(self, node_id: str, name: str) -> str:
        node = self.nodes[node_id]
        clean = name.strip()
        if not clean:
            raise ValueError("a node needs a name")
        if not re.fullmatch(r"[A-Za-z_]\w*", clean):
            raise ValueError(f"{clean!r} is not a valid name: use letters, digits and _ and start with a letter "
                             "(it becomes a Python attribute and an ONNX name)")
        other = self.node_named(clean)
        if other is not None and other.id != node_id:
            raise ValueError(f"another node is already called {clean!r}")
        old, node.name = node.name, clean
        self._node_changed(node, "name")
        return old

    def move(self, node_id: str, position: tuple[float, float]) -> tuple[float, float]:
        node = self.nodes[node_id]
        old, node.position = node.position, (float(position[0]), float(position[1]))
        self._node_changed(node, "position")
        return old

    def set_options(self, node_id: str, *, trainable: bool | None = None, init: str | None = None,
                    init_std: float | None = None) -> None:
        node = self.nodes[node_id]
        if init is not None and init not in INIT_CHOICES:
            raise ValueError(f"initialisation must be one of {', '.join(INIT_CHOICES)}")
        if trainable is not None:
            node.trainable = bool(trainable)
        if init is not None:
            node.init = init
        if init_std is not None:
            node.init_std = float(init_std)
        self._node_changed(node, "options")

    # ---- edges -------------------------------------------------------------------------
    def connect(self, source: str, source_port: str, target: str, target_port: str, *,
                edge_id: str | None = None) -> Edge:
        self.check_connect(source, source_port, target, target_port)
        return self.insert_edge(Edge(edge_id or new_id("e"), source, source_port, target, target_port))

    def insert_edge(self, edge: Edge, *, checked: bool = True) -> Edge:
        """Add a wire as is. ``checked=False`` lets a file hold a broken graph, which validation reports."""
        if checked:
            self.check_connect(edge.source, edge.source_port, edge.target, edge.target_port)
        self.edges[edge.id] = edge
        self.nx.add_edge(edge.source, edge.target, key=edge.id)
        self._changed()
        self.events.edge_added.emit(edge)
        self.events.changed.emit()
        return edge

    def disconnect(self, edge_id: str) -> Edge:
        edge = self.edges.pop(edge_id)
        self.nx.remove_edge(edge.source, edge.target, key=edge_id)
        self._changed()
        self.events.edge_removed.emit(edge)
        self.events.changed.emit()
        return edge

    # ---- groups ------------------------------------------------------------------------
    def add_group(self, name: str, node_ids: Iterable[str], *, group_id: str | None = None,
                  parent: str | None = None) -> Group:
        """Put nodes into a new named block (nested inside the block they were in, if any)."""
        ids = list(node_ids)
        if not ids:
            raise ValueError("select at least one node to group")
        if parent is None:
            parents = {self.nodes[i].group for i in ids}
            parent = parents.pop() if len(parents) == 1 else None
        group = Group(group_id or new_id("g"), name.strip() or "block", parent=parent)
        self.groups[group.id] = group
        self._changed()
        self.events.group_added.emit(group)
        for i in ids:
            self.set_group(i, group.id)
        self.events.changed.emit()
        return group

    def set_group(self, node_id: str, group_id: str | None) -> str | None:
        node = self.nodes[node_id]
        if group_id is not None and group_id not in self.groups:
            raise KeyError(f"no group {group_id!r}")
        old, node.group = node.group, group_id
        self._node_changed(node, "group")
        return old

    def remove_group(self, group_id: str) -> tuple[Group, list[str]]:
        """Dissolve a block: its nodes (and sub-blocks) move to the block around it."""
        group = self.groups[group_id]
        members = [n.id for n in self.nodes.values() if n.group == group_id]
        for nid in members:
            self.set_group(nid, group.parent)
        for g in self.groups.values():
            if g.parent == group_id:
                g.parent = group.parent
        del self.groups[group_id]
        self._changed()
        self.events.group_removed.emit(group)
        self.events.changed.emit()
        return group, members

    def update_group(self, group_id: str, *, name: str | None = None, collapsed: bool | None = None) -> None:
        group = self.groups[group_id]
        if name is not None:
            group.name = name.strip() or group.name
        if collapsed is not None:
            group.collapsed = collapsed
        self._changed()
        self.events.group_changed.emit(group)
        self.events.changed.emit()

    def group_members(self, group_id: str) -> list[str]:
        """Node ids in a block, including those of blocks nested in it."""
        inside = {group_id}
        grew = True
        while grew:
            more = {g.id for g in self.groups.values() if g.parent in inside} - inside
            inside |= more
            grew = bool(more)
        return [n.id for n in self.nodes.values() if n.group in inside]

    # ---- copying -----------------------------------------------------------------------
    def fragment(self, node_ids: Iterable[str]) -> dict[str, Any]:
        """The selected nodes and the wires between them, as plain data (copy, block templates)."""
        ids = set(node_ids)
        from netbuilder.graph.serialize import edge_to_dict, node_to_dict
        return {"nodes": [node_to_dict(self.nodes[i]) for i in self.nodes if i in ids],
                "edges": [edge_to_dict(e) for e in self.edges.values() if e.source in ids and e.target in ids]}

    def clone(self) -> Graph:
        """A deep copy with the same ids and no subscribers (training works on one)."""
        other = Graph(self.name)
        other.nodes = copy.deepcopy(self.nodes)
        other.edges = dict(self.edges)
        other.groups = copy.deepcopy(self.groups)
        other.nx = self.nx.copy()
        other.revision = self.revision
        other.analysis_cache = {}
        return other

    # ---- notifications -----------------------------------------------------------------
    def _changed(self) -> None:
        self.revision += 1

    def _node_changed(self, node: Node, what: str) -> None:
        # Moving or regrouping a node cannot change shapes or diagnostics, so it leaves the
        # revision (and with it the analysis cache) alone: drags stay cheap on big graphs.
        if what not in ("position", "group"):
            self._changed()
        self.events.node_changed.emit(node, what)
        self.events.changed.emit()
