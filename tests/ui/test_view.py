"""Zoom, snapping, wires selected and deleted with the mouse, blocks moved by their title, docks for later panels."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from netbuilder.graph.edits import SetParam
from tests.ui.drive import click, drag, node_point, show, view_point


def test_the_mouse_wheel_zooms_the_canvas(make_window, cnn):
    window = make_window(cnn)
    view = window.editor().view
    before = view.zoom
    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(centre, QPointF(view.viewport().mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 120),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert abs(view.zoom - before * 1.15) < 1e-6


def test_with_snap_to_grid_a_dragged_node_lands_on_the_grid(make_window, two_layers):
    window = make_window(two_layers)
    window.actions_by_name["snap"].trigger()
    editor = window.editor()
    fc = editor.graph.node_named("fc")
    show(editor, fc.id, zoom=1.0)
    drag(editor, node_point(editor, fc.id), node_point(editor, fc.id) + QPoint(33, 17))
    assert fc.position[0] % 10 == 0 and fc.position[1] % 10 == 0 and fc.position != (300.0, 0.0)


def test_clicking_a_wire_selects_it_and_delete_removes_only_the_wire(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv1, bn1 = editor.graph.node_named("conv1"), editor.graph.node_named("bn1")
    edge = editor.graph.edge_into(bn1.id, "in")
    show(editor, conv1.id, bn1.id, zoom=1.0)
    item = editor.scene.edge_items[edge.id]
    click(editor, view_point(editor, item.path.pointAtPercent(0.3)))
    assert editor.scene.selected_edge_ids() == [edge.id]
    QTest.keyClick(editor.view, Qt.Key_Delete)
    assert edge.id not in editor.graph.edges and len(editor.graph.nodes) == 15


def test_dragging_a_block_by_its_title_moves_its_layers_in_one_step(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    ids = [editor.graph.node_named(n).id for n in ("conv1", "bn1")]
    editor.scene.select_nodes(ids)
    gid = editor.group_selection("pair")
    editor.scene.clearSelection()
    show(editor, *ids, zoom=1.0)
    before = [editor.graph.nodes[i].position for i in ids]
    frame = editor.scene.group_items[gid].rect
    title = view_point(editor, QPointF(frame.left() + 60, frame.top() + 10))
    drag(editor, title, title + QPoint(40, 30))
    after = [editor.graph.nodes[i].position for i in ids]
    assert all(a[0] - b[0] == 40 and a[1] - b[1] == 30 for a, b in zip(after, before))
    assert window.undo_stack.undoText().startswith("Move")


def test_clicking_a_problem_selects_and_centres_its_node(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    graph = editor.graph
    editor.push(SetParam(graph.node_named("conv2").id, "kernel_size", 99))  # too big for 8×8
    window.run_analysis()
    row = window.problems.topLevelItem(0)
    assert row.text(1) == "conv2"
    rect = window.problems.visualItemRect(row)
    QTest.mouseClick(window.problems.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    conv2 = graph.node_named("conv2")
    assert editor.scene.selected_node_ids() == [conv2.id]
    visible = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    assert visible.contains(editor.scene.node_items[conv2.id].sceneBoundingRect().center())


def test_later_panels_can_be_added_as_docks_listed_in_the_view_menu(make_window, cnn):
    window = make_window(cnn)
    dock = window.add_dock(QLabel("training"), "Training", Qt.BottomDockWidgetArea)
    assert dock.objectName() == "dock_training" and not dock.isHidden()
    assert dock.toggleViewAction() in window.view_menu.actions()
