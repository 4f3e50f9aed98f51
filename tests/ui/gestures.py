"""More real gestures for the canvas tests: right clicks and their menus, the layer list, palette clicks."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMenu

from netbuilder.ui.editor import GraphEditor


def right_click(editor: GraphEditor, point: QPoint) -> QMenu:
    """Right-click the canvas at a viewport point; returns the menu it opened."""
    QTest.mouseClick(editor.view.viewport(), Qt.RightButton, Qt.NoModifier, point)
    menu = editor.context_menu
    assert menu is not None and menu.isVisible(), "a right click opens a menu"
    return menu


def words(action) -> str:
    """An entry's words: without its keyboard accelerator (&) and the shortcut written beside it."""
    return action.text().split("\t")[0].replace("&", "")


def menu_entries(menu: QMenu) -> list[str]:
    """The entries' words, separators left out."""
    return [words(a) for a in menu.actions() if not a.isSeparator()]


def choose(menu: QMenu, text: str) -> None:
    """Click the entry whose words start with ``text``."""
    action = next(a for a in menu.actions() if words(a).startswith(text))
    assert action.isEnabled(), f"{text!r} is offered but disabled"
    QTest.mouseClick(menu, Qt.LeftButton, Qt.NoModifier, menu.actionGeometry(action).center())


def pick(editor: GraphEditor, typed: str) -> None:
    """Type into the open layer list and press Enter."""
    picker = editor.picker
    assert picker is not None and picker.isVisible(), "the layer list is open"
    QTest.keyClicks(picker.search, typed)
    QTest.keyClick(picker.search, Qt.Key_Return)


def double_click_palette(window, layer_type: str) -> None:
    tree = window.layer_palette.tree
    item = window.layer_palette.item_for(layer_type)
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    QTest.mouseClick(tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())


def node_rects(editor: GraphEditor) -> dict[str, QRectF]:
    """Each node's box on the canvas (ports and badges left out)."""
    return {nid: item.mapRectToScene(QRectF(0, 0, 150, item.height)) for nid, item in editor.scene.node_items.items()}


def overlapping(editor: GraphEditor) -> list[tuple[str, str]]:
    """Pairs of node names whose boxes overlap."""
    rects = list(node_rects(editor).items())
    names = editor.graph.nodes
    return [(names[a].name, names[b].name) for i, (a, ra) in enumerate(rects) for b, rb in rects[i + 1:]
            if ra.intersects(rb)]


def click_dock_tab(window, title: str) -> None:
    """Click the tab of a dock tabbed with others (Inspector | Training settings, Problems | Results)."""
    from PySide6.QtWidgets import QApplication, QTabBar

    for bar in window.findChildren(QTabBar):
        for i in range(bar.count()):
            if bar.tabText(i) == title and bar.isVisible() and bar.parentWidget() is window:
                QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier, bar.tabRect(i).center())
                QApplication.processEvents()
                return
    raise AssertionError(f"no tab {title!r}")
