"""Placing and wiring as in other node editors: new layers land clear of others and are wired in where the
gesture says; a wire let go on empty canvas offers a searchable layer list; a refused wire says why beside
the mouse."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from netbuilder.ui.project_files import empty_project
from tests.ui.drive import click, drag, node_point, port_point, show
from tests.ui.gestures import double_click_palette, overlapping, pick


def _key(window, key, modifier=Qt.NoModifier) -> None:
    window.editor().view.setFocus()
    QTest.keyClick(window.editor().view, key, modifier)


def _types(graph) -> list[str]:
    return sorted(n.type for n in graph.nodes.values())


def test_a_layer_double_clicked_in_the_palette_never_lands_on_another_node(make_window):
    window = make_window(empty_project())
    editor = window.editor()
    editor.scene.clearSelection()
    for layer in ("Linear", "ReLU", "Dropout", "Linear"):
        double_click_palette(window, layer)
        editor.scene.clearSelection()  # nothing selected: each goes to the middle of the view, clear of the rest
    assert _types(editor.graph).count("Linear") == 2
    assert overlapping(editor) == []


def test_a_layer_double_clicked_with_a_node_selected_goes_beside_it_wired_after_it(make_window):
    window = make_window(empty_project())
    editor = window.editor()
    features = editor.graph.node_named("features")
    show(editor, features.id)
    click(editor, node_point(editor, features.id))
    double_click_palette(window, "Linear")
    (linear,) = [n for n in editor.graph.nodes.values() if n.type == "Linear"]
    assert [(e.source, e.target) for e in editor.graph.edges.values()] == [(features.id, linear.id)]
    assert linear.position[0] > features.position[0] + 150  # to its right, where the next layer goes
    assert editor.scene.selected_node_ids() == [linear.id]  # so the next double-click chains after it
    double_click_palette(window, "ReLU")
    (relu,) = [n for n in editor.graph.nodes.values() if n.type == "ReLU"]
    assert {(e.source, e.target) for e in editor.graph.edges.values()} == {(features.id, linear.id),
                                                                           (linear.id, relu.id)}
    assert overlapping(editor) == []
    _key(window, Qt.Key_Z, Qt.ControlModifier)  # one undo takes the layer and its wire back
    assert relu.id not in editor.graph.nodes and len(editor.graph.edges) == 1


def test_a_layer_whose_input_does_not_fit_is_placed_beside_but_not_wired(make_window):
    window = make_window(empty_project())
    editor = window.editor()
    features = editor.graph.node_named("features")  # 4 measurements: a flat row, not an image
    show(editor, features.id)
    click(editor, node_point(editor, features.id))
    double_click_palette(window, "Conv2d")
    assert "Conv2d" in _types(editor.graph)
    assert editor.graph.edges == {}
    assert overlapping(editor) == []


def test_duplicate_and_paste_never_land_on_a_node(make_window, cnn):
    window = make_window(cnn)
    editor = window.editor()
    conv = editor.graph.node_named("conv1")
    editor.scene.select_nodes([conv.id])
    _key(window, Qt.Key_D, Qt.ControlModifier)
    _key(window, Qt.Key_D, Qt.ControlModifier)
    editor.scene.select_nodes([conv.id, editor.graph.node_named("bn1").id])
    _key(window, Qt.Key_C, Qt.ControlModifier)
    _key(window, Qt.Key_V, Qt.ControlModifier)
    _key(window, Qt.Key_V, Qt.ControlModifier)
    assert _types(editor.graph).count("Conv2d") == 2 + 2 + 2  # two in the example, two duplicates, two pasted
    assert overlapping(editor) == []


def test_a_wire_let_go_on_empty_canvas_offers_a_searchable_list_and_wires_the_choice(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    x = editor.graph.node_named("x")
    show(editor, x.id)
    start = port_point(editor, x.id, "out", True)
    end = start + QPoint(60, 160)  # below, where nothing is
    drag(editor, start, end)
    picker = editor.picker
    assert picker is not None and picker.isVisible()
    # Where it was let go: its corner there, or (near the screen's edge) over it.
    assert picker.frameGeometry().adjusted(-10, -10, 10, 10).contains(editor.view.viewport().mapToGlobal(end))
    QTest.keyClicks(picker.search, "relu")
    assert picker.visible_layers()[0] == "ReLU" and "Linear" not in picker.visible_layers()
    QTest.keyClick(picker.search, Qt.Key_Return)
    (relu,) = [n for n in editor.graph.nodes.values() if n.type == "ReLU"]
    assert [(e.source, e.target) for e in editor.graph.edges.values()] == [(x.id, relu.id)]
    dropped_at = editor.view.mapToScene(end)
    assert abs(relu.position[0] - dropped_at.x()) < 50 and abs(relu.position[1] - dropped_at.y()) < 80
    _key(window, Qt.Key_Z, Qt.ControlModifier)
    assert relu.id not in editor.graph.nodes and editor.graph.edges == {}


def test_the_layer_list_puts_the_layers_that_take_the_wire_first_and_escape_adds_nothing(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    window.run_analysis()
    x = editor.graph.node_named("x")
    show(editor, x.id)
    start = port_point(editor, x.id, "out", True)
    drag(editor, start, start + QPoint(60, 160))
    picker = editor.picker
    layers = picker.visible_layers()
    assert layers.index("Linear") < layers.index("Conv2d")  # a row of 4 features fits a Linear, not a Conv2d
    before = dict(editor.graph.nodes)
    QTest.keyClick(picker.search, Qt.Key_Escape)
    assert not picker.isVisible() and editor.graph.nodes == before


def test_a_wire_dragged_back_from_an_input_adds_the_chosen_layer_feeding_it(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    fc = editor.graph.node_named("fc")
    show(editor, fc.id)
    start = port_point(editor, fc.id, "in", False)
    drag(editor, start, start + QPoint(-60, 170))
    pick(editor, "Dropout")
    (dropout,) = [n for n in editor.graph.nodes.values() if n.type == "Dropout"]
    assert [(e.source, e.target, e.target_port) for e in editor.graph.edges.values()] == [(dropout.id, fc.id, "in")]


def test_a_refused_wire_says_why_beside_the_mouse(make_window, two_layers):
    window = make_window(two_layers)
    editor = window.editor()
    x, fc = editor.graph.node_named("x"), editor.graph.node_named("fc")
    show(editor, x.id, fc.id)
    end = port_point(editor, fc.id, "in", False)
    drag(editor, port_point(editor, x.id, "out", True), end)
    drag(editor, port_point(editor, x.id, "out", True), end)  # the same input again: refused
    bubble = editor.bubble
    assert bubble.isVisible() and "already has a wire" in bubble.text()
    near = bubble.geometry().adjusted(-40, -40, 40, 40)
    assert near.contains(end), (bubble.geometry(), end)
    assert len(editor.graph.edges) == 1
