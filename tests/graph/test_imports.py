"""netbuilder.graph is pure Python + networkx: it must not pull in torch, Qt or onnx."""

import ast
import subprocess
import sys
from pathlib import Path

import netbuilder.graph

FORBIDDEN = ("torch", "PySide6", "pyqtgraph", "onnx", "onnxruntime")
GRAPH_DIR = Path(netbuilder.graph.__file__).parent


def test_importing_the_graph_package_loads_no_torch_qt_or_onnx():
    code = (
        "import sys, netbuilder.graph, netbuilder.graph.report, netbuilder.graph.layout;"
        f"bad = [m for m in {FORBIDDEN!r} if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, f"netbuilder.graph imported {result.stdout.strip()}"


def test_no_graph_module_mentions_a_forbidden_import():
    offenders = []
    for path in GRAPH_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
