"""The command line's one error boundary: the project's errors and the file system's are one line, exit 1 or 2.

A genuinely unexpected exception is a bug and keeps its traceback; everything
the user can act on (a missing GPU, a damaged checkpoint, an unwritable output,
a bad option) is a message naming the file or option, with no traceback.
"""

from __future__ import annotations

import ast
import errno
import json
import os
from pathlib import Path

import pytest
import torch

from netbuilder.cli import main
from netbuilder.cli.errors import explain
from netbuilder.cli.support import EXIT_ERRORS, EXIT_UNREADABLE
from netbuilder.graph import load_project, save_project

ROOT = Path(__file__).resolve().parents[2]
IRIS = ROOT / "resources" / "examples" / "mlp_iris.nbproj"


def _one_clean_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_training_on_a_missing_gpu_is_one_line(capsys):
    assert main(["train", str(IRIS), "--device", "cuda", "--epochs", "1"]) == EXIT_UNREADABLE
    line = _one_clean_line(capsys.readouterr().err)
    assert "CUDA was asked for" in line and "--device cpu" in line


@pytest.mark.parametrize("content", [b"", b"garbage" * 10, b"\x00" * 64], ids=["empty", "garbage", "zeros"])
def test_a_damaged_init_from_checkpoint_is_one_line_naming_it(content, tmp_path, capsys):
    ckpt = tmp_path / "bad.safetensors"
    ckpt.write_bytes(content)
    assert main(["train", str(IRIS), "--init-from", str(ckpt), "--epochs", "1"]) == EXIT_UNREADABLE
    assert str(ckpt) in _one_clean_line(capsys.readouterr().err)


def test_a_folder_given_as_a_checkpoint_is_one_line(tmp_path, capsys):
    assert main(["train", str(IRIS), "--init-from", str(tmp_path), "--epochs", "1"]) == EXIT_UNREADABLE
    assert "not a regular file" in _one_clean_line(capsys.readouterr().err)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_a_fifo_given_as_weights_is_refused_without_reading_it(tmp_path, capsys):
    fifo = tmp_path / "w.safetensors"
    os.mkfifo(fifo)
    assert main(["train", str(IRIS), "--init-from", str(fifo), "--epochs", "1"]) == EXIT_UNREADABLE
    assert main(["export", str(IRIS), "--weights", str(fifo), "--onnx", str(tmp_path / "m.onnx")]) == EXIT_ERRORS
    err = capsys.readouterr().err
    assert err.count("not a regular file") == 2 and "Traceback" not in err


@pytest.mark.parametrize("output,expected", [
    ("", "-o: the file name is empty"),
    ("folder/", "names a folder"),
    ("x" * 300 + ".py", "the name is too long"),
])
def test_an_output_name_that_cannot_be_a_file_is_one_line(output, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["code", str(IRIS), "-o", output]) == EXIT_UNREADABLE
    assert expected in _one_clean_line(capsys.readouterr().err)


def test_an_output_whose_parent_is_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    assert main(["code", str(IRIS), "-o", str(tmp_path / "afile" / "m.py")]) == EXIT_UNREADABLE
    line = _one_clean_line(capsys.readouterr().err)
    assert f"{tmp_path / 'afile' / 'm.py'}: a part of the path is a file, not a folder" in line


def test_an_output_folder_that_does_not_exist_is_one_line(tmp_path, capsys):
    assert main(["code", str(IRIS), "-o", str(tmp_path / "nowhere" / "m.py")]) == EXIT_UNREADABLE
    assert "no such file or folder" in _one_clean_line(capsys.readouterr().err)


def test_a_permission_error_on_an_output_is_one_line_naming_it(tmp_path, capsys, monkeypatch):
    from netbuilder.graph import files

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    assert main(["code", str(IRIS), "-o", str(tmp_path / "m.py")]) == EXIT_UNREADABLE
    line = _one_clean_line(capsys.readouterr().err)
    assert f"{tmp_path / 'm.py'}: permission denied" in line


def test_a_graph_error_on_train_is_a_message_without_a_traceback(tmp_path, capsys):
    project = load_project(IRIS)
    graph = project.graphs["model"]
    loss = next(n for n in graph.nodes.values() if n.name == "loss")
    graph.disconnect(graph.edge_into(loss.id, "target").id)  # the loss has no target any more
    path = save_project(project, tmp_path / "broken.nbproj")
    code = main(["train", str(path), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code in (EXIT_ERRORS, EXIT_UNREADABLE)
    assert "Traceback" not in err and "loss" in err


def test_unexpected_exceptions_are_bugs_and_keep_their_traceback():
    for bug in (ZeroDivisionError(), KeyError("x"), ValueError("internal"), TypeError(), AttributeError()):
        assert explain(bug) is None


def test_project_error_types_map_to_their_exit_codes():
    from netbuilder.compile.errors import GraphCompileError
    from netbuilder.data import DataError
    from netbuilder.export.errors import ExportError
    from netbuilder.graph.files import OverwriteRefused
    from netbuilder.train.checkpoint import CheckpointError
    from netbuilder.train.device import DeviceError

    assert explain(DataError("d.csv: bad"))[0] == EXIT_UNREADABLE
    assert explain(CheckpointError("c: bad"))[0] == EXIT_UNREADABLE
    assert explain(DeviceError("no gpu"))[0] == EXIT_UNREADABLE
    assert explain(ExportError("no"))[0] == EXIT_ERRORS
    assert explain(GraphCompileError([]) if False else OverwriteRefused("m.py: exists", "m.py"))[0] == EXIT_ERRORS
    assert explain(OSError(errno.ENOSPC, "No space left on device", "w.bin")) == (
        EXIT_UNREADABLE, "w.bin: no space left on the disk — free some space or write somewhere else")
    assert GraphCompileError  # imported: its module is loaded, so the boundary can see the class


def test_exit_codes_are_defined_once_in_cli_support():
    defined = []
    for path in (ROOT / "netbuilder" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.startswith("EXIT_")
                                                    for target in node.targets for t in ast.walk(target)):
                defined.append(path.name)
    assert defined == ["support.py"]


# ---- names the terminal must not act on -----------------------------------------------------------
def test_validate_prints_escape_sequences_and_lone_surrogates_in_names_as_text(tmp_path, capsys):
    data = json.loads(IRIS.read_text())
    nodes = data["graphs"]["model"]["nodes"]
    nodes[1]["name"], nodes[2]["name"] = "\x1b[2J\x1b[31mred", "half\ud800pair"
    path = tmp_path / "hostile.nbproj"
    path.write_text(json.dumps(data))  # json writes the surrogate as \\ud800: the file is valid UTF-8
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\x1b[2J\\x1b[31mred" in out
    assert "half\\ud800pair" in out
