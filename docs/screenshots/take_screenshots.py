"""Take the README screenshots of the real window.

Run under a virtual X display:
    xvfb-run -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python docs/screenshots/take_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))


def settle(app, ms: int = 300) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> None:
    from PySide6.QtCore import QSettings

    # Screenshots must not depend on (or change) the user's settings.
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
    os.environ.setdefault("NETBUILDER_THEME", "dark")
    from netbuilder.ui.app import make_app, open_window

    app = make_app()
    window = open_window(str(ROOT / "resources/examples/cnn_digits.nbproj"))
    window.resize(1600, 960)
    window.move(0, 0)
    settle(app)
    editor = window.editor()
    graph = editor.graph

    # 1. The CNN template after View › Auto-layout (wrapped to fit the window), a layer selected.
    editor.auto_layout()
    window.undo_stack.setClean()
    conv2 = graph.node_named("conv2")
    editor.scene.select_nodes([conv2.id])
    settle(app)
    window.grab().save(str(HERE / "cnn_template.png"))

    # 2. A diagnostic: the Flatten removed, so the first Linear receives an image.
    flatten = graph.node_named("flatten")
    editor.scene.select_nodes([flatten.id])
    editor.delete_selection()
    editor.connect_ports(graph.node_named("pool").id, "out", graph.node_named("dropout").id, "in")
    editor.auto_layout()
    window.run_analysis()
    fc1 = graph.node_named("fc1")
    editor.scene.select_nodes([fc1.id])
    settle(app)
    window.grab().save(str(HERE / "diagnostic.png"))
    window.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
