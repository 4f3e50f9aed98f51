"""The command line never writes over a file it was not told to replace, and never half-writes one.

Each case of the never-overwrite issue: the project's own files (project, data,
weights) are never a target, not even with --force; an existing file is replaced
only with --force; a write that fails part-way (a full disk, simulated by a
failing writer) leaves the old file whole; concurrent exports to one file all
finish; a training run whose output folder cannot be written does not start.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from netbuilder.cli import main
from netbuilder.graph import load_project, save_project

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def npz_project(tmp_path) -> Path:
    """mlp_iris trained on its own ``data.npz`` beside the project, in a folder that also holds train.py."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "data.npz", x=rng.normal(size=(60, 4)).astype(np.float32), y=rng.integers(0, 3, 60))
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    project.dataset.name, project.dataset.path = "npz", "data.npz"
    path = save_project(project, tmp_path / "P.nbproj")
    (tmp_path / "train.py").write_text("# the user's own training script\n")
    return path


# ---- silent overwrites ----------------------------------------------------------------------------
def test_the_training_script_export_never_replaces_the_projects_own_data(npz_project, capsys):
    before = _snapshot(npz_project.parent)
    code = main(["code", str(npz_project), "--train-script", "-o", str(npz_project.parent / "model.py"), "--force"])
    err = capsys.readouterr().err
    assert code == 1
    assert "data.npz: this is the project's data set" in err and "not even with --force" in err
    assert _snapshot(npz_project.parent) == before  # nothing written: not model.py, not train.py


def test_the_training_script_export_keeps_the_users_train_py_unless_forced(npz_project, tmp_path, capsys):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "train.py").write_text("# mine\n")
    assert main(["code", str(npz_project), "--train-script", "-o", str(folder / "model.py")]) == 1
    assert "train.py: the file already exists" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["train.py"]
    assert (folder / "train.py").read_text() == "# mine\n"
    assert main(["code", str(npz_project), "--train-script", "-o", str(folder / "model.py"), "--force"]) == 0
    assert "DistributedDataParallel" in (folder / "train.py").read_text()


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_code_never_writes_over_the_project(npz_project, force, capsys):
    before = npz_project.read_bytes()
    assert main(["code", str(npz_project), "-o", str(npz_project), *force]) == 1
    assert "this is the project file" in capsys.readouterr().err
    assert npz_project.read_bytes() == before


def test_code_replaces_an_existing_file_only_with_force(npz_project, tmp_path, capsys):
    mine = tmp_path / "mine.py"
    mine.write_text("# my code\n")
    assert main(["code", str(npz_project), "-o", str(mine)]) == 1
    assert "add --force to replace it" in capsys.readouterr().err
    assert mine.read_text() == "# my code\n"
    assert main(["code", str(npz_project), "-o", str(mine), "--force"]) == 0
    assert "class MlpOnIris" in mine.read_text()


@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_export_never_writes_over_the_project_or_its_data(npz_project, force, capsys):
    before = _snapshot(npz_project.parent)
    for target in (npz_project, npz_project.parent / "data.npz"):
        assert main(["export", str(npz_project), "--onnx", str(target), *force]) == 1
    err = capsys.readouterr().err
    assert "this is the project file" in err and "this is the project's data set" in err
    assert _snapshot(npz_project.parent) == before


def test_export_never_writes_over_the_weights_it_exports(npz_project, tmp_path, capsys):
    from netbuilder.compile import build
    from netbuilder.export.weights import save_weights

    project = load_project(npz_project)
    weights = save_weights(build(project.graphs["model"], "inference").state_dict(), tmp_path / "w.onnx")
    before = weights.read_bytes()
    assert main(["export", str(npz_project), "--weights", str(weights), "--onnx", str(weights), "--force"]) == 1
    assert "the weights being used" in capsys.readouterr().err
    assert weights.read_bytes() == before


@pytest.fixture(scope="module")
def small_onnx(tmp_path_factory) -> Path:
    from netbuilder.export.onnx_out import export_onnx

    path = tmp_path_factory.mktemp("onnx") / "m.onnx"
    export_onnx(load_project(EXAMPLES / "mlp_iris.nbproj"), path, exporter="torchscript")
    return path


def test_import_replaces_an_existing_project_and_its_weights_only_with_force(small_onnx, tmp_path, capsys):
    project, weights = tmp_path / "existing.nbproj", tmp_path / "existing.safetensors"
    project.write_text("the user's project")
    weights.write_bytes(b"the user's weights")
    assert main(["import-onnx", str(small_onnx), "-o", str(project)]) == 1
    assert "existing.nbproj: the file already exists" in capsys.readouterr().err
    assert project.read_text() == "the user's project" and weights.read_bytes() == b"the user's weights"
    assert main(["import-onnx", str(small_onnx), "-o", str(project), "--force"]) == 0
    assert load_project(project).graphs["model"].nodes
    assert weights.read_bytes() != b"the user's weights"


