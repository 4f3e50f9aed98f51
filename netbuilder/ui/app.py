"""Start the Qt application (placeholder until the canvas lands)."""

from __future__ import annotations

import sys


def run_app(project_path: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv)
    label = QLabel(f"netbuilder — {project_path or 'new project'}")
    label.resize(640, 400)
    label.show()
    return app.exec()
