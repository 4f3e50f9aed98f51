"""A big imported network opens readable: collapsed blocks laid out in bands, framed at a zoom where text reads."""

from __future__ import annotations

from PySide6.QtGui import QUndoStack

from netbuilder.graph.grouping import group_imported
from netbuilder.graph.layout import auto_layout
from netbuilder.ui.canvas.view import readable_zoom
from netbuilder.ui.editor import GraphEditor
from tests.graph.nets import residual_net


def test_a_big_import_opens_with_every_block_in_view_at_a_readable_zoom(qtbot):
    graph, paths = residual_net(14, paths=True)  # 75 layers: its 14 blocks open collapsed
    group_imported(graph, paths)
    auto_layout(graph)
    editor = GraphEditor(graph, QUndoStack())
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.view.open_at()
    editor.show()
    qtbot.waitExposed(editor)
    seen = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
    assert editor.view.zoom >= readable_zoom()
    assert all(item.isVisible() and seen.contains(item.sceneBoundingRect())
               for item in editor.scene.group_items.values())
    assert not any(a.collidesWithItem(b) for a in editor.scene.group_items.values()
                   for b in editor.scene.group_items.values() if a is not b)


def test_a_block_double_clicked_open_pushes_its_neighbours_aside_in_one_undo_step(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from tests.ui.drive import view_point

    graph, paths = residual_net(14, paths=True)
    group_imported(graph, paths)
    auto_layout(graph)
    editor = GraphEditor(graph, QUndoStack())
    qtbot.addWidget(editor)
    editor.resize(1200, 800)
    editor.show()
    qtbot.waitExposed(editor)
    gid = list(graph.groups)[3]
    item = editor.scene.group_items[gid]
    editor.view.set_zoom(0.8)
    editor.view.centerOn(item.rect.center())
    before = {nid: n.position for nid, n in graph.nodes.items()}
    QTest.mouseDClick(editor.view.viewport(), Qt.LeftButton, Qt.NoModifier, view_point(editor, item.rect.center()))
    assert not graph.groups[gid].collapsed
    others = [i.sceneBoundingRect() for nid, i in editor.scene.node_items.items()
              if i.isVisible() and graph.nodes[nid].group != gid]
    others += [g.rect for other, g in editor.scene.group_items.items() if other != gid and g.isVisible()]
    assert not any(item.rect.intersects(box) for box in others)
    editor.undo_stack.undo()
    assert graph.groups[gid].collapsed
    assert {nid: n.position for nid, n in graph.nodes.items()} == before


def test_auto_layout_top_down_from_the_canvas_menu_lays_the_chain_out_downwards(qtbot):
    from PySide6.QtCore import QPoint

    from tests.ui.gestures import choose, right_click

    graph, _ = residual_net(2)
    editor = GraphEditor(graph, QUndoStack())
    qtbot.addWidget(editor)
    editor.resize(900, 700)
    editor.show()
    qtbot.waitExposed(editor)
    editor.view.set_zoom(0.5)
    editor.view.centerOn(-2000, -2000)  # empty canvas under the click
    choose(right_click(editor, QPoint(40, 40)), "Auto-layout Top-down")
    pos = {nid: n.position for nid, n in graph.nodes.items()}
    # Straight down the chain; a wire only leaves its column for a later one (to the right) or to a skip.
    straight_down = [e for e in graph.edges.values() if pos[e.target][0] == pos[e.source][0]
                     and pos[e.target][1] > pos[e.source][1]]
    assert len(straight_down) >= len(graph.edges) / 2
    assert all(pos[e.target][1] > pos[e.source][1] or pos[e.target][0] > pos[e.source][0]
               for e in graph.edges.values())
    assert editor.undo_stack.count() == 1
