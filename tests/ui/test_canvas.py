"""The canvas: adding layers from the palette, wiring with the mouse, shapes and problems on screen."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from netbuilder.ui.canvas.nodes import WIDTH
from netbuilder.graph.edits import Disconnect
from tests.ui.drive import click, drag, drop, node_point, port_point, show


def test_dropping_a_palette_entry_adds_that_layer_where_it_was_dropped(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    item = window.layer_palette.item_for("Conv2d")
    mime: QMimeData = window.layer_palette.tree.mimeData([item])  # what a real drag from the palette carries
    drop_at = QPoint(400, 300)
    assert drop(editor, mime, drop_at)
    added = [n for n in editor.graph.nodes.values() if n.type == "Conv2d"]
    assert len(added) == 1
    scene_point = editor.view.mapToScene(drop_at)
    assert abs(added[0].position[0] + WIDTH / 2 - scene_point.x()) < 2  # centred on the drop point
    assert added[0].id in editor.scene.node_items


def test_double_clicking_a_palette_entry_adds_the_layer(make_window, two_layers):
    window = make_window(two_layers)
    tree = window.layer_palette.tree
    item = window.layer_palette.item_for("Dropout")
    rect = tree.visualItemRect(item)
    QTest.mouseClick(tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert [n.type for n in window.editor().graph.nodes.values()].count("Dropout") == 1


def test_palette_search_shows_only_matching_layers(make_window, two_layers):
    window = make_window(two_layers)
    QTest.keyClicks(window.layer_palette.search, "lstm")
    visible = [i.text(0) for i in window.layer_palette.items() if not i.isHidden()]
    assert visible == ["LSTM"]


def test_dragging_from_an_output_port_to_an_input_port_wires_them_and_labels_the_shape(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    x, fc = editor.graph.node_named("x"), editor.graph.node_named("fc")
    drag(editor, port_point(editor, x.id, "out", True), port_point(editor, fc.id, "in", False))
    edges = list(editor.graph.edges.values())
    assert [(e.source, e.target_port) for e in edges] == [(x.id, "in")]
    window.run_analysis()
    assert editor.scene.edge_items[edges[0].id].label == "N×4"
    assert editor.scene.node_items[fc.id].look.shape == "→ N×3"


def test_compatible_ports_light_up_while_a_wire_is_dragged(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    x, fc = editor.graph.node_named("x"), editor.graph.node_named("fc")
    viewport = editor.view.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, Qt.NoModifier, port_point(editor, x.id, "out", True))
    assert editor.scene.node_items[fc.id].port("in", False).state == "ok"
    assert editor.scene.node_items[fc.id].port("out", True).state == "off"
    QTest.mouseRelease(viewport, Qt.LeftButton, Qt.NoModifier, QPoint(5, 5))
    assert editor.scene.node_items[fc.id].port("in", False).state == ""
    assert not editor.graph.edges


def test_a_wire_that_would_make_a_loop_is_refused_with_a_message(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv1, relu1 = editor.graph.node_named("conv1"), editor.graph.node_named("relu1")
    before = set(editor.graph.edges)
    # relu1's output back into conv1: conv1's input is taken, so free it first through the undo stack.
    wire_in = editor.graph.edge_into(conv1.id, "in")
    editor.push(Disconnect(wire_in.id))
    show(editor, conv1.id, relu1.id)
    drag(editor, port_point(editor, relu1.id, "out", True), port_point(editor, conv1.id, "in", False))
    assert set(editor.graph.edges) == before - {wire_in.id}
    assert "loop" in window.statusBar().currentMessage()


def test_a_shape_error_is_drawn_on_the_node_and_listed_in_the_problems_panel(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    graph = editor.graph
    flatten, dropout = graph.node_named("flatten"), graph.node_named("dropout")
    editor.scene.select_nodes([flatten.id])
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key_Delete)
    pool = graph.node_named("pool")
    show(editor, pool.id, dropout.id)
    drag(editor, port_point(editor, pool.id, "out", True), port_point(editor, dropout.id, "in", False))
    window.run_analysis()
    fc1 = graph.node_named("fc1")
    item = editor.scene.node_items[fc1.id]
    assert item.look.errors and "Flatten" in item.toolTip()
    rows = [window.problems.topLevelItem(i) for i in range(window.problems.topLevelItemCount())]
    row = next(r for r in rows if r.text(1) == "fc1")
    assert "Flatten" in row.text(2)
    assert window.totals.text().count("1 error") == 1


def test_dragging_a_node_moves_it_in_one_undo_step(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    fc = editor.graph.node_named("fc")
    start = fc.position
    drag(editor, node_point(editor, fc.id), node_point(editor, fc.id) + QPoint(80, 40), steps=8)
    assert fc.position != start
    assert window.undo_stack.count() == 1
    window.undo_stack.undo()
    assert fc.position == start
    assert editor.scene.node_items[fc.id].pos() == QPointF(*start)


def test_rubber_band_and_ctrl_click_select_several_nodes(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv1, bn1 = editor.graph.node_named("conv1"), editor.graph.node_named("bn1")
    editor.select_and_centre(conv1.id)
    click(editor, node_point(editor, conv1.id))
    click(editor, node_point(editor, bn1.id), Qt.ControlModifier)
    assert set(editor.scene.selected_node_ids()) == {conv1.id, bn1.id}
    editor.scene.clearSelection()
    a = node_point(editor, conv1.id, -20, -20)
    b = node_point(editor, bn1.id, 100, 60)
    drag(editor, a, b)
    assert {conv1.id, bn1.id} <= set(editor.scene.selected_node_ids())


def test_f_fits_the_whole_graph_in_view(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    editor.view.set_zoom(2.0)
    editor.view.setFocus()
    QTest.keyClick(editor.view, Qt.Key_F)
    visible = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    assert visible.contains(editor.scene.items_rect())


def test_a_project_with_two_graphs_gets_one_canvas_tab_per_graph(make_window):
    from tests.qt_fixtures import EXAMPLES
    from netbuilder.graph.project import load_project

    window = make_window(load_project(EXAMPLES / "gan_digits.nbproj"))
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["generator", "discriminator"]


def test_a_port_tooltip_names_the_port_and_the_shape_through_it(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    bn1 = editor.graph.node_named("bn1")
    port = editor.scene.node_items[bn1.id].port("in", False)
    assert "input 'in'" in port.toolTip() and "N×16×8×8" in port.toolTip()
