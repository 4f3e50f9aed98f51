"""Wires drawn to a collapsed block: its box shows the ports on its boundary, and a drag from or to one of them
wires the layer inside, as one undoable step."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QUndoStack

from netbuilder.graph.model import Graph
from netbuilder.ui.editor import GraphEditor
from tests.ui.drive import drag, node_point, port_point, view_point


@pytest.fixture
def editor(qtbot):
    """x → fc1 → act in a collapsed block 'body', with its output free; a block 'side' (fc2 → act2) whose input
    is free; a Linear 'head' wired to nothing. Shown at a working zoom."""
    g = Graph("model")
    ids = {}
    for name, kind, pos, params in [("x", "Input", (0, 0), {"kind": "tabular", "features": 4}),
                                    ("fc1", "Linear", (250, 0), {"out_features": 8}),
                                    ("act", "ReLU", (450, 0), {}),
                                    ("head", "Linear", (750, 0), {"out_features": 3}),
                                    ("fc2", "Linear", (250, 250), {"out_features": 8}),
                                    ("act2", "ReLU", (450, 250), {})]:
        ids[name] = g.add_node(kind, pos, name=name, params=params).id
    g.connect(ids["x"], "out", ids["fc1"], "in")
    g.connect(ids["fc1"], "out", ids["act"], "in")
    g.connect(ids["fc2"], "out", ids["act2"], "in")
    for block, members in (("body", ("fc1", "act")), ("side", ("fc2", "act2"))):
        group = g.add_group(block, [ids[m] for m in members])
        g.update_group(group.id, collapsed=True)
    ed = GraphEditor(g, QUndoStack())
    qtbot.addWidget(ed)
    ed.resize(1100, 700)
    ed.show()
    qtbot.waitExposed(ed)
    ed.view.set_zoom(0.8)
    ed.view.centerOn(450, 150)
    ed.ids = ids
    return ed


def _block_port(editor: GraphEditor, block: str, is_output: bool):
    (gid,) = [gid for gid, g in editor.graph.groups.items() if g.name == block]
    item = editor.scene.group_items[gid]
    (port,) = [p for p in item.ports if p.is_output == is_output]
    return item, port


def _wires(editor: GraphEditor) -> set[tuple[str, str]]:
    names = {nid: n.name for nid, n in editor.graph.nodes.items()}
    return {(names[e.source], names[e.target]) for e in editor.graph.edges.values()}


def test_a_collapsed_block_shows_the_free_and_the_crossing_ports_of_its_layers(editor):
    item, _ = _block_port(editor, "body", True)
    ids = editor.ids
    assert [(p.node_id, p.name, p.is_output) for p in item.ports] == [(ids["fc1"], "in", False),
                                                                    (ids["act"], "out", True)]
    assert all(p.isVisible() for p in item.ports)


def test_a_wire_dragged_from_a_collapsed_blocks_output_port_wires_the_layer_inside(editor):
    _, out = _block_port(editor, "body", True)
    drag(editor, view_point(editor, out.scenePos()), port_point(editor, editor.ids["head"], "in", False))
    assert ("act", "head") in _wires(editor)
    editor.undo_stack.undo()  # one step, undone through the model
    assert ("act", "head") not in _wires(editor)


def test_a_wire_dropped_on_a_collapsed_blocks_input_port_wires_the_layer_inside(editor):
    _, inp = _block_port(editor, "side", False)
    drag(editor, port_point(editor, editor.ids["x"], "out", True), view_point(editor, inp.scenePos()))
    assert ("x", "fc2") in _wires(editor)


def test_a_wire_dropped_on_a_collapsed_blocks_body_takes_its_free_port(editor):
    item, _ = _block_port(editor, "side", False)
    body = view_point(editor, item.rect.center())
    drag(editor, port_point(editor, editor.ids["x"], "out", True), body)
    assert ("x", "fc2") in _wires(editor)


def test_the_new_wire_ends_on_the_blocks_port_while_it_stays_collapsed(editor):
    item, out = _block_port(editor, "body", True)
    drag(editor, view_point(editor, out.scenePos()), node_point(editor, editor.ids["head"], dx=40, dy=30))
    (wire,) = [e for e in editor.graph.edges.values() if e.target == editor.ids["head"]]
    assert editor.graph.groups[item.group_id].collapsed
    assert editor.scene.edge_items[wire.id].path.pointAtPercent(0) == out.scenePos()


def test_a_right_click_on_a_collapsed_blocks_port_opens_the_blocks_menu(editor):
    from tests.ui.gestures import menu_entries, right_click

    item, out = _block_port(editor, "body", True)
    menu = right_click(editor, view_point(editor, out.scenePos()))
    assert item.isSelected()
    assert any("Expand" in entry for entry in menu_entries(menu))


def test_only_a_wire_touching_a_collapsed_block_rebuilds_the_block_frames(editor, monkeypatch):
    scene, ids = editor.scene, editor.ids
    (side,) = [gid for gid, g in editor.graph.groups.items() if g.name == "side"]
    editor.graph.update_group(side, collapsed=False)  # 'side' expanded: its frame does not depend on wires
    rebuilds: list[int] = []
    real = scene._groups_changed
    monkeypatch.setattr(scene, "_groups_changed", lambda *a, **k: rebuilds.append(1) or real(*a, **k))
    editor.graph.connect(ids["x"], "out", ids["fc2"], "in")
    assert rebuilds == []
    editor.graph.connect(ids["act"], "out", ids["head"], "in")  # out of the collapsed 'body'
    assert rebuilds == [1]
    item, out = _block_port(editor, "body", True)
    (wire,) = [e for e in editor.graph.edges.values() if e.target == ids["head"]]
    assert scene.edge_items[wire.id].path.pointAtPercent(0) == out.scenePos()
