"""Right-click menus on the canvas, a node, a wire and a block: each entry is one undoable edit."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from tests.ui.drive import _move, drag, node_point, show, view_point
from tests.ui.gestures import choose, menu_entries, pick, right_click


def _wire_point(editor, edge_id: str) -> QPoint:
    return view_point(editor, editor.scene.edge_items[edge_id].path.pointAtPercent(0.3))


def test_a_right_click_on_a_node_offers_the_node_edits(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv = editor.graph.node_named("conv1")
    show(editor, conv.id)
    menu = right_click(editor, node_point(editor, conv.id))
    assert menu_entries(menu) == ["Show in Inspector", "Rename…", "Add Layer After…", "Duplicate", "Disconnect",
                                  "Group into Block…", "Delete"]
    assert editor.scene.selected_node_ids() == [conv.id]  # the node right-clicked is the one acted on


def test_delete_from_a_node_menu_removes_it_and_undo_brings_it_back_wired(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    bn = editor.graph.node_named("bn1")
    wires = len(editor.graph.edges)
    show(editor, bn.id)
    choose(right_click(editor, node_point(editor, bn.id)), "Delete")
    assert bn.id not in editor.graph.nodes and bn.id not in editor.scene.node_items
    window.actions_by_name["undo"].trigger()
    assert bn.id in editor.scene.node_items and len(editor.graph.edges) == wires


def test_disconnect_from_a_node_menu_removes_all_its_wires_in_one_step(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    bn = editor.graph.node_named("bn1")
    show(editor, bn.id)
    choose(right_click(editor, node_point(editor, bn.id)), "Disconnect")
    assert editor.graph.edges_of(bn.id) == []
    window.actions_by_name["undo"].trigger()
    assert len(editor.graph.edges_of(bn.id)) == 2


def test_rename_from_a_node_menu_puts_the_name_field_in_front_ready_to_type(make_window, cnn, qtbot):
    window = make_window(cnn)
    editor = window.editor()
    conv = editor.graph.node_named("conv1")
    show(editor, conv.id)
    choose(right_click(editor, node_point(editor, conv.id)), "Rename")
    field = window.inspector.fields["__name"]
    assert isinstance(field, QLineEdit)
    qtbot.waitUntil(field.hasFocus)
    assert field.selectedText() == "conv1"
    QTest.keyClicks(field, "first_conv")
    QTest.keyClick(field, Qt.Key_Return)
    assert conv.name == "first_conv"


def test_show_in_inspector_brings_the_inspector_to_the_front_on_that_node(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    window.training.settings_dock.raise_()  # the inspector behind the settings tab
    conv = editor.graph.node_named("conv2")
    show(editor, conv.id)
    choose(right_click(editor, node_point(editor, conv.id)), "Show in Inspector")
    assert window.inspector.node_id == conv.id
    assert window.inspector.isVisible()


def test_group_into_block_from_a_node_menu_makes_the_selection_a_block(make_window, cnn):
    window = make_window(cnn)
    window.ask_block_name = lambda default: "stem"  # the name prompt, answered
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1", "relu1")]
    editor.scene.select_nodes(ids)
    show(editor, ids[0])
    choose(right_click(editor, node_point(editor, ids[0])), "Group into Block")
    (group,) = editor.graph.groups.values()
    assert group.name == "stem" and sorted(editor.graph.group_members(group.id)) == sorted(ids)


def test_insert_a_layer_on_a_wire_puts_it_between_the_two_ends(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv, bn = editor.graph.node_named("conv1"), editor.graph.node_named("bn1")
    (edge,) = [e for e in editor.graph.edges.values() if e.source == conv.id and e.target == bn.id]
    show(editor, conv.id, bn.id)
    menu = right_click(editor, _wire_point(editor, edge.id))
    assert menu_entries(menu) == ["Insert Layer on This Wire…", "Disconnect"]
    choose(menu, "Insert Layer")
    pick(editor, "SiLU")
    (dropout,) = [n for n in editor.graph.nodes.values() if n.type == "SiLU"]
    assert {(e.source, e.target) for e in editor.graph.edges_of(dropout.id)} == {(conv.id, dropout.id),
                                                                                 (dropout.id, bn.id)}
    assert edge.id not in editor.graph.edges
    window.actions_by_name["undo"].trigger()  # one step: the wire is whole again
    assert edge.id in editor.graph.edges and dropout.id not in editor.graph.nodes


def test_disconnect_from_a_wire_menu_deletes_that_wire(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv, bn = editor.graph.node_named("conv1"), editor.graph.node_named("bn1")
    (edge,) = [e for e in editor.graph.edges.values() if e.source == conv.id and e.target == bn.id]
    show(editor, conv.id, bn.id)
    choose(right_click(editor, _wire_point(editor, edge.id)), "Disconnect")
    assert edge.id not in editor.graph.edges and edge.id not in editor.scene.edge_items


def test_add_layer_here_on_empty_canvas_adds_the_chosen_layer_at_the_click(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    show(editor, editor.graph.node_named("x").id)
    point = node_point(editor, editor.graph.node_named("x").id) + QPoint(0, 200)
    menu = right_click(editor, point)
    assert menu_entries(menu)[:2] == ["Add Layer Here…", "Paste Here"]
    choose(menu, "Add Layer Here")
    pick(editor, "GELU")
    (gelu,) = [n for n in editor.graph.nodes.values() if n.type == "GELU"]
    at = editor.view.mapToScene(point)
    assert abs(gelu.position[0] + 75 - at.x()) < 45 and abs(gelu.position[1] - at.y()) < 60


def test_a_block_has_its_own_menu(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1")]
    editor.scene.select_nodes(ids)
    gid = editor.group_selection("stem")
    editor.toggle_group(gid)  # collapsed: one box
    item = editor.scene.group_items[gid]
    editor.view.set_zoom(0.8)
    editor.view.centerOn(item.sceneBoundingRect().center())
    menu = right_click(editor, view_point(editor, item.sceneBoundingRect().center() + QPointF(0, 10)))
    assert menu_entries(menu)[:3] == ["Show in Inspector", "Expand", "Ungroup"]
    choose(menu, "Expand")
    assert not editor.graph.groups[gid].collapsed


def test_a_right_drag_pans_without_opening_a_menu(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    viewport = editor.view.viewport()
    before = editor.view.centre()
    start = QPoint(300, 300)
    QTest.mousePress(viewport, Qt.RightButton, Qt.NoModifier, start)
    for i in range(1, 6):
        _move(viewport, start + QPoint(20 * i, 10 * i), Qt.RightButton)
    QTest.mouseRelease(viewport, Qt.RightButton, Qt.NoModifier, start + QPoint(100, 50))
    assert editor.view.centre() != before
    assert editor.context_menu is None or not editor.context_menu.isVisible()


def test_while_training_locks_the_graph_the_menus_offer_only_what_changes_nothing(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv = editor.graph.node_named("conv1")
    show(editor, conv.id)
    window.set_editable(False)
    menu = right_click(editor, node_point(editor, conv.id))
    enabled = [a.text().split("\t")[0] for a in menu.actions() if a.isEnabled() and not a.isSeparator()]
    assert enabled == ["Show in Inspector"]
    drag(editor, QPoint(10, 10), QPoint(20, 20))  # nothing else happens meanwhile
