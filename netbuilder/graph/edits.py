"""Undoable edits as plain data: one small class per kind of change a user makes.

An `Edit` changes a `Graph` (or, for the settings, a `Project`) only through
their public methods, so every view follows through the graph's events.
``apply`` makes the change and, the first time, records what ``revert`` needs;
``revert`` takes it back; applying again after a revert gives the very same
result (an edit that creates nodes, wires or blocks keeps their ids, so later
edits in a history still find them). ``merge_with`` folds a later edit of the
same field into this one (typing a value digit by digit is one undo step).

The window wraps each edit in one generic `QUndoCommand` (`netbuilder.ui.commands`);
tests and scripts keep a history of edits without Qt.

An edit the model refuses raises from ``apply`` before anything changed (a
refused wire, a bad name, an unknown parameter or initialisation, an empty
group, a damaged paste); the window checks first and never pushes those.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from netbuilder.graph.model import Edge, Graph, Group, Node, new_id
from netbuilder.graph.project import Project
from netbuilder.graph.serialize import paste_fragment
from netbuilder.graph.settings import DatasetSettings, TrainingSettings

Position = tuple[float, float]
T = TypeVar("T")


class Edit(ABC, Generic[T]):
    """One undoable step on a ``T`` (a `Graph`, or a `Project` for settings)."""

    merges: ClassVar[bool] = False  # whether merge_with can ever say yes (the Qt adapter asks only then)

    @property
    @abstractmethod
    def text(self) -> str:
        """What the step is called in the Undo / Redo menu entries."""

    @abstractmethod
    def apply(self, target: T) -> None:
        """Make the change (again)."""

    @abstractmethod
    def revert(self, target: T) -> None:
        """Take the change back; only called after ``apply``."""

    def merge_with(self, other: Edit[Any]) -> bool:
        """Absorb ``other`` (applied right after this edit, on the same target) into this step."""
        return False


class GraphEdit(Edit[Graph]):
    """An edit of one graph."""


def _recorded(value: T | None, what: str) -> T:
    if value is None:
        raise RuntimeError(f"the edit has not been applied yet, so it has no {what}")
    return value


# ---- nodes ---------------------------------------------------------------------------------------
@dataclass
class AddNode(GraphEdit):
    """Add one layer (from the palette, a drop, a script)."""

    layer_type: str
    position: Position = (0.0, 0.0)
    name: str | None = None
    params: dict[str, Any] | None = None
    node: Node | None = field(default=None, init=False)  # the node as first made: redo puts this one back

    @property
    def text(self) -> str:
        return f"Add {self.layer_type}"

    def apply(self, target: Graph) -> None:
        if self.node is None:
            made = target.add_node(self.layer_type, self.position, name=self.name, params=self.params)
            self.node = copy.deepcopy(made)
        else:
            target.insert_node(copy.deepcopy(self.node))

    def revert(self, target: Graph) -> None:
        target.remove_node(self.node_id)

    @property
    def node_id(self) -> str:
        return _recorded(self.node, "node").id


@dataclass
class RemoveNodes(GraphEdit):
    """Delete nodes; revert puts them and every wire they had back."""

    node_ids: list[str]
    nodes: list[Node] = field(default_factory=list, init=False)
    edges: dict[str, Edge] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.node_ids = list(self.node_ids)  # its own list: a caller's later changes cannot reach it

    @property
    def text(self) -> str:
        n = len(self.node_ids)
        return f"Delete {n} layer{'s' * (n != 1)}"

    def apply(self, target: Graph) -> None:
        self.nodes, self.edges = [], {}
        for nid in self.node_ids:
            node, edges = target.remove_node(nid)
            self.nodes.append(copy.deepcopy(node))
            self.edges.update((e.id, e) for e in edges)

    def revert(self, target: Graph) -> None:
        for node in self.nodes:
            target.insert_node(copy.deepcopy(node))
        for edge in self.edges.values():
            # The wires were in the graph before, broken or not, so they go back unchecked.
            target.insert_edge(edge, checked=False)


@dataclass
class SetParam(GraphEdit):
    """One parameter value; further values for the same field merge into one step."""

    merges: ClassVar[bool] = True

    node_id: str
    name: str
    value: Any
    old: Any = field(default=None, init=False)
    _applied: bool = field(default=False, init=False, repr=False)

    @property
    def text(self) -> str:
        return f"Set {self.name}"

    def apply(self, target: Graph) -> None:
        old = target.set_param(self.node_id, self.name, self.value)
        if not self._applied:  # the value before the first edit is the one revert restores
            self.old, self._applied = old, True

    def revert(self, target: Graph) -> None:
        target.set_param(self.node_id, self.name, self.old)

    def merge_with(self, other: Edit[Any]) -> bool:
        if not isinstance(other, SetParam) or (other.node_id, other.name) != (self.node_id, self.name):
            return False
        self.value = other.value
        return True


@dataclass
class SetOptions(GraphEdit):
    """A node's trainable / initialisation options (keys: trainable, init, init_std)."""

    node_id: str
    options: dict[str, Any]
    old: dict[str, Any] = field(default_factory=dict, init=False)

    @property
    def text(self) -> str:
        return "Change options"

    def apply(self, target: Graph) -> None:
        node = target.nodes[self.node_id]
        old = {k: getattr(node, k) for k in self.options}
        target.set_options(self.node_id, **self.options)
        self.old = old

    def revert(self, target: Graph) -> None:
        target.set_options(self.node_id, **self.old)


