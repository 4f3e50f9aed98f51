"""A search trial's values as one undoable edit of a project (pure Python: no torch, no Qt).

`trial_edit` turns the values a search chose into an `ApplyTrial`: a list of
the ordinary edits of `netbuilder.graph.edits` (settings, parameter values),
plus two that only a search needs: `ReplaceLayer` (an activation swapped for
another) and `RepeatBlock` (copies of a block wired in a row). The search
trains a copy of the project changed by exactly this edit, and "Apply this
trial" pushes the same edit onto the window's undo stack, so what is applied
is what was trained, and one Undo takes it all back.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from netbuilder.graph.catalog import get_spec
from netbuilder.graph.edits import (ChangeSettings, Connect, Disconnect, Edit, GraphEdit, GroupNodes, MoveNodes,
                                    Paste, SetParam, SettingsState)
from netbuilder.graph.model import Edge, Graph, Node
from netbuilder.graph.project import Project, project_from_dict
from netbuilder.graph.search_space import (ACTIVATION, DROPOUT, REPEAT, SETTING, WIDTH, WIDTH_PARAMS, SearchSpace)

BLOCK_GAP = 160.0  # canvas units between a block and its next copy


@dataclass
class ReplaceLayer(GraphEdit):
    """Swap a node's layer type (an activation for another), keeping its id, name, place and wires."""

    node_id: str
    layer_type: str
    old: Node | None = field(default=None, init=False)
    edges: list[Edge] = field(default_factory=list, init=False)

    @property
    def text(self) -> str:
        return f"Make it {self.layer_type}"

    def apply(self, target: Graph) -> None:
        node = target.nodes[self.node_id]
        new_spec, old_spec = get_spec(self.layer_type), node.spec
        if [p.name for p in new_spec.inputs] != [p.name for p in old_spec.inputs] or \
                [p.name for p in new_spec.outputs] != [p.name for p in old_spec.outputs]:
            raise ValueError(f"{node.name}: a {node.type} cannot become a {self.layer_type} (other ports)")
        old, self.edges = target.remove_node(self.node_id)
        self.old = copy.deepcopy(old)
        new = Node(old.id, self.layer_type, old.name, new_spec.defaults(), old.position, old.trainable, old.init,
                   old.init_std, old.group)
        target.insert_node(new)
        for edge in self.edges:
            target.insert_edge(edge, checked=False)

    def revert(self, target: Graph) -> None:
        if self.old is None:
            raise RuntimeError("the edit has not been applied yet")
        target.remove_node(self.node_id)
        target.insert_node(copy.deepcopy(self.old))
        for edge in self.edges:
            target.insert_edge(edge, checked=False)


@dataclass
class RepeatBlock(GraphEdit):
    """Make ``count`` copies of a block in a row (counting the block itself), each wired into the next.

    The block must be a link of a chain: every wire into it comes from one output, and every wire out
    of it leaves from one output of one of its layers. The layers after it move right to make room.
    """

    group_id: str
    count: int
    steps: list[GraphEdit] = field(default_factory=list, init=False)

    @property
    def text(self) -> str:
        return f"Repeat block {self.count}×"

    def apply(self, target: Graph) -> None:
        if self.steps:
            for step in self.steps:
                step.apply(target)
            return
        if self.count <= 1:
            return
        members = set(target.group_members(self.group_id))
        inbound = [e for m in members for e in target.edges_into(m) if e.source not in members]
        outbound = [e for m in members for e in target.edges_out_of(m) if e.target not in members]
        name = target.groups[self.group_id].name
        sources = {(e.source, e.source_port) for e in inbound}
        exits = {(e.source, e.source_port) for e in outbound}
        if len(sources) != 1 or len(exits) != 1:
            raise ValueError(f"block {name} cannot be repeated: it must take one input and give one output "
                             "(one wire in from one layer, wires out from one of its layers)")
        (exit_node, exit_port), = exits
        fragment = target.fragment(members)
        xs = [target.nodes[m].position[0] for m in members]
        dx = max(xs) - min(xs) + BLOCK_GAP
        try:
            self._build(target, fragment, inbound, outbound, (exit_node, exit_port), dx, name, members)
        except BaseException:
            self.revert(target)
            self.steps = []
            raise

    def _build(self, target: Graph, fragment: dict[str, Any], inbound: list[Edge], outbound: list[Edge],
               exit_: tuple[str, str], dx: float, name: str, members: set[str]) -> None:
        after = _downstream(target, [e.target for e in outbound]) - members
        shift = dx * (self.count - 1)
        self._do(target, MoveNodes({n: (target.nodes[n].position, (target.nodes[n].position[0] + shift,
                                                                    target.nodes[n].position[1])) for n in after},
                                   "Make room"))
        for edge in outbound:
            self._do(target, Disconnect(edge.id))
        order = [n["id"] for n in fragment["nodes"]]
        previous = exit_
        for i in range(1, self.count):
            paste = self._do(target, Paste(fragment, (dx * i, 0.0), f"Copy of {name}"))
            copies = dict(zip(order, paste.node_ids))
            for edge in inbound:
                self._do(target, Connect(previous[0], previous[1], copies[edge.target], edge.target_port))
            previous = (copies[exit_[0]], exit_[1])
            self._do(target, GroupNodes(f"{name}_{i + 1}", paste.node_ids))
        for edge in outbound:
            self._do(target, Connect(previous[0], previous[1], edge.target, edge.target_port))

    def _do(self, target: Graph, step: Any) -> Any:
        step.apply(target)
        self.steps.append(step)
        return step

    def revert(self, target: Graph) -> None:
        for step in reversed(self.steps):
            step.revert(target)


