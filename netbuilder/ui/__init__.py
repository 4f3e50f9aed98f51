"""The window. The only part that imports PySide6 or pyqtgraph."""
