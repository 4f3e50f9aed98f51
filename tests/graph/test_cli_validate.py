"""`netbuilder validate`: diagnostics as file: node 'name' (type): message, then the shapes table."""

from __future__ import annotations

import json
from pathlib import Path

from netbuilder.cli import main
from netbuilder.graph import Project, save_project
from tests.graph.builders import classifier

CNN = Path(__file__).parents[2] / "resources" / "examples" / "cnn_digits.nbproj"


def test_a_clean_project_exits_0_and_prints_the_shapes_table(capsys):
    assert main(["validate", str(CNN)]) == 0
    out = capsys.readouterr().out
    assert "conv1" in out and "N×16×8×8" in out and "38,314" in out
    assert "0 error(s)" in out


def test_errors_are_printed_per_node_and_exit_1(tmp_path, capsys):
    g, ids = classifier()
    g.set_param(ids["fc1"], "out_features", 0)
    path = save_project(Project(graphs={"model": g}), tmp_path / "bad.nbproj")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: node 'fc1' (Linear): error: Linear 'fc1': out_features must be between" in out


def test_an_unreadable_file_exits_2_with_the_reason(tmp_path, capsys):
    path = tmp_path / "x.nbproj"
    path.write_text(json.dumps({"format_version": 99, "graphs": {}}))
    assert main(["validate", str(path)]) == 2
    assert "newer netbuilder" in capsys.readouterr().err


def test_the_command_line_starts_without_importing_torch():
    import subprocess
    import sys

    code = ("import sys; from netbuilder.cli import build_parser; build_parser(); "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0, "parsing arguments must not import torch"
