"""Start the window: `run_app(project_path) -> exit code`.

Imports stay light (Qt and the graph model only; torch comes later, on the
first compile or training run) so the window shows in well under a second.
"""

from __future__ import annotations

import os
import sys
import time


def no_display_message(environ: dict[str, str] | None = None, platform: str | None = None) -> str | None:
    """Why the window cannot open here, or None: on Linux, Qt needs an X11 or Wayland display (or a
    platform chosen with QT_QPA_PLATFORM) and aborts the process inside its plugin loader without one."""
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or any(env.get(k) for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return ("no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot open — run it in a "
            "desktop session, set DISPLAY (for example DISPLAY=:0, or ssh -X), or set QT_QPA_PLATFORM=offscreen for "
            "tests; the other commands (validate, train, export, code, import-onnx) need no display")


def make_app():
    """The QApplication, with names (for QSettings) and a light or dark palette following the system."""
    from PySide6.QtWidgets import QApplication

    from netbuilder.ui.theme import apply_palette, system_is_dark

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv)
        app.setOrganizationName("netbuilder")
        app.setApplicationName("netbuilder")
        app.setApplicationDisplayName("netbuilder")
        apply_palette(app, system_is_dark())
        app.styleHints().colorSchemeChanged.connect(lambda _: follow_system_theme(app))
    return app


def follow_system_theme(app) -> None:
    """The system switched between light and dark: switch the palette and redraw every canvas."""
    from PySide6.QtWidgets import QGraphicsView

    from netbuilder.ui.theme import apply_palette, system_is_dark

    apply_palette(app, system_is_dark())
    for widget in app.topLevelWidgets():
        for view in widget.findChildren(QGraphicsView):
            view.viewport().update()


def open_window(project_path: str | None = None):
    """Create and show the main window with ``project_path`` (or an empty project) loaded."""
    from netbuilder.graph.project import load_project
    from netbuilder.graph.serialize import ProjectFileError
    from netbuilder.ui.mainwindow import MainWindow

    project, error = None, ""
    if project_path:
        try:
            project = load_project(project_path)
        except ProjectFileError as exc:
            error = str(exc)
    window = MainWindow(project)
    window.show()
    if project is not None and project.path is not None:
        window.recent.add(project.path)
    if error:
        window.show_error("Cannot open the project", error)
    return window


def run_app(project_path: str | None = None) -> int:
    app = make_app()
    window = open_window(project_path)
    if os.environ.get("NETBUILDER_QUIT_WHEN_SHOWN"):
        # bench/startup_time.py: report when the window is on screen, then leave.
        app.processEvents()
        print(f"shown_at={time.time():.6f}", flush=True)
        return 0
    from PySide6.QtCore import QTimer
    QTimer.singleShot(0, window.offer_recovery)
    return app.exec()
