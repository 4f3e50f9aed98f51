"""The exported training script runs on its own, and under torchrun with DDP its ranks agree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder.compile.trainscript import generate_train_script
from netbuilder.export.code_files import write_training_files

TORCHRUN = Path(sys.executable).with_name("torchrun")
EXAMPLE_NAMES = ("mlp_iris", "cnn_digits", "lstm_sine", "autoencoder_digits", "gan_digits", "residual_wine")


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_train_script_is_valid_python_for_every_example(example, name):
    source = generate_train_script(example(name))
    compile(source, "train.py", "exec")
    assert "DistributedDataParallel" in source and "from model import" in source


def test_files_are_model_train_and_data_beside_each_other(example, tmp_path):
    paths = write_training_files(example("mlp_iris"), tmp_path / "model.py")
    assert [p.name for p in paths] == ["model.py", "train.py", "data.npz"]


@pytest.mark.slow
@pytest.mark.skipif(not TORCHRUN.exists(), reason="torchrun is not installed beside this Python")
def test_two_process_torchrun_run_finishes_with_identical_weights_on_both_ranks(example, tmp_path):
    write_training_files(example("mlp_iris"), tmp_path / "model.py")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}  # gloo on the CPU
    done = subprocess.run([str(TORCHRUN), "--standalone", "--nproc_per_node=2", "train.py", "--epochs", "1"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    sums = dict(re.findall(r"rank (\d) checksum (\S+)", done.stdout))
    assert set(sums) == {"0", "1"}
    assert sums["0"] == sums["1"]
    assert (tmp_path / "weights.pt").exists()


def test_code_command_with_train_script_writes_the_three_files(tmp_path, capsys):
    from netbuilder.cli import main

    iris = Path(__file__).resolve().parents[2] / "resources" / "examples" / "mlp_iris.nbproj"
    assert main(["code", str(iris), "--train-script", "-o", str(tmp_path / "net.py")]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"net.py", "train.py", "data.npz"}
    assert "from net import MlpOnIris" in (tmp_path / "train.py").read_text()
    assert "torchrun" in capsys.readouterr().out


def _script_settings(source: str) -> dict:
    settings_text = source.split("SETTINGS = ", 1)[1].split("\n}\n", 1)[0] + "\n}"
    return eval(settings_text, {})  # noqa: S307 - a dict literal this test generated


def test_the_script_writes_down_the_projects_precision_and_compile_choices(example):
    project = example("cnn_digits")
    project.training.precision, project.training.compile = "fp32", "max-autotune"
    settings = _script_settings(generate_train_script(project))
    assert settings["precision"] == "fp32" and settings["compile"] == "max-autotune"
    source = generate_train_script(project)
    assert "torch.autocast" in source and "channels_last" in source and "torch.compile" in source


def test_the_scripts_compiled_mode_falls_back_to_eager_when_compiling_fails(example, tmp_path):
    project = example("mlp_iris")
    project.training.compile = "default"
    write_training_files(project, tmp_path / "model.py")
    # A torch whose compiler is broken, as on a machine without a C++ toolchain.
    (tmp_path / "sitecustomize.py").write_text(
        "import torch\n"
        "def broken(fn, **kw):\n"
        "    def run(*a, **k):\n"
        "        raise RuntimeError('no C++ compiler')\n"
        "    return run\n"
        "torch.compile = broken\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, "train.py", "--epochs", "1"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "torch.compile failed (RuntimeError); training without it" in done.stdout
    assert "epoch 1/1" in done.stdout and (tmp_path / "weights.pt").exists()
