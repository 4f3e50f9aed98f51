"""The window's undo steps: each edit, wrapped in `EditCommand`, round-trips through Qt's undo stack."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from netbuilder.graph import edits
from netbuilder.graph.edits import Edit
from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project
from netbuilder.ui.commands import EditCommand
from tests.ui.test_editing import canonical


def chain(n: int = 4) -> Graph:
    g = Graph("model")
    prev = g.add_node("Input", params={"kind": "tabular", "features": 4}, name="x")
    for i in range(n - 1):
        node = g.add_node("Linear", (230.0 * (i + 1), 0.0), name=f"fc{i}")
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    return g


def push(stack: QUndoStack, graph: Graph, edit: Edit[Graph]) -> None:
    stack.push(EditCommand(edit, graph))


def round_trip(stack: QUndoStack, graph: Graph, edit: Edit[Graph]) -> None:
    before = canonical(graph)
    push(stack, graph, edit)
    after = canonical(graph)
    stack.undo()
    assert canonical(graph) == before
    stack.redo()
    assert canonical(graph) == after


def test_remove_nodes_undo_restores_every_wire(qapp):
    g, stack = chain(), QUndoStack()
    middle = [g.node_named("fc0").id, g.node_named("fc1").id]
    round_trip(stack, g, edits.RemoveNodes(middle))
    assert len(g.nodes) == 2 and not g.edges


def test_paste_redo_recreates_the_same_ids(qapp):
    g, stack = chain(), QUndoStack()
    paste = edits.Paste(g.fragment(list(g.nodes)[:2]), (0.0, 200.0))
    push(stack, g, paste)
    ids = paste.node_ids
    stack.undo()
    assert not set(ids) & set(g.nodes)
    stack.redo()
    assert set(ids) <= set(g.nodes) and len(g.edges) == 4


def test_set_param_typing_merges_into_one_step_that_restores_the_first_value(qapp):
    g, stack = chain(), QUndoStack()
    fc = g.node_named("fc0").id
    for value in (1, 12, 128):
        push(stack, g, edits.SetParam(fc, "out_features", value))
    assert stack.count() == 1 and g.nodes[fc].params["out_features"] == 128
    stack.undo()
    assert g.nodes[fc].params["out_features"] == 64


def test_ungroup_undo_rebuilds_a_nested_block_with_its_sub_block(qapp):
    g, stack = chain(5), QUndoStack()
    outer = edits.GroupNodes("outer", [g.node_named(n).id for n in ("fc0", "fc1", "fc2")])
    push(stack, g, outer)
    inner = edits.GroupNodes("inner", [g.node_named("fc1").id])
    push(stack, g, inner)
    assert g.groups[inner.group_id].parent == outer.group_id
    round_trip(stack, g, edits.Ungroup(outer.group_id))
    stack.undo()
    assert g.groups[inner.group_id].parent == outer.group_id
    assert sorted(g.group_members(outer.group_id)) == sorted(g.node_named(n).id for n in ("fc0", "fc1", "fc2"))


def test_a_move_command_is_one_step_for_many_nodes(qapp):
    g, stack = chain(), QUndoStack()
    moves = {nid: (g.nodes[nid].position, (g.nodes[nid].position[0], 99.0)) for nid in g.nodes}
    round_trip(stack, g, edits.MoveNodes(moves))
    assert stack.count() == 1 and all(n.position[1] == 99.0 for n in g.nodes.values())


def test_set_param_edits_of_two_graphs_never_merge(qapp):
    one, two, stack = chain(), chain(), QUndoStack()
    push(stack, one, edits.SetParam(one.node_named("fc0").id, "out_features", 5))
    push(stack, two, edits.SetParam(two.node_named("fc0").id, "out_features", 5))
    assert stack.count() == 2


def test_the_undo_menu_names_the_block_an_ungroup_dissolved(qapp):
    g, stack = chain(), QUndoStack()
    push(stack, g, edits.GroupNodes("encoder", [g.node_named("fc0").id]))
    push(stack, g, edits.Ungroup(next(iter(g.groups))))
    assert stack.undoText() == "Ungroup encoder"


def test_a_settings_edit_refreshes_whatever_shows_the_settings_on_undo_and_redo(qapp):
    project, stack, shown = Project("p", {"model": chain()}), QUndoStack(), []
    before = edits.SettingsState.of(project)
    after = edits.SettingsState.of(project)
    after.training.epochs = 3
    stack.push(EditCommand(edits.ChangeSettings(before, after, "epochs"), project,
                           lambda: shown.append(project.training.epochs)))
    stack.undo()
    stack.redo()
    assert shown == [3, 10, 3] and stack.undoText() == "Change epochs"
