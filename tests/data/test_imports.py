"""The data package runs without Qt (command line, training worker)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_data_package_loads_no_qt():
    code = "import sys, netbuilder.data; print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