def _downstream(graph: Graph, starts: list[str]) -> set[str]:
    seen, pending = set(starts), list(starts)
    while pending:
        for edge in graph.edges_out_of(pending.pop()):
            if edge.target not in seen:
                seen.add(edge.target)
                pending.append(edge.target)
    return seen


@dataclass
class ApplyTrial(Edit[Project]):
    """Several edits of a project as one undo step; each is a (graph name, edit) pair, "" for the project.

    All or nothing: when one step is refused, the steps already made are taken back before the error
    propagates.
    """

    label: str
    steps: list[tuple[str, Edit[Any]]]

    @property
    def text(self) -> str:
        return self.label

    def _target(self, project: Project, graph: str) -> Any:
        return project.graphs[graph] if graph else project

    def apply(self, target: Project) -> None:
        done: list[tuple[str, Edit[Any]]] = []
        try:
            for graph, edit in self.steps:
                edit.apply(self._target(target, graph))
                done.append((graph, edit))
        except BaseException:
            for graph, edit in reversed(done):
                edit.revert(self._target(target, graph))
            raise

    def revert(self, target: Project) -> None:
        for graph, edit in reversed(self.steps):
            edit.revert(self._target(target, graph))

    @property
    def empty(self) -> bool:
        return not self.steps


def trial_edit(project: Project, space: SearchSpace, values: dict[str, Any], label: str = "Apply trial") -> ApplyTrial:
    """The edit that sets ``project`` to ``values`` (parameter name -> value); names missing from ``values``
    and values the project already has are left alone. Widths, rates and activations come before block
    repeats, so every copy of a block has the block's new values."""
    steps: list[tuple[str, Edit[Any]]] = []
    before = SettingsState.of(project)
    after = SettingsState.of(project)
    repeats: list[tuple[str, Edit[Any]]] = []
    for p in space.params:
        if p.name not in values:
            continue
        value = values[p.name]
        graph_name = p.graph or project.main_graph_name
        if p.kind == SETTING:
            kind = type(getattr(after.training, p.target))
            setattr(after.training, p.target, kind(value))
            continue
        graph = project.graphs[graph_name]
        if p.kind in (WIDTH, DROPOUT):
            node = graph.nodes[p.target]
            param = WIDTH_PARAMS[node.type] if p.kind == WIDTH else "p"
            new = int(value) if p.kind == WIDTH else float(value)
            if node.values()[param] != new:
                steps.append((graph_name, SetParam(node.id, param, new)))
        elif p.kind == ACTIVATION:
            if graph.nodes[p.target].type != value:
                steps.append((graph_name, ReplaceLayer(p.target, str(value))))
        elif p.kind == REPEAT and int(value) > 1:
            repeats.append((graph_name, RepeatBlock(p.target, int(value))))
    if after != before:
        steps.insert(0, ("", ChangeSettings(before, after, "search trial")))
    return ApplyTrial(label, steps + repeats)


def copy_project(project: Project) -> Project:
    """A deep copy through the file form (same node ids), at the same path."""
    other = project_from_dict(project.to_dict())
    other.path = project.path
    return other


def trial_project(project: Project, space: SearchSpace, values: dict[str, Any]) -> Project:
    """A copy of ``project`` with the trial's values applied (ValueError when the structure refuses them)."""
    other = copy_project(project)
    trial_edit(other, space, values).apply(other)
    return other
