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
