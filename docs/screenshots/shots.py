"""What the screenshot scripts beside this file share: where things are, waiting for Qt, and the window.

The scripts are run as files, so Python puts this folder on ``sys.path`` and ``import shots`` finds this
module; importing it puts the repository root on ``sys.path`` so that ``netbuilder`` imports from the tree.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))


def settle(ms: int = 400) -> None:
    """Let Qt run for ``ms`` milliseconds (layouts, paints, queued signals) before a grab."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def isolate() -> None:
    """Screenshots must not depend on (or change) the user's settings, and are taken in the dark theme."""
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
    os.environ.setdefault("NETBUILDER_THEME", "dark")


def open_at(path: str | Path) -> Any:
    """The main window with the project at ``path``, shown at the screenshots' size in the top-left corner."""
    from netbuilder.ui.app import open_window

    window = open_window(str(path))
    window.resize(1600, 960)
    window.move(0, 0)
    return window


def start(path: str | Path) -> tuple[Any, Any]:
    """Isolated settings, the application, and the window on ``path``: ``(app, window)``."""
    isolate()
    from netbuilder.ui.app import make_app

    app = make_app()
    return app, open_at(path)


def grab(widget: Any, name: str) -> None:
    """Save what ``widget`` shows as ``name`` in this folder."""
    widget.grab().save(str(HERE / name))
