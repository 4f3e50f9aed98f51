"""Edits as plain data (netbuilder.graph.edits): apply, revert and apply again, without Qt.

Each kind of edit must leave the graph exactly as it was when reverted, and
exactly as the first apply left it when applied again (same ids), because the
window's undo stack and the test histories replay them that way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from netbuilder.graph import ConnectionRefused, Graph
from netbuilder.graph import edits as ed
from netbuilder.graph.project import Project
from netbuilder.graph.serialize import graph_to_dict
from tests.graph.builders import classifier


def snapshot(graph: Graph) -> dict[str, Any]:
    """The graph as its file stores it, independent of the order things were (re)inserted in."""
    data = graph_to_dict(graph)
    return {key: sorted(data[key], key=lambda d: d["id"]) for key in data}


def assert_round_trip(graph: Graph, edit: ed.GraphEdit) -> None:
    before = snapshot(graph)
    edit.apply(graph)
    after = snapshot(graph)
    assert after != before, "the edit changed nothing"
    edit.revert(graph)
    assert snapshot(graph) == before
    edit.apply(graph)
    assert snapshot(graph) == after


def grouped(graph: Graph, name: str, *node_names: str) -> ed.GroupNodes:
    edit = ed.GroupNodes(name, [graph.node_named(n).id for n in node_names])
    edit.apply(graph)
    return edit


# One case per kind of graph edit: a graph to start from, and the edit to make on it.
CASES: dict[str, Callable[[Graph, dict[str, str]], ed.GraphEdit]] = {
    "add node": lambda g, ids: ed.AddNode("Dropout", (10.0, 20.0), name="drop", params={"p": 0.3}),
    "remove nodes with their wires": lambda g, ids: ed.RemoveNodes([ids["fc1"], ids["act"]]),
    "connect": lambda g, ids: ed.Connect(ids["act"], "out", g.add_node("Tanh").id, "in"),
    "disconnect": lambda g, ids: ed.Disconnect(g.edge_into(ids["act"], "in").id),
    "set parameter": lambda g, ids: ed.SetParam(ids["fc1"], "out_features", 32),
    "set options": lambda g, ids: ed.SetOptions(ids["fc1"], {"trainable": False, "init": "normal",
                                                             "init_std": 0.1}),
    "rename": lambda g, ids: ed.Rename(ids["fc1"], "hidden"),
    "move": lambda g, ids: ed.MoveNodes({ids["x"]: ((0.0, 0.0), (50.0, 60.0)),
                                         ids["fc1"]: ((0.0, 0.0), (300.0, 60.0))}),
    "paste": lambda g, ids: ed.Paste(g.fragment([ids["fc1"], ids["act"]]), (0.0, 200.0)),
    "group": lambda g, ids: ed.GroupNodes("stem", [ids["fc1"], ids["act"]]),
    "ungroup": lambda g, ids: ed.Ungroup(grouped(g, "stem", "fc1", "act").group_id),
    "rename block": lambda g, ids: ed.UpdateGroup(grouped(g, "stem", "fc1").group_id, name="trunk"),
    "collapse block": lambda g, ids: ed.UpdateGroup(grouped(g, "stem", "fc1").group_id, collapsed=True),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_edit_reverts_to_the_graph_before_and_applies_again_to_the_same_graph(kind: str) -> None:
    graph, ids = classifier()
    assert_round_trip(graph, CASES[kind](graph, ids))


def test_a_node_added_again_after_revert_keeps_its_id_so_later_edits_still_find_it() -> None:
    graph = Graph()
    add = ed.AddNode("ReLU")
    add.apply(graph)
    rename = ed.Rename(add.node_id, "act")
    rename.apply(graph)
    for edit in (rename, add):
        edit.revert(graph)
    for edit in (add, rename):
        edit.apply(graph)
    assert graph.nodes[add.node_id].name == "act"


def test_a_paste_applied_again_recreates_the_same_nodes_and_wires() -> None:
    graph, ids = classifier()
    paste = ed.Paste(graph.fragment([ids["x"], ids["fc1"]]), (0.0, 100.0))
    paste.apply(graph)
    made = set(paste.node_ids)
    wires = {e.id for e in graph.edges.values() if e.source in made}
    paste.revert(graph)
    assert not made & set(graph.nodes)
    paste.apply(graph)
    assert made <= set(graph.nodes) and wires <= set(graph.edges)


def test_reverting_a_grouping_puts_each_layer_back_in_the_block_it_came_from() -> None:
    graph, ids = classifier()
    outer = grouped(graph, "outer", "fc1")
    inner = ed.GroupNodes("inner", [ids["fc1"], ids["act"]])
    inner.apply(graph)
    inner.revert(graph)
    assert (graph.nodes[ids["fc1"]].group, graph.nodes[ids["act"]].group) == (outer.group_id, None)


def test_reverting_an_ungroup_rebuilds_the_block_with_its_sub_blocks_and_collapsed_state() -> None:
    graph, ids = classifier()
    outer = grouped(graph, "outer", "fc1", "act", "fc2")
    inner = grouped(graph, "inner", "act")
    graph.update_group(outer.group_id, collapsed=True)
    ungroup = ed.Ungroup(outer.group_id)
    ungroup.apply(graph)
    ungroup.revert(graph)
    assert graph.groups[inner.group_id].parent == outer.group_id and graph.groups[outer.group_id].collapsed
    assert sorted(graph.group_members(outer.group_id)) == sorted(ids[n] for n in ("fc1", "act", "fc2"))


def test_values_typed_into_one_field_merge_into_one_edit_that_reverts_to_the_first_value() -> None:
    graph, ids = classifier()
    first = ed.SetParam(ids["fc1"], "out_features", 1)
    first.apply(graph)
    for value in (12, 128):
        later = ed.SetParam(ids["fc1"], "out_features", value)
        later.apply(graph)
        assert first.merge_with(later)
    first.revert(graph)
    assert graph.nodes[ids["fc1"]].params["out_features"] == 8
    first.apply(graph)
    assert graph.nodes[ids["fc1"]].params["out_features"] == 128


def test_edits_of_different_fields_or_kinds_do_not_merge() -> None:
    graph, ids = classifier()
    edit = ed.SetParam(ids["fc1"], "out_features", 4)
    assert not edit.merge_with(ed.SetParam(ids["fc2"], "out_features", 4))
    assert not edit.merge_with(ed.SetParam(ids["fc1"], "bias", False))
    assert not edit.merge_with(ed.Rename(ids["fc1"], "other"))
    assert not ed.Rename(ids["fc1"], "a").merge_with(ed.Rename(ids["fc1"], "b"))


@pytest.mark.parametrize("make", [
    lambda g, ids: ed.Connect(ids["x"], "out", ids["fc1"], "in"),  # the input already has a wire
    lambda g, ids: ed.Connect(ids["fc2"], "out", ids["fc1"], "in"),  # a loop (and a doubled input)
    lambda g, ids: ed.Rename(ids["fc1"], "act"),  # taken
    lambda g, ids: ed.Rename(ids["fc1"], "2fast"),  # not an identifier
    lambda g, ids: ed.SetParam(ids["fc1"], "no_such_parameter", 1),
    lambda g, ids: ed.SetOptions(ids["fc1"], {"init": "bogus"}),
    lambda g, ids: ed.GroupNodes("empty", []),
], ids=["doubled input", "loop", "taken name", "bad name", "unknown parameter", "unknown init", "empty group"])
def test_an_edit_the_model_refuses_raises_and_changes_nothing(make: Callable[[Graph, dict[str, str]],
                                                                             ed.GraphEdit]) -> None:
    graph, ids = classifier()
    before = snapshot(graph)
    with pytest.raises((ConnectionRefused, ValueError, KeyError)):
        make(graph, ids).apply(graph)
    assert snapshot(graph) == before


def test_undo_menu_texts_name_what_the_edit_did() -> None:
    graph, ids = classifier()
    ungroup = ed.Ungroup(grouped(graph, "stem", "fc1").group_id)
    ungroup.apply(graph)
    texts = [ed.AddNode("Conv2d").text, ed.RemoveNodes(["a", "b"]).text, ed.SetParam("n", "p", 1).text,
             ed.Rename("n", "fc").text, ed.UpdateGroup("g", collapsed=True).text, ungroup.text]
    assert texts == ["Add Conv2d", "Delete 2 layers", "Set p", "Rename to fc", "Collapse block", "Ungroup stem"]


# ---- settings --------------------------------------------------------------------------------------
def settings_change(project: Project, setting: str, **training: Any) -> ed.ChangeSettings:
    before, after = ed.SettingsState.of(project), ed.SettingsState.of(project)
    for key, value in training.items():
        setattr(after.training, key, value)
    return ed.ChangeSettings(before, after, setting)


def test_a_settings_change_reverts_to_the_settings_before_and_applies_again() -> None:
    project = Project("p", {"model": classifier()[0]})
    change = settings_change(project, "learning_rate", learning_rate=0.5)
    change.apply(project)
    assert project.training.learning_rate == 0.5
    change.revert(project)
    assert project.training.learning_rate == 1e-3
    change.apply(project)
    assert project.training.learning_rate == 0.5 and change.text == "Change learning rate"


def test_settings_changes_of_one_setting_merge_and_of_another_do_not() -> None:
    project = Project("p", {"model": classifier()[0]})
    first = settings_change(project, "epochs", epochs=2)
    first.apply(project)
    second = settings_change(project, "epochs", epochs=20)
    second.apply(project)
    assert first.merge_with(second)
    assert not first.merge_with(settings_change(project, "batch size", batch_size=8))
    first.revert(project)
    assert project.training.epochs == 10


def test_a_project_holds_no_settings_object_that_an_edit_keeps() -> None:
    project = Project("p", {"model": classifier()[0]})
    change = settings_change(project, "epochs", epochs=3)
    change.apply(project)
    project.training.epochs = 99  # a later direct change must not leak into the recorded state
    change.revert(project)
    change.apply(project)
    assert project.training.epochs == 3
