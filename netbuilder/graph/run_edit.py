"""A recorded run's networks and settings put back into the project as one undoable edit (pure Python).

"Restore this run's network and settings" in the Runs panel pushes a `RestoreRun`
through the window's undo stack like any other edit (`netbuilder.graph.edits`):
each graph is emptied and refilled through its own methods, so the canvas
follows the model, and one Undo puts the project back as it was.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from netbuilder.graph.edits import Edit, SettingsState
from netbuilder.graph.model import Graph, Group
from netbuilder.graph.project import Project
from netbuilder.graph.serialize import graph_from_dict, graph_to_dict
from netbuilder.graph.settings import DatasetSettings, TrainingSettings
from netbuilder.graph.settings import from_dict as settings_from_dict


def put_graph(target: Graph, source: Graph) -> None:
    """Make ``target`` hold what ``source`` holds (same ids, names, places, blocks, wires) through ``target``'s
    own methods, so every view of it follows.

    A block with no layers in it at all cannot be made (a block is made from its layers) and is left out.
    """
    for node_id in list(target.nodes):
        target.remove_node(node_id)  # and its wires
    for group_id in list(target.groups):
        target.remove_group(group_id)
    for node in source.nodes.values():
        fresh = copy.deepcopy(node)
        fresh.group = None  # blocks are made below, parents first, and take their layers then
        target.insert_node(fresh)
    for group in _parents_first(source):
        members = [n.id for n in source.nodes.values() if n.group == group.id] or source.group_members(group.id)
        if not members:
            continue
        parent = group.parent if group.parent in target.groups else None
        target.add_group(group.name, members, group_id=group.id, parent=parent)
        if group.collapsed:
            target.update_group(group.id, collapsed=True)
    for edge in source.edges.values():
        target.insert_edge(edge, checked=False)  # a recorded network may be broken: validation says so


def _parents_first(graph: Graph) -> list[Group]:
    order: list[Group] = []
    placed: set[str | None] = {None}
    pending = list(graph.groups.values())
    while pending:
        ready = [g for g in pending if g.parent in placed or g.parent not in graph.groups]
        if not ready:  # a loop of parents (a damaged file): the rest go in as they are
            ready = pending
        order += ready
        placed |= {g.id for g in ready}
        pending = [g for g in pending if g.id not in placed]
    return order


@dataclass
class RestoreRun(Edit[Project]):
    """Set a project's networks and its data-set and training settings to those a run recorded, as one step.

    ``graphs`` are the recorded networks (``graph_to_dict`` per graph), ``dataset`` and ``training`` the recorded
    settings (``settings.to_dict``). The project must have the same graphs by name (the window shows one
    canvas per graph); a record it cannot use raises ValueError from ``apply`` before anything changed.
    """

    label: str
    graphs: dict[str, dict[str, Any]]
    dataset: dict[str, Any]
    training: dict[str, Any]
    before_graphs: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    before: SettingsState | None = field(default=None, init=False)

    @property
    def text(self) -> str:
        return self.label

    def apply(self, target: Project) -> None:
        graphs, settings = self._parsed(target, self.graphs, self.dataset, self.training)
        if self.before is None:
            self.before_graphs = {name: graph_to_dict(g) for name, g in target.graphs.items()}
            self.before = SettingsState.of(target)
        self._put(target, graphs, settings)

    def revert(self, target: Project) -> None:
        before = self.before
        if before is None:
            raise RuntimeError("the edit has not been applied yet, so it has nothing to take back")
        graphs = {name: graph_from_dict(d, name, f"graphs.{name}") for name, d in self.before_graphs.items()}
        self._put(target, graphs, before)

    @staticmethod
    def _parsed(target: Project, graphs: dict[str, Any], dataset: dict[str, Any],
                training: dict[str, Any]) -> tuple[dict[str, Graph], SettingsState]:
        if set(graphs) != set(target.graphs):
            raise ValueError(f"the run trained the graph(s) {', '.join(sorted(graphs)) or 'none'}; this project "
                             f"has {', '.join(sorted(target.graphs))} — restore it in a project with the same graphs")
        parsed = {name: graph_from_dict(d, name, f"graphs.{name}") for name, d in graphs.items()}
        return parsed, SettingsState(settings_from_dict(DatasetSettings, dataset, "dataset"),
                                     settings_from_dict(TrainingSettings, training, "training"))

    @staticmethod
    def _put(target: Project, graphs: dict[str, Graph], settings: SettingsState) -> None:
        settings.put(target)  # first: the graphs' views re-check against the data as each graph changes
        for name, graph in graphs.items():
            put_graph(target.graphs[name], graph)
