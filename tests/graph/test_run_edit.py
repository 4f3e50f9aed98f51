"""Restoring a run's networks and settings is one undoable edit of the project (netbuilder.graph.run_edit)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netbuilder.graph.project import Project, load_project
from netbuilder.graph.run_edit import RestoreRun
from netbuilder.graph.serialize import graph_to_dict
from netbuilder.graph.settings import to_dict

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def iris() -> Project:
    return load_project(EXAMPLES / "mlp_iris.nbproj")


def snapshot(project: Project) -> str:
    """The project as its file stores it, independent of the order things were (re)inserted in."""
    data = project.to_dict()
    for graph in data["graphs"].values():
        for key in ("nodes", "edges", "groups"):
            graph[key] = sorted(graph.get(key, []), key=lambda d: d["id"])
    return json.dumps(data, sort_keys=True)


def recorded(project: Project) -> RestoreRun:
    """The edit that restores ``project`` as it is now (what a run of it records)."""
    return RestoreRun("Restore run", {n: graph_to_dict(g) for n, g in project.graphs.items()},
                      to_dict(project.dataset), to_dict(project.training))


def trained_then_changed() -> tuple[Project, RestoreRun]:
    """A project trained with a block of two layers (collapsed) in a block, lr 0.01; then changed."""
    project = iris()
    graph = project.main_graph
    outer = graph.add_group("outer", [graph.node_named(n).id for n in ("hidden1", "hidden2", "relu2")])
    graph.add_group("inner", [graph.node_named(n).id for n in ("hidden2", "relu2")], parent=outer.id)
    graph.update_group(outer.id, collapsed=True)
    project.training.learning_rate = 0.01
    edit = recorded(project)
    graph.set_param(graph.node_named("hidden1").id, "out_features", 64)
    graph.remove_node(graph.node_named("hidden2").id)
    graph.remove_group(outer.id)
    graph.add_node("Dropout", (10.0, 10.0), name="extra")
    project.training.learning_rate = 0.3
    project.dataset.val_fraction = 0.4
    return project, edit


def test_restoring_puts_back_the_recorded_network_and_settings_and_one_revert_takes_it_back():
    project, edit = trained_then_changed()
    before = snapshot(project)
    edit.apply(project)
    after = snapshot(project)
    graph = project.main_graph
    assert graph.node_named("hidden1").params["out_features"] != 64 and graph.node_named("extra") is None
    assert graph.node_named("hidden2") is not None and project.training.learning_rate == 0.01
    edit.revert(project)
    assert snapshot(project) == before
    edit.apply(project)
    assert snapshot(project) == after


def test_blocks_come_back_nested_and_collapsed_as_recorded():
    project, edit = trained_then_changed()
    edit.apply(project)
    graph = project.main_graph
    groups = {g.name: g for g in graph.groups.values()}
    assert set(groups) == {"outer", "inner"} and groups["outer"].collapsed
    assert groups["inner"].parent == groups["outer"].id
    assert graph.node_named("hidden2").group == groups["inner"].id
    assert graph.node_named("hidden1").group == groups["outer"].id


def test_the_canvas_hears_every_change_through_the_graphs_events():
    project, edit = trained_then_changed()
    heard: list[str] = []
    events = project.main_graph.events
    for signal in (events.node_added, events.node_removed, events.edge_added, events.group_added):
        signal.connect(lambda *_, name=signal.name: heard.append(name))
    edit.apply(project)
    assert {"node_added", "node_removed", "edge_added", "group_added"} <= set(heard)


def test_a_run_of_other_graphs_is_refused_before_anything_changes():
    project = iris()
    other = RestoreRun("Restore run", {"generator": {"nodes": []}, "discriminator": {"nodes": []}},
                       to_dict(project.dataset), to_dict(project.training))
    before = snapshot(project)
    with pytest.raises(ValueError, match="generator"):
        other.apply(project)
    assert snapshot(project) == before


def test_a_damaged_record_is_refused_before_anything_changes():
    project = iris()
    edit = recorded(project)
    edit.graphs["model"]["nodes"][0]["type"] = "NoSuchLayer"
    project.training.learning_rate = 0.5
    before = snapshot(project)
    with pytest.raises(ValueError):
        edit.apply(project)
    assert snapshot(project) == before
