"""`netbuilder train`: JSON lines per epoch, a readable summary, and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from netbuilder.cli import main

IRIS = str(Path(__file__).resolve().parents[2] / "resources" / "examples" / "mlp_iris.nbproj")


def test_json_prints_one_object_per_epoch_and_a_final_one(tmp_path, capsys):
    code = main(["train", IRIS, "--epochs", "2", "--json", "--out", str(tmp_path), "--device", "cpu"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["event"] for line in lines] == ["epoch", "epoch", "finished"]
    assert lines[-1]["reason"] == "completed"
    assert "val_accuracy" in lines[-1]["metrics"]
    assert (tmp_path / "best.safetensors").exists()


def test_plain_output_shows_epochs_and_a_summary(tmp_path, capsys):
    code = main(["train", IRIS, "--epochs", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "epoch 1/1" in out and "completed" in out and "best checkpoint" in out


def test_unreadable_project_exits_2_with_the_file_named(tmp_path, capsys):
    bad = tmp_path / "broken.nbproj"
    bad.write_text("{ not json")
    assert main(["train", str(bad)]) == 2
    assert "broken.nbproj" in capsys.readouterr().err


def test_init_from_with_freeze_loaded_reports_what_it_loaded(tmp_path, capsys):
    main(["train", IRIS, "--epochs", "1", "--json", "--out", str(tmp_path / "a")])
    capsys.readouterr()
    code = main(["train", IRIS, "--epochs", "1", "--out", str(tmp_path / "b"),
                 "--init-from", str(tmp_path / "a" / "last.safetensors"), "--freeze-loaded"])
    out = capsys.readouterr().out
    assert code == 1  # everything matched and froze: nothing left to train
    assert "every layer with weights is frozen" in out
