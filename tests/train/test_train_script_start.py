"""The exported train.py starts from the project's Start from weights (by name and shape), or says nothing."""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from netbuilder.compile.trainscript import generate_train_script
from netbuilder.export.code_files import write_training_files
from netbuilder.train import read_checkpoint
from tests.train.conftest import EXAMPLES

BODY = EXAMPLES / "finetune_counts_body.safetensors"


def _run(folder, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run([sys.executable, "train.py", "--epochs", "1", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=180)


def test_the_templates_script_loads_the_shipped_body_and_keeps_it_frozen(example, tmp_path):
    project = example("finetune_counts")
    project.dataset.options["samples"] = 120
    write_training_files(project, tmp_path / "model.py")
    assert f"START_FROM = {str(BODY.resolve())!r}" in (tmp_path / "train.py").read_text()
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "started from finetune_counts_body.safetensors: 18 of 20 tensors loaded" in done.stdout
    trained = torch.load(tmp_path / "weights.pt", weights_only=True)
    shipped, _ = read_checkpoint(BODY)
    assert all(torch.equal(trained[k], v) for k, v in shipped.items())


def test_start_from_empty_on_the_command_line_starts_from_random_weights(example, tmp_path):
    project = example("finetune_counts")
    project.dataset.options["samples"] = 120
    write_training_files(project, tmp_path / "model.py")
    done = _run(tmp_path, "--start-from", "")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "started from" not in done.stdout


def test_a_missing_file_stops_the_script_naming_it(example, tmp_path):
    project = example("finetune_counts")
    project.dataset.options["samples"] = 120
    write_training_files(project, tmp_path / "model.py")
    done = _run(tmp_path, "--start-from", str(tmp_path / "gone.safetensors"))
    assert done.returncode != 0
    assert "gone.safetensors: no such weights file" in done.stderr


def test_without_the_setting_the_script_starts_from_nothing_and_says_nothing_of_it(example):
    source = generate_train_script(example("mlp_iris"))
    assert "START_FROM = ''" in source and "It starts from the weights" not in source


def test_an_unsaved_projects_relative_path_is_kept_to_be_read_beside_the_script(example):
    project = example("finetune_counts")
    project.path = None
    assert f"START_FROM = {BODY.name!r}" in generate_train_script(project)