@dataclass
class Rename(GraphEdit):
    """Rename a node (ValueError from apply for an empty, invalid or taken name)."""

    node_id: str
    name: str
    old: str = field(default="", init=False)

    @property
    def text(self) -> str:
        return f"Rename to {self.name}"

    def apply(self, target: Graph) -> None:
        self.old = target.rename(self.node_id, self.name)

    def revert(self, target: Graph) -> None:
        target.rename(self.node_id, self.old)


@dataclass
class MoveNodes(GraphEdit):
    """A whole drag (or an auto-layout) as one step: node id -> (old position, new position)."""

    moves: dict[str, tuple[Position, Position]]
    label: str = "Move"

    @property
    def text(self) -> str:
        return self.label

    def apply(self, target: Graph) -> None:
        for nid, (_, new) in self.moves.items():
            target.move(nid, new)

    def revert(self, target: Graph) -> None:
        for nid, (old, _) in self.moves.items():
            target.move(nid, old)


# ---- wires ---------------------------------------------------------------------------------------
@dataclass
class Connect(GraphEdit):
    """A new wire (ConnectionRefused from apply when the graph will not take it)."""

    source: str
    source_port: str
    target: str
    target_port: str
    edge_id: str = field(default_factory=lambda: new_id("e"))

    @property
    def text(self) -> str:
        return "Connect"

    @property
    def edge(self) -> Edge:
        return Edge(self.edge_id, self.source, self.source_port, self.target, self.target_port)

    def apply(self, target: Graph) -> None:
        target.connect(self.source, self.source_port, self.target, self.target_port, edge_id=self.edge_id)

    def revert(self, target: Graph) -> None:
        target.disconnect(self.edge_id)


@dataclass
class Disconnect(GraphEdit):
    """Delete one wire."""

    edge_id: str
    edge: Edge | None = field(default=None, init=False)

    @property
    def text(self) -> str:
        return "Delete wire"

    def apply(self, target: Graph) -> None:
        self.edge = target.disconnect(self.edge_id)

    def revert(self, target: Graph) -> None:
        target.insert_edge(_recorded(self.edge, "wire"), checked=False)


# ---- copying -------------------------------------------------------------------------------------
@dataclass
class Paste(GraphEdit):
    """Insert a copied fragment (paste, duplicate, a block from the palette) with fresh ids."""

    fragment: dict[str, Any]
    offset: Position = (40.0, 40.0)
    label: str = "Paste"
    nodes: list[Node] = field(default_factory=list, init=False)
    edges: list[Edge] = field(default_factory=list, init=False)

    @property
    def text(self) -> str:
        return self.label

    @property
    def node_ids(self) -> list[str]:
        return [n.id for n in self.nodes]

    def apply(self, target: Graph) -> None:
        if not self.nodes:
            ids = paste_fragment(target, self.fragment, self.offset)  # all or nothing
            self.nodes = [copy.deepcopy(target.nodes[i]) for i in ids]
            self.edges = [e for e in target.edges.values() if e.source in ids and e.target in ids]
            return
        for node in self.nodes:
            target.insert_node(copy.deepcopy(node))
        for edge in self.edges:
            target.insert_edge(edge, checked=False)

    def revert(self, target: Graph) -> None:
        for node in reversed(self.nodes):
            target.remove_node(node.id)


