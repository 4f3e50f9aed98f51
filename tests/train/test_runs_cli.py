"""`netbuilder runs PROJECT`: every run of a project, newest first, as a table or JSON; `netbuilder train` keeps
each run in a folder of its own (``--out`` is exactly the folder given) and writes TensorBoard events on request."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netbuilder.cli import main
from netbuilder.graph.runs import rename_run

IRIS = Path(__file__).resolve().parents[2] / "resources" / "examples" / "mlp_iris.nbproj"


@pytest.fixture
def project(tmp_path) -> Path:
    path = tmp_path / "flowers.nbproj"
    shutil.copy(IRIS, path)
    return path


def train(project: Path, *extra: str) -> int:
    return main(["train", str(project), "--epochs", "1", "--device", "cpu", "--json", *extra])


def test_two_runs_are_two_folders_listed_newest_first_as_one_json_array(project, capsys):
    assert train(project) == 0 and train(project) == 0
    capsys.readouterr()
    assert main(["runs", str(project), "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert len(runs) == 2 and runs[0]["started"] >= runs[1]["started"]
    folders = [Path(r["folder"]) for r in runs]
    assert all(f.parent == project.parent / "runs" / "flowers" for f in folders) and folders[0] != folders[1]
    first = runs[0]
    assert first["reason"] == "completed" and first["epochs_completed"] == 1 and first["device"]
    assert "val_accuracy" in first["metrics"] and first["params"] > 0 and first["macs"] > 0
    assert first["weights"] == str(folders[0] / "best.safetensors") and first["trial"] is False


def test_the_table_names_each_run_with_its_figures(project, capsys):
    train(project)
    capsys.readouterr()
    run = next((project.parent / "runs" / "flowers").iterdir())
    rename_run(run, "baseline")
    assert main(["runs", str(project)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["run", "date", "ended", "epochs"] and "val accuracy" in lines[0]
    assert lines[2].startswith("baseline") and "completed" in lines[2]
    assert lines[-1].startswith("1 run(s) in")


def test_a_project_never_trained_has_no_runs(project, capsys):
    assert main(["runs", str(project)]) == 0
    assert "no runs recorded yet" in capsys.readouterr().out
    assert main(["runs", str(project), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_missing_project_exits_2_with_its_name(tmp_path, capsys):
    assert main(["runs", str(tmp_path / "nowhere.nbproj")]) == 2
    assert "nowhere.nbproj" in capsys.readouterr().err


def test_out_is_exactly_the_folder_given(project, tmp_path):
    assert train(project, "--out", str(tmp_path / "here")) == 0
    assert (tmp_path / "here" / "history.json").is_file() and not (project.parent / "runs").exists()


def test_tensorboard_events_go_to_a_folder_per_run_inside_the_folder_given(project, tmp_path):
    pytest.importorskip("tensorboard")
    assert train(project, "--tensorboard", str(tmp_path / "tb")) == 0
    run = next((project.parent / "runs" / "flowers").iterdir())
    events = list((tmp_path / "tb" / run.name).glob("events.out.tfevents.*"))
    assert len(events) == 1 and events[0].stat().st_size > 0
