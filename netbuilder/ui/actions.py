"""The window's actions, menus and toolbar, with the standard shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar

from netbuilder.ui.editor import GraphEditor

if TYPE_CHECKING:
    from netbuilder.ui.mainwindow import MainWindow

Shortcut = str | QKeySequence | QKeySequence.StandardKey | list[QKeySequence] | None


@dataclass
class WindowActions:
    """What `build_actions` made: the actions by name, and the menus the window fills later."""

    actions: dict[str, QAction]
    recent_menu: QMenu  # File › Open Recent, filled each time it opens
    import_menu: QMenu  # File › Import: ONNX model, PyTorch module
    view_menu: QMenu  # lists every dock
    help_menu: QMenu  # the last menu: later menus go before it


def _action(window: MainWindow, text: str, slot: Callable[..., Any], shortcut: Shortcut = None, tip: str = "",
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


def build_actions(w: MainWindow) -> WindowActions:
    """Create every action and the menus; returns the actions by name (tests trigger them) and the menus."""
    on = w.on_editor
    ks, keys, icons = QKeySequence, QKeySequence.StandardKey, QStyle.StandardPixmap
    a = {
        "new": _action(w, "&New…", w.new_project, keys.New, "Start a project from a template", icons.SP_FileIcon),
        "open": _action(w, "&Open…", w.open_file, keys.Open, "Open a .nbproj project, or import an .onnx model",
                        icons.SP_DialogOpenButton),
        "import_onnx": _action(w, "&ONNX Model…", w.import_onnx, None,
                               "An .onnx model as a new, editable project with its weights"),
        "import_torch": _action(w, "&PyTorch Module…", w.import_torch, None,
                                "An nn.Module class of a .py file as a new, editable project with its weights"),
        "save": _action(w, "&Save", w.save, keys.Save, "Save the project", icons.SP_DialogSaveButton),
        "save_as": _action(w, "Save &As…", w.save_as, keys.SaveAs, "Save under a new name"),
        "quit": _action(w, "&Quit", w.close, keys.Quit),
        "copy": _action(w, "&Copy", lambda: on(GraphEditor.copy), keys.Copy),
        "paste": _action(w, "&Paste", lambda: on(GraphEditor.paste), keys.Paste),
        "duplicate": _action(w, "D&uplicate", lambda: on(GraphEditor.duplicate), "Ctrl+D"),
        "delete": _action(w, "&Delete", lambda: on(GraphEditor.delete_selection), [ks(keys.Delete), ks("Backspace")]),
        "select_all": _action(w, "Select &All", lambda: on(GraphEditor.select_all), keys.SelectAll),
        "rename": _action(w, "&Rename…", w.rename_selection, "F2", "Rename the selected layer in the inspector"),
        "group": _action(w, "&Group into Block…", w.group_selection, "Ctrl+G", "Make the selection a named block"),
        "ungroup": _action(w, "U&ngroup", lambda: on(GraphEditor.ungroup), "Ctrl+Shift+G"),
        "collapse": _action(w, "Collapse / &Expand Block", w.toggle_block, "Ctrl+E"),
        "save_block": _action(w, "Save Block to &Palette", w.save_block),
        "fit": _action(w, "&Fit All", lambda: on(GraphEditor.fit_all), "F", "Show the whole graph"),
        "zoom_in": _action(w, "Zoom &In", lambda: w.zoom_by(1.25), keys.ZoomIn),
        "zoom_out": _action(w, "Zoom &Out", lambda: w.zoom_by(0.8), keys.ZoomOut),
        "layout": _action(w, "&Auto-layout", lambda: on(GraphEditor.auto_layout), "Ctrl+L",
                          "Arrange left to right by depth"),
        "snap": _action(w, "&Snap to Grid", w.set_snap, None, "Snap moved layers to a 10 px grid",
                        checkable=True),
        "shortcuts": _action(w, "&Keyboard Shortcuts", w.show_shortcuts, keys.HelpContents,
                             "Every shortcut and mouse gesture"),
        "about": _action(w, "&About netbuilder", w.show_about, None, "Versions, and the device training runs on"),
    }
    undo = w.undo_stack.createUndoAction(w, "&Undo")
    undo.setShortcuts([ks(keys.Undo)])
    redo = w.undo_stack.createRedoAction(w, "&Redo")
    redo.setShortcuts([ks("Ctrl+Shift+Z"), ks("Ctrl+Y")])
    undo.setIcon(w.style().standardIcon(icons.SP_ArrowBack))
    redo.setIcon(w.style().standardIcon(icons.SP_ArrowForward))
    w.addAction(undo)
    w.addAction(redo)
    a["undo"], a["redo"] = undo, redo

    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([a["new"], a["open"]])
    recent_menu = file_menu.addMenu("Open &Recent")
    recent_menu.aboutToShow.connect(w.fill_recent_menu)
    import_menu = file_menu.addMenu("&Import")
    import_menu.setObjectName("import_menu")
    import_menu.addActions([a["import_onnx"], a["import_torch"]])
    file_menu.addSeparator()
    file_menu.addActions([a["save"], a["save_as"]])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
    edit = bar.addMenu("&Edit")
    edit.addActions([undo, redo])
    edit.addSeparator()
    edit.addActions([a["copy"], a["paste"], a["duplicate"], a["delete"], a["rename"], a["select_all"]])
    edit.addSeparator()
    edit.addActions([a["group"], a["ungroup"], a["collapse"], a["save_block"]])
    view = bar.addMenu("&View")
    view.addActions([a["fit"], a["zoom_in"], a["zoom_out"]])
    view.addSeparator()
    view.addActions([a["layout"], a["snap"]])
    view.addSeparator()
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(a["shortcuts"])
    examples = help_menu.addMenu("&Examples")
    examples.setObjectName("examples_menu")
    examples.aboutToShow.connect(lambda: w.fill_examples_menu(examples))
    help_menu.addSeparator()
    help_menu.addAction(a["about"])

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
    return WindowActions(a, recent_menu, import_menu, view, help_menu)
