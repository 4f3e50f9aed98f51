"""Edits through shortcuts and menus: undo/redo, delete, duplicate, copy/paste, blocks, auto-layout."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from netbuilder.graph.serialize import graph_to_dict
from tests.ui.drive import drag, drop, node_point, port_point


def canonical(graph) -> dict:
    """The graph as data, independent of the order nodes and wires were (re)inserted in."""
    d = graph_to_dict(graph)
    return {k: sorted(v, key=lambda item: item["id"]) for k, v in d.items()}


def _key(window, key, modifier=Qt.NoModifier) -> None:
    window.editor().view.setFocus()
    QTest.keyClick(window.editor().view, key, modifier)


def test_every_edit_undoes_and_redoes_step_by_step(make_window, two_layers):
    window = make_window(two_layers)
    editor, graph = window.editor(), window.editor().graph
    states = [canonical(graph)]
    x, fc = graph.node_named("x"), graph.node_named("fc")
    drag(editor, port_point(editor, x.id, "out", True), port_point(editor, fc.id, "in", False))  # wire
    states.append(canonical(graph))
    drag(editor, node_point(editor, fc.id), node_point(editor, fc.id) + QPoint(60, 80))  # move
    states.append(canonical(graph))
    editor.scene.select_nodes([fc.id])
    window.inspector.fields["out_features"].setValue(7)  # parameter
    states.append(canonical(graph))
    editor.add_layer("ReLU")  # add
    states.append(canonical(graph))
    assert window.undo_stack.count() == 4
    for expected in reversed(states[:-1]):
        _key(window, Qt.Key_Z, Qt.ControlModifier)
        assert canonical(graph) == expected
    for expected in states[1:]:
        _key(window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
        assert canonical(graph) == expected
    assert set(editor.scene.node_items) == set(graph.nodes)
    assert set(editor.scene.edge_items) == set(graph.edges)


def test_delete_removes_the_selection_and_undo_restores_its_wires(make_window, cnn):
    window = make_window(cnn)
    graph = window.editor().graph
    before = canonical(graph)
    bn1 = graph.node_named("bn1")
    window.editor().scene.select_nodes([bn1.id])
    _key(window, Qt.Key_Delete)
    assert bn1.id not in graph.nodes and bn1.id not in window.editor().scene.node_items
    window.undo_stack.undo()
    assert canonical(graph) == before
    assert len(window.editor().scene.edge_items) == len(graph.edges)


def test_ctrl_d_duplicates_the_selection_with_its_inner_wires(make_window, cnn):
    window = make_window(cnn)
    graph = window.editor().graph
    ids = [graph.node_named(n).id for n in ("conv1", "bn1")]
    window.editor().scene.select_nodes(ids)
    _key(window, Qt.Key_D, Qt.ControlModifier)
    assert len(graph.nodes) == 17
    new = window.editor().scene.selected_node_ids()
    assert sorted(graph.nodes[i].type for i in new) == ["BatchNorm2d", "Conv2d"]
    assert any(e.source in new and e.target in new for e in graph.edges.values())


def test_copy_in_one_window_and_paste_in_another_project(make_window, cnn, two_layers):
    source = make_window(cnn)
    conv = source.editor().graph.node_named("conv2")
    source.editor().scene.select_nodes([conv.id])
    _key(source, Qt.Key_C, Qt.ControlModifier)
    target = make_window(two_layers)
    _key(target, Qt.Key_V, Qt.ControlModifier)
    pasted = [n for n in target.editor().graph.nodes.values() if n.type == "Conv2d"]
    assert len(pasted) == 1 and pasted[0].params["out_channels"] == 32
    assert pasted[0].id != conv.id


def test_ctrl_g_groups_into_a_named_block_and_ctrl_shift_g_ungroups(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    graph = editor.graph
    ids = [graph.node_named(n).id for n in ("conv1", "bn1", "relu1")]
    editor.scene.select_nodes(ids)
    window.ask_block_name = lambda default: "stem"
    _key(window, Qt.Key_G, Qt.ControlModifier)
    (group,) = graph.groups.values()
    assert group.name == "stem" and sorted(graph.group_members(group.id)) == sorted(ids)
    assert group.id in editor.scene.group_items
    _key(window, Qt.Key_G, Qt.ControlModifier | Qt.ShiftModifier)
    assert not graph.groups and all(graph.nodes[i].group is None for i in ids)
    assert not editor.scene.group_items
    window.undo_stack.undo()
    assert [g.name for g in graph.groups.values()] == ["stem"]


def test_a_collapsed_block_is_one_box_with_its_external_ports(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    graph = editor.graph
    ids = [graph.node_named(n).id for n in ("conv1", "bn1", "relu1")]
    editor.scene.select_nodes(ids)
    gid = editor.group_selection("stem")
    window.toggle_block()
    item = editor.scene.group_items[gid]
    assert graph.groups[gid].collapsed and item.collapsed
    assert not any(editor.scene.node_items[i].isVisible() for i in ids)
    assert (len(item.inputs), len(item.outputs)) == (1, 1)
    wire_in = graph.edge_into(graph.node_named("conv1").id, "in")
    edge_item = editor.scene.edge_items[wire_in.id]
    assert edge_item.isVisible() and edge_item.path.pointAtPercent(1) == item.anchor(0, 1, False)
    window.undo_stack.undo()
    assert all(editor.scene.node_items[i].isVisible() for i in ids)


def test_a_block_saved_to_the_palette_can_be_dropped_into_another_project(make_window, cnn, two_layers):
    window = make_window(cnn)
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1", "relu1")]
    editor.scene.select_nodes(ids)
    gid = editor.group_selection("stem")
    window.save_block(gid)
    assert window.layer_palette.item_for("stem") is not None
    assert window.project.view["blocks"][0]["name"] == "stem"
    other = make_window(two_layers)
    item = other.layer_palette.item_for("stem")  # the block comes from the user's settings too
    assert item is not None
    assert drop(other.editor(), other.layer_palette.tree.mimeData([item]), QPoint(300, 300))
    graph = other.editor().graph
    assert sorted(n.type for n in graph.nodes.values()) == ["BatchNorm2d", "Conv2d", "Input", "Linear", "ReLU"]
    assert [g.name for g in graph.groups.values()] == ["stem"]
    assert other.undo_stack.count() == 1


def test_auto_layout_places_layers_left_to_right_by_depth_in_one_step(make_window, cnn):
    window = make_window(cnn)
    graph = window.editor().graph
    for node in list(graph.nodes.values())[:5]:
        graph.move(node.id, (0.0, 0.0))  # a pile
    _key(window, Qt.Key_L, Qt.ControlModifier)
    order = [graph.node_named(n).position[0] for n in ("image", "conv1", "bn1", "relu1")]
    assert order == sorted(order) and len(set(order)) == 4
    assert window.undo_stack.count() == 1


def test_a_rubber_band_inside_a_block_selects_layers_not_the_block(make_window, cnn):
    from tests.ui.drive import show

    window = make_window(cnn)
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1", "relu1")]
    editor.scene.select_nodes(ids)
    editor.group_selection("stem")
    editor.scene.clearSelection()
    show(editor, *ids, zoom=0.8)
    bn1 = ids[1]
    drag(editor, node_point(editor, bn1, -20, -8), node_point(editor, bn1, 120, 80))
    assert editor.scene.selected_node_ids() == [bn1] and not editor.scene.selected_group_ids()


def test_undoing_the_delete_of_a_layer_in_a_block_puts_it_back_in_the_frame(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1")]
    editor.scene.select_nodes(ids)
    gid = editor.group_selection("pair")
    full = editor.scene.group_items[gid].rect
    editor.scene.select_nodes(ids[1:])
    editor.delete_selection()
    assert editor.scene.group_items[gid].rect.width() < full.width()
    window.undo_stack.undo()
    assert editor.scene.group_items[gid].rect == full


def test_a_window_that_is_not_editable_ignores_every_edit_until_editable_again(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    window.set_editable(False)
    assert not editor.view.isInteractive() and not editor.view.acceptDrops()
    assert not window.layer_palette.isEnabled() and not window.inspector.isEnabled()
    editor.scene.select_nodes([editor.graph.node_named("conv1").id])
    _key(window, Qt.Key_Delete)
    assert editor.graph.node_named("conv1") is not None
    window.set_editable(True)
    assert editor.view.isInteractive() and window.layer_palette.isEnabled()
    _key(window, Qt.Key_Delete)
    assert editor.graph.node_named("conv1") is None