# ---- blocks --------------------------------------------------------------------------------------
@dataclass
class GroupNodes(GraphEdit):
    """Put nodes into a new named block (ValueError from apply when there are none)."""

    name: str
    node_ids: list[str]
    group_id: str = field(default_factory=lambda: new_id("g"))
    before: dict[str, str | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.node_ids = list(self.node_ids)

    @property
    def text(self) -> str:
        return f"Group as {self.name}"

    def apply(self, target: Graph) -> None:
        before = {i: target.nodes[i].group for i in self.node_ids}
        target.add_group(self.name, self.node_ids, group_id=self.group_id)
        self.before = before

    def revert(self, target: Graph) -> None:
        target.remove_group(self.group_id)
        # Layers gathered from different blocks go back to the block each came from.
        for node_id, group_id in self.before.items():
            if target.nodes[node_id].group != group_id:
                target.set_group(node_id, group_id)


@dataclass
class Ungroup(GraphEdit):
    """Dissolve a block; revert rebuilds it with the same id, parent, members and sub-blocks."""

    group_id: str
    group: Group | None = field(default=None, init=False)
    members: list[str] = field(default_factory=list, init=False)
    children: list[str] = field(default_factory=list, init=False)

    @property
    def text(self) -> str:
        return f"Ungroup {self.group.name}" if self.group is not None else "Ungroup"

    def apply(self, target: Graph) -> None:
        self.group = copy.copy(target.groups[self.group_id])
        self.children = [g.id for g in target.groups.values() if g.parent == self.group_id]
        _, self.members = target.remove_group(self.group_id)

    def revert(self, target: Graph) -> None:
        g = _recorded(self.group, "block")
        if not self.members:  # a block with no layers of its own cannot go through add_group
            return
        target.add_group(g.name, self.members, group_id=g.id, parent=g.parent)
        for child in self.children:
            # No Graph method re-parents a block; set it and announce it through update_group.
            target.groups[child].parent = g.id
            target.update_group(child)
        if g.collapsed:
            target.update_group(g.id, collapsed=True)


@dataclass
class UpdateGroup(GraphEdit):
    """Rename a block, or collapse / expand it (None leaves that side as it is)."""

    group_id: str
    name: str | None = None
    collapsed: bool | None = None
    old_name: str | None = field(default=None, init=False)
    old_collapsed: bool | None = field(default=None, init=False)

    @property
    def text(self) -> str:
        if self.name is not None:
            return "Rename block"
        return "Collapse block" if self.collapsed else "Expand block"

    def apply(self, target: Graph) -> None:
        group = target.groups[self.group_id]
        self.old_name = group.name if self.name is not None else None
        self.old_collapsed = group.collapsed if self.collapsed is not None else None
        target.update_group(self.group_id, name=self.name, collapsed=self.collapsed)

    def revert(self, target: Graph) -> None:
        target.update_group(self.group_id, name=self.old_name, collapsed=self.old_collapsed)


# ---- settings ------------------------------------------------------------------------------------
@dataclass
class SettingsState:
    """Both halves of a project's settings, as one value."""

    dataset: DatasetSettings
    training: TrainingSettings

    @classmethod
    def of(cls, project: Project) -> SettingsState:
        return cls(copy.deepcopy(project.dataset), copy.deepcopy(project.training))

    def put(self, project: Project) -> None:
        project.dataset = copy.deepcopy(self.dataset)
        project.training = copy.deepcopy(self.training)


@dataclass
class ChangeSettings(Edit[Project]):
    """Set a project's data-set and training settings to ``after`` (revert: ``before``).

    ``setting`` names what the user edited; consecutive edits of one setting merge into one step.
    """

    merges: ClassVar[bool] = True

    before: SettingsState
    after: SettingsState
    setting: str

    @property
    def text(self) -> str:
        return f"Change {self.setting.replace('_', ' ')}"

    def apply(self, target: Project) -> None:
        self.after.put(target)

    def revert(self, target: Project) -> None:
        self.before.put(target)

    def merge_with(self, other: Edit[Any]) -> bool:
        if not isinstance(other, ChangeSettings) or other.setting != self.setting:
            return False
        self.after = other.after
        return True
