"""Undo commands on their own: each changes the graph only, and undo/redo round-trip exactly."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from netbuilder.graph.model import Graph
from netbuilder.ui import commands as cmd
from tests.ui.test_editing import canonical


def chain(n: int = 4) -> Graph:
    g = Graph("model")
    prev = g.add_node("Input", params={"kind": "tabular", "features": 4}, name="x")
    for i in range(n - 1):
        node = g.add_node("Linear", (230.0 * (i + 1), 0.0), name=f"fc{i}")
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    return g


def round_trip(stack: QUndoStack, graph: Graph, command) -> None:
    before = canonical(graph)
    stack.push(command)
    after = canonical(graph)
    stack.undo()
    assert canonical(graph) == before
    stack.redo()
    assert canonical(graph) == after


def test_remove_nodes_undo_restores_every_wire(qapp):
    g, stack = chain(), QUndoStack()
    middle = [g.node_named("fc0").id, g.node_named("fc1").id]
    round_trip(stack, g, cmd.RemoveNodes(g, middle))
    assert len(g.nodes) == 2 and not g.edges


def test_paste_redo_recreates_the_same_ids(qapp):
    g, stack = chain(), QUndoStack()
    paste = cmd.Paste(g, g.fragment(list(g.nodes)[:2]), (0.0, 200.0))
    stack.push(paste)
    ids = paste.node_ids
    stack.undo()
    assert not set(ids) & set(g.nodes)
    stack.redo()
    assert set(ids) <= set(g.nodes) and len(g.edges) == 4


def test_set_param_typing_merges_into_one_step_that_restores_the_first_value(qapp):
    g, stack = chain(), QUndoStack()
    fc = g.node_named("fc0").id
    for value in (1, 12, 128):
        stack.push(cmd.SetParam(g, fc, "out_features", value))
    assert stack.count() == 1 and g.nodes[fc].params["out_features"] == 128
    stack.undo()
    assert g.nodes[fc].params["out_features"] == 64


def test_ungroup_undo_rebuilds_a_nested_block_with_its_sub_block(qapp):
    g, stack = chain(5), QUndoStack()
    outer = cmd.GroupNodes(g, "outer", [g.node_named(n).id for n in ("fc0", "fc1", "fc2")])
    stack.push(outer)
    inner = cmd.GroupNodes(g, "inner", [g.node_named("fc1").id])
    stack.push(inner)
    assert g.groups[inner.group_id].parent == outer.group_id
    round_trip(stack, g, cmd.Ungroup(g, outer.group_id))
    stack.undo()
    assert g.groups[inner.group_id].parent == outer.group_id
    assert sorted(g.group_members(outer.group_id)) == sorted(g.node_named(n).id for n in ("fc0", "fc1", "fc2"))


def test_a_move_command_is_one_step_for_many_nodes(qapp):
    g, stack = chain(), QUndoStack()
    moves = {nid: (g.nodes[nid].position, (g.nodes[nid].position[0], 99.0)) for nid in g.nodes}
    round_trip(stack, g, cmd.MoveNodes(g, moves))
    assert stack.count() == 1 and all(n.position[1] == 99.0 for n in g.nodes.values())
