"""Right-click menus of the canvas: on empty canvas, on a node, on a wire and on a block.

Each entry calls an editor method that pushes the pure edits of `netbuilder.graph.edits` (one undo step
per entry); the canvas then follows the model's notifications. Entries the window handles (naming a
block, the inspector) go out through the editor's signals. While a run locks the graph only the
entries that change nothing are offered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from netbuilder.ui.canvas.adding import FRAGMENT_MIME
from netbuilder.ui.canvas.groups import GroupItem
from netbuilder.ui.canvas.nodes import NodeItem, PortItem
from netbuilder.ui.canvas.wires import EdgeItem
from netbuilder.ui.canvas.wiring import free_output

if TYPE_CHECKING:
    from netbuilder.ui.editor import GraphEditor


def _entry(menu: QMenu, text: str, slot: Callable[[], object], enabled: bool = True, keys: str = "") -> None:
    # The shortcut is only written beside the text: the window's own actions own the keys.
    action = menu.addAction(f"{text}\t{keys}" if keys else text)
    action.triggered.connect(lambda _=False: slot())
    action.setEnabled(enabled)


def item_at(editor: GraphEditor, scene_pos: QPointF) -> NodeItem | EdgeItem | GroupItem | None:
    """The node, wire or block under ``scene_pos`` (a port counts as its node), or None on empty canvas."""
    for item in editor.scene.items(scene_pos):
        if not item.isVisible():
            continue
        if isinstance(item, PortItem):  # a layer's port, or the port a collapsed block shows for one inside
            item = item.parentItem()
        if isinstance(item, (NodeItem, EdgeItem, GroupItem)):
            return item
    return None


def build_context_menu(editor: GraphEditor, point: QPoint) -> QMenu:
    """The menu for a right click at viewport ``point``; a right-clicked item not yet selected becomes the
    selection, as in file managers and other node editors."""
    at = editor.view.mapToScene(point)
    target = item_at(editor, at)
    menu = QMenu(editor)
    if target is not None and not target.isSelected():
        editor.scene.clearSelection()
        target.setSelected(True)
    if isinstance(target, NodeItem):
        _node_menu(editor, menu, target.node_id)
    elif isinstance(target, EdgeItem):
        _wire_menu(editor, menu, target.edge_id, at)
    elif isinstance(target, GroupItem):
        _block_menu(editor, menu, target.group_id)
    else:
        _canvas_menu(editor, menu, at)
    return menu


def _node_menu(editor: GraphEditor, menu: QMenu, node_id: str) -> None:
    can = editor.editable
    selected = editor.selected_ids() or [node_id]
    wired = any(editor.graph.edges_of(n) for n in selected)
    _entry(menu, "Show in Inspector", lambda: editor.inspect_requested.emit(node_id, ""))
    _entry(menu, "Rename…", lambda: editor.inspect_requested.emit(node_id, "__name"), can, "F2")
    _entry(menu, "Add Layer After…", lambda: editor.pick_layer_after(node_id),
           can and free_output(editor.graph, node_id) is not None)
    menu.addSeparator()
    _entry(menu, "Duplicate", editor.duplicate, can, "Ctrl+D")
    _entry(menu, "Disconnect", lambda: editor.disconnect_nodes(selected), can and wired)
    _entry(menu, "Group into Block…", editor.group_requested.emit, can, "Ctrl+G")
    if editor.current_group() is not None:
        _entry(menu, "Ungroup", editor.ungroup, can, "Ctrl+Shift+G")
    menu.addSeparator()
    _entry(menu, "Delete", editor.delete_selection, can, "Del")


def _wire_menu(editor: GraphEditor, menu: QMenu, edge_id: str, at: QPointF) -> None:
    can = editor.editable
    _entry(menu, "Insert Layer on This Wire…", lambda: editor.pick_layer_on_wire(edge_id, at), can)
    _entry(menu, "Disconnect", lambda: editor.disconnect_wire(edge_id), can, "Del")


def _block_menu(editor: GraphEditor, menu: QMenu, group_id: str) -> None:
    can = editor.editable
    collapsed = editor.graph.groups[group_id].collapsed
    _entry(menu, "Show in Inspector", lambda: editor.inspect_requested.emit(group_id, ""))
    _entry(menu, "Expand" if collapsed else "Collapse", lambda: editor.toggle_group(group_id), can, "Ctrl+E")
    _entry(menu, "Ungroup", editor.ungroup, can, "Ctrl+Shift+G")
    _entry(menu, "Duplicate", editor.duplicate, can, "Ctrl+D")
    menu.addSeparator()
    _entry(menu, "Delete Block and Its Layers", editor.delete_selection, can, "Del")


def _canvas_menu(editor: GraphEditor, menu: QMenu, at: QPointF) -> None:
    can = editor.editable
    clipboard = QGuiApplication.clipboard().mimeData()
    _entry(menu, "Add Layer Here…", lambda: editor.pick_layer_here(at), can)
    _entry(menu, "Paste Here", lambda: editor.paste(at), can and clipboard is not None
           and clipboard.hasFormat(FRAGMENT_MIME), "Ctrl+V")
    menu.addSeparator()
    _entry(menu, "Select All", editor.select_all, True, "Ctrl+A")
    _entry(menu, "Auto-layout", editor.auto_layout, can, "Ctrl+L")
    _entry(menu, "Auto-layout Top-down", lambda: editor.auto_layout("down"), can)
    _entry(menu, "Fit All", editor.fit_all, True, "F")
