"""The window's actions, menus and toolbar, with the standard shortcuts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStyle, QToolBar

if TYPE_CHECKING:
    from netbuilder.ui.mainwindow import MainWindow


def _action(window: "MainWindow", text: str, slot: Callable, shortcut=None, tip: str = "",
            icon: QStyle.StandardPixmap | None = None, checkable: bool = False) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    if icon is not None:
        action.setIcon(window.style().standardIcon(icon))
    action.setCheckable(checkable)
    action.triggered.connect(lambda checked=False: slot(checked) if checkable else slot())
    window.addAction(action)
    return action


def build_actions(w: "MainWindow") -> dict[str, QAction]:
    """Create every action and the menus; returns them by name (tests trigger them)."""
    ks = QKeySequence
    a = {
        "new": _action(w, "&New…", w.new_project, ks.New, "Start a project from a template", QStyle.SP_FileIcon),
        "open": _action(w, "&Open…", w.open_project, ks.Open, "Open a .nbproj project", QStyle.SP_DialogOpenButton),
        "save": _action(w, "&Save", w.save, ks.Save, "Save the project", QStyle.SP_DialogSaveButton),
        "save_as": _action(w, "Save &As…", w.save_as, ks.SaveAs, "Save under a new name"),
        "quit": _action(w, "&Quit", w.close, ks.Quit),
        "copy": _action(w, "&Copy", lambda: w.editor_call("copy"), ks.Copy),
        "paste": _action(w, "&Paste", lambda: w.editor_call("paste"), ks.Paste),
        "duplicate": _action(w, "D&uplicate", lambda: w.editor_call("duplicate"), "Ctrl+D"),
        "delete": _action(w, "&Delete", lambda: w.editor_call("delete_selection"), [ks(ks.Delete), ks("Backspace")]),
        "select_all": _action(w, "Select &All", lambda: w.editor_call("select_all"), ks.SelectAll),
        "group": _action(w, "&Group into Block…", w.group_selection, "Ctrl+G", "Make the selection a named block"),
        "ungroup": _action(w, "U&ngroup", lambda: w.editor_call("ungroup"), "Ctrl+Shift+G"),
        "collapse": _action(w, "Collapse / &Expand Block", w.toggle_block, "Ctrl+E"),
        "save_block": _action(w, "Save Block to &Palette", w.save_block),
        "fit": _action(w, "&Fit All", lambda: w.editor_call("view.fit_all"), "F", "Show the whole graph"),
        "zoom_in": _action(w, "Zoom &In", lambda: w.zoom_by(1.25), ks.ZoomIn),
        "zoom_out": _action(w, "Zoom &Out", lambda: w.zoom_by(0.8), ks.ZoomOut),
        "layout": _action(w, "&Auto-layout", lambda: w.editor_call("auto_layout"), "Ctrl+L",
                          "Arrange left to right by depth"),
        "snap": _action(w, "&Snap to Grid", w.set_snap, None, "Snap moved layers to a 10 px grid",
                        checkable=True),
    }
    undo = w.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcuts([ks(ks.Undo)])
    redo = w.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts([ks("Ctrl+Shift+Z"), ks("Ctrl+Y")])
    undo.setIcon(w.style().standardIcon(QStyle.SP_ArrowBack))
    redo.setIcon(w.style().standardIcon(QStyle.SP_ArrowForward))
    w.addAction(undo)
    w.addAction(redo)
    a["undo"], a["redo"] = undo, redo

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["new"], a["open"]])
    w.recent_menu = file_menu.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(w.fill_recent_menu)
    file_menu.addSeparator()
    file_menu.addActions([a["save"], a["save_as"]])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
    edit = bar.addMenu("&Edit")
    edit.addActions([undo, redo])
    edit.addSeparator()
    edit.addActions([a["copy"], a["paste"], a["duplicate"], a["delete"], a["select_all"]])
    edit.addSeparator()
    edit.addActions([a["group"], a["ungroup"], a["collapse"], a["save_block"]])
    view = bar.addMenu("&View")
    view.addActions([a["fit"], a["zoom_in"], a["zoom_out"]])
    view.addSeparator()
    view.addActions([a["layout"], a["snap"]])
    w.view_menu = view
    view.addSeparator()

    tools = QToolBar("Tools", w)
    tools.setObjectName("toolbar")
    tools.setMovable(False)
    tools.addActions([a["new"], a["open"], a["save"]])
    tools.addSeparator()
    tools.addActions([undo, redo])
    tools.addSeparator()
    for key in ("layout", "fit", "group"):
        tools.addAction(a[key])
    w.addToolBar(tools)
    return a