def test_import_refuses_when_only_the_weights_file_exists(small_onnx, tmp_path, capsys):
    (tmp_path / "new.safetensors").write_bytes(b"someone's weights")
    assert main(["import-onnx", str(small_onnx), "-o", str(tmp_path / "new.nbproj")]) == 1
    assert "new.safetensors: the file already exists" in capsys.readouterr().err
    assert not (tmp_path / "new.nbproj").exists()


# ---- writes that can half-happen ------------------------------------------------------------------
@pytest.fixture
def full_disk(monkeypatch):
    """Every ``Path.write_bytes`` into a temporary writes 4,096 bytes and then fails as a full disk does."""
    real = Path.write_bytes
    calls: list[Path] = []

    def write_bytes(self: Path, data: bytes) -> int:
        if not self.name.endswith(".tmp"):
            return real(self, data)
        calls.append(self)
        real(self, data[:4096])
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    return calls


def test_code_over_an_existing_file_on_a_full_disk_leaves_it_whole(npz_project, tmp_path, full_disk, capsys):
    mine = tmp_path / "mine.py"
    mine.write_text("# my code\n" * 2000)
    assert main(["code", str(npz_project), "-o", str(mine), "--force"]) == 2
    err = capsys.readouterr().err
    assert f"{mine}: no space left on the disk" in err and "Traceback" not in err
    assert full_disk, "the writer was not used"
    assert mine.read_text() == "# my code\n" * 2000
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_import_over_a_project_on_a_full_disk_leaves_project_and_weights_whole(small_onnx, tmp_path, monkeypatch,
                                                                              capsys):
    project, weights = tmp_path / "mine.nbproj", tmp_path / "mine.safetensors"
    project.write_text("old project")
    weights.write_bytes(b"old weights")
    real = Path.write_bytes

    def weights_fail(self: Path, data: bytes) -> int:  # the project's temporary is written, the weights' not
        if self.name.startswith(".mine.safetensors."):
            real(self, data[:4096])
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", weights_fail)
    assert main(["import-onnx", str(small_onnx), "-o", str(project), "--force"]) == 2
    err = capsys.readouterr().err
    assert "mine.safetensors: no space left on the disk" in err and "Traceback" not in err
    assert project.read_text() == "old project" and weights.read_bytes() == b"old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.nbproj", "mine.safetensors"]


def test_training_into_a_folder_that_cannot_be_written_stops_before_the_first_batch(npz_project, tmp_path, capsys):
    (tmp_path / "blocked").write_text("a file where the run folder should go")
    code = main(["train", str(npz_project), "--epochs", "1", "--out", str(tmp_path / "blocked" / "run")])
    captured = capsys.readouterr()
    assert code == 2
    assert "blocked" in captured.err and "cannot write into this folder" in captured.err
    assert "epoch" not in captured.out  # not a batch was trained


def test_training_into_a_folder_without_permission_stops_before_the_first_batch(npz_project, tmp_path,
                                                                                 monkeypatch, capsys):
    from netbuilder.graph import files

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    assert main(["train", str(npz_project), "--epochs", "1", "--out", str(tmp_path / "run")]) == 2
    assert "Permission denied" in capsys.readouterr().err


# Each process imports everything first, then waits for the go file, so the three exports really overlap.
EXPORTER = """
import os, sys, time
from pathlib import Path
import netbuilder.export.onnx_out, onnxruntime
from netbuilder.cli import main
go = Path(sys.argv[1])
(go.parent / f"ready-{os.getpid()}").write_text("")
while not go.exists():
    time.sleep(0.005)
sys.exit(main(sys.argv[2:]))
"""


def test_three_exports_to_one_file_at_once_all_succeed_with_a_whole_file(npz_project, tmp_path):
    import time

    import onnx

    out = tmp_path / "out"
    out.mkdir()
    target, go = out / "same.onnx", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", EXPORTER, str(go), "export", str(npz_project), "--onnx", str(target), "--force",
           "--exporter", "torchscript"]
    runs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    deadline = time.monotonic() + 240
    while len(list(tmp_path.glob("ready-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    go.write_text("go")
    results = [(*p.communicate(timeout=300), p.returncode) for p in runs]
    for _, err, code in results:
        assert code == 0, err
        assert "Traceback" not in err and "disagree" not in err
    onnx.checker.check_model(str(target), full_check=True)
    assert [p.name for p in out.iterdir()] == ["same.onnx"]  # no temporary left behind
