"""Suite-wide fixtures."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(scope="session", autouse=True)
def empty_clipboard_at_exit():
    """Clear Qt's clipboard before the interpreter exits.

    Under the offscreen platform, a QMimeData still owned by the clipboard when the
    QApplication is torn down at interpreter exit crashes the process (exit 139) after
    every test has passed; copy/paste tests leave exactly that behind.
    """
    yield
    if "PySide6" in sys.modules:
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is not None:
            QGuiApplication.clipboard().clear()
