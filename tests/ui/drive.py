"""Helpers that send real mouse and keyboard events to the canvas."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from netbuilder.ui.editor import GraphEditor


def view_point(editor: GraphEditor, scene_point: QPointF) -> QPoint:
    return editor.view.mapFromScene(scene_point)


def port_point(editor: GraphEditor, node_id: str, port: str, is_output: bool) -> QPoint:
    item = editor.scene.node_items[node_id].port(port, is_output)
    return view_point(editor, item.scenePos())


def node_point(editor: GraphEditor, node_id: str, dx: float = 60, dy: float = 10) -> QPoint:
    item = editor.scene.node_items[node_id]
    return view_point(editor, item.scenePos() + QPointF(dx, dy))


def _move(widget, pos: QPoint, buttons) -> None:
    event = QMouseEvent(QEvent.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)), Qt.NoButton, buttons,
                        Qt.NoModifier)
    QApplication.sendEvent(widget, event)


def drag(editor: GraphEditor, start: QPoint, end: QPoint, steps: int = 6, modifier=Qt.NoModifier) -> None:
    """Press at ``start``, move in steps with the button held, release at ``end`` (viewport coordinates)."""
    viewport = editor.view.viewport()
    QTest.mousePress(viewport, Qt.LeftButton, modifier, start)
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        _move(viewport, QPoint(round(p.x()), round(p.y())), Qt.LeftButton)
    QTest.mouseRelease(viewport, Qt.LeftButton, modifier, end)


def click(editor: GraphEditor, point: QPoint, modifier=Qt.NoModifier) -> None:
    QTest.mouseClick(editor.view.viewport(), Qt.LeftButton, modifier, point)


def drop(editor: GraphEditor, mime: QMimeData, point: QPoint) -> bool:
    """What the window system sends when a drag from the palette ends over the canvas.

    True when the canvas took it as a copy (a move would make the palette delete its entry)."""
    viewport = editor.view.viewport()
    enter = QDragEnterEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(viewport, enter)
    move = QDragMoveEvent(point, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(viewport, move)
    event = QDropEvent(QPointF(point), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(viewport, event)
    return event.isAccepted() and event.dropAction() == Qt.CopyAction


def show(editor: GraphEditor, *node_ids: str, zoom: float = 0.7) -> None:
    """Zoom to a working level (ports are hidden far out) and centre the given nodes."""
    editor.view.set_zoom(zoom)
    xs = [editor.graph.nodes[n].position[0] for n in node_ids]
    ys = [editor.graph.nodes[n].position[1] for n in node_ids]
    editor.view.centerOn(QPointF((min(xs) + max(xs)) / 2 + 75, (min(ys) + max(ys)) / 2 + 30))
