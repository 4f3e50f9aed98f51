"""Take the screenshots of real architectures: DenseNet-121 imported from ONNX (collapsed blocks, layered
layout) and the ResNet-18 template.

Run under a virtual X display:
    xvfb-run -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb .venv/bin/python \
        docs/screenshots/take_import_screenshots.py

DenseNet-121 comes from the onnx package's model-zoo test data (no download). Writes densenet_imported.png
and resnet18_template.png here.
"""

from __future__ import annotations

import time
from pathlib import Path

from shots import ROOT, grab, settle, start


def main() -> None:
    import onnx

    app, window = start(ROOT / "resources/examples/resnet18_shapes.nbproj")
    settle(800)
    grab(window, "resnet18_template.png")

    densenet = Path(onnx.__file__).parent / "backend/test/data/light/light_densenet121.onnx"
    before = window.editor()
    window.import_onnx(str(densenet))
    deadline = time.monotonic() + 180
    while window.editor() is before and time.monotonic() < deadline:  # the import runs on another thread
        settle(200)
    settle(1200)
    grab(window, "densenet_imported.png")
    window.undo_stack.setClean()
    window.ask_save_changes = lambda: __import__("PySide6.QtWidgets").QtWidgets.QMessageBox.Discard
    window.close()
    app.quit()


if __name__ == "__main__":
    main()
