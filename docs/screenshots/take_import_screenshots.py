"""Take the screenshots of real architectures: DenseNet-121 imported from ONNX (collapsed blocks, layered
layout) and the ResNet-18 template.

Run under a virtual X display:
    xvfb-run -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        docs/screenshots/take_import_screenshots.py

DenseNet-121 comes from the onnx package's model-zoo test data (no download). Writes densenet_imported.png
and resnet18_template.png here.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))


def settle(ms: int = 400) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> None:
    import onnx
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp())
    os.environ.setdefault("NETBUILDER_THEME", "dark")
    from netbuilder.ui.app import make_app, open_window

    app = make_app()
    window = open_window(str(ROOT / "resources/examples/resnet18_shapes.nbproj"))
    window.resize(1600, 960)
    window.move(0, 0)
    settle(800)
    window.grab().save(str(HERE / "resnet18_template.png"))

    densenet = Path(onnx.__file__).parent / "backend/test/data/light/light_densenet121.onnx"
    before = window.editor()
    window.import_onnx(str(densenet))
    deadline = time.monotonic() + 180
    while window.editor() is before and time.monotonic() < deadline:  # the import runs on another thread
        settle(200)
    settle(1200)
    window.grab().save(str(HERE / "densenet_imported.png"))
    window.undo_stack.setClean()
    window.ask_save_changes = lambda: __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.Discard
    window.close()
    app.quit()


if __name__ == "__main__":
    main()
