"""Expanding a collapsed block in a laid-out graph pushes aside what its frame would cover, and nothing else."""

from __future__ import annotations

from netbuilder.graph.grouping import group_imported
from netbuilder.graph.layout import auto_layout
from netbuilder.graph.room import Box, _bounds, _node_box, room_to_expand
from tests.graph.nets import residual_net


def _laid_out():
    graph, paths = residual_net(14, paths=True)
    group_imported(graph, paths)  # 75 nodes: collapsed
    auto_layout(graph)
    return graph


def _frame(graph, gid) -> Box:
    b = _bounds([_node_box(graph, n) for n in graph.group_members(gid)])
    return Box(b.left - 14, b.top - 38, b.right + 14, b.bottom + 14)


def test_the_frame_of_an_expanded_block_covers_no_other_box_after_making_room():
    graph = _laid_out()
    gid = list(graph.groups)[5]
    for nid, pos in room_to_expand(graph, gid).items():
        graph.move(nid, pos)
    graph.update_group(gid, collapsed=False)
    frame = _frame(graph, gid)
    others = set(graph.nodes) - set(graph.group_members(gid))
    hidden = {n for g in graph.groups if g != gid for n in graph.group_members(g)}
    assert not any(frame.meets(_node_box(graph, n)) for n in others - hidden)
    for other in set(graph.groups) - {gid}:  # each other collapsed block: a box at its layers' corner
        corner = _bounds([_node_box(graph, n) for n in graph.group_members(other)])
        assert not frame.meets(Box(corner.left, corner.top, corner.left + 150, corner.top + 68))


def test_a_block_with_room_around_it_moves_nothing():
    graph = _laid_out()
    gid = list(graph.groups)[5]
    for nid, pos in room_to_expand(graph, gid).items():
        graph.move(nid, pos)
    assert room_to_expand(graph, gid) == {}  # expanded, collapsed and expanded again: the room is still there
