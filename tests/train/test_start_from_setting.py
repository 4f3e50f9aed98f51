"""The project's training setting start_from: a weights file loaded by name and shape before the first batch."""

from __future__ import annotations

import shutil

import torch

from netbuilder.graph import load_project
from netbuilder.graph.project import save_project
from netbuilder.train import Callback, Trainer, read_checkpoint
from tests.train.conftest import EXAMPLES

BODY = EXAMPLES / "finetune_counts_body.safetensors"


class Batches(Callback):
    def __init__(self) -> None:
        self.seen = 0

    def on_batch_end(self, event) -> None:
        self.seen += 1


def _finetune(tmp_path, samples: int = 120):
    """The fine-tuning template copied, with its weights file, into a folder of its own; a small data set."""
    shutil.copy(BODY, tmp_path / BODY.name)
    shutil.copy(EXAMPLES / "finetune_counts.nbproj", tmp_path / "finetune_counts.nbproj")
    project = load_project(tmp_path / "finetune_counts.nbproj")
    project.dataset.options["samples"] = samples
    return project


def test_the_template_starts_from_its_shipped_body_and_keeps_it_frozen(tmp_path):
    project = _finetune(tmp_path)
    assert project.training.start_from == BODY.name
    trainer = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "run")
    result = trainer.run()
    assert result.reason == "completed", result.message
    shipped, _ = read_checkpoint(BODY)
    trained = trainer.scheme.compiled.state_dict()
    assert shipped and all(torch.equal(trained[k].cpu(), v) for k, v in shipped.items() if k in trained)
    assert sum(k in trained for k in shipped) == len(shipped)


def test_the_run_notes_say_which_file_and_how_many_layers(tmp_path):
    trainer = Trainer(_finetune(tmp_path), epochs=1, device="cpu", out_dir=tmp_path / "run")
    notes = trainer.prepare().notes
    assert "started from finetune_counts_body.safetensors: 6 layers loaded" in notes


def test_off_by_default_nothing_is_loaded(iris, tmp_path):
    assert iris.training.start_from == ""
    notes = Trainer(iris, epochs=1, out_dir=tmp_path).prepare().notes
    assert not any(n.startswith("started from") for n in notes)


def test_an_explicit_init_from_overrides_the_setting(tmp_path):
    (tmp_path / "a").mkdir()
    first = Trainer(_finetune(tmp_path / "a"), epochs=1, device="cpu", out_dir=tmp_path / "first").run()
    project = _finetune(tmp_path)
    project.training.start_from = "nowhere.safetensors"  # would end the run if it were read
    trainer = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "run",
                      init_from=(first.last_checkpoint, False))
    notes = trainer.prepare().notes
    assert not any(n.startswith("started from") for n in notes)
    assert any(n.startswith("loaded 7 layer(s)") for n in notes)


def test_a_missing_file_ends_the_run_before_the_first_batch_naming_file_and_setting(tmp_path):
    project = _finetune(tmp_path)
    (tmp_path / BODY.name).unlink()
    batches = Batches()
    result = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "run", callbacks=[batches]).run()
    assert result.reason == "error"
    assert "finetune_counts_body.safetensors" in result.message and "Start from" in result.message
    assert batches.seen == 0


def test_a_damaged_file_ends_the_run_naming_file_and_setting(tmp_path):
    project = _finetune(tmp_path)
    (tmp_path / BODY.name).write_bytes(b"\x80\x04 not weights")
    result = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "run").run()
    assert result.reason == "error"
    assert "finetune_counts_body.safetensors" in result.message and "start_from" in result.message


def test_an_unsaved_project_with_a_relative_path_is_refused_in_words(tmp_path):
    project = _finetune(tmp_path)
    project.path = None
    result = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "run").run()
    assert result.reason == "error"
    assert "has not been saved yet" in result.message and "Start from" in result.message


def test_an_absolute_path_works_for_an_unsaved_project(tmp_path):
    project = _finetune(tmp_path)
    project.path, project.training.start_from = None, str(BODY)
    notes = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "run").prepare().notes
    assert "started from finetune_counts_body.safetensors: 6 layers loaded" in notes


def test_saved_to_another_folder_the_relative_path_still_names_the_file(tmp_path):
    project = _finetune(tmp_path)
    (tmp_path / "elsewhere" / "deeper").mkdir(parents=True)
    save_project(project, tmp_path / "elsewhere" / "deeper" / "copy.nbproj")
    assert project.training.start_from == f"../../{BODY.name}"
    reopened = load_project(tmp_path / "elsewhere" / "deeper" / "copy.nbproj")
    assert reopened.training.start_from == f"../../{BODY.name}"
    notes = Trainer(reopened, epochs=1, device="cpu", out_dir=tmp_path / "run").prepare().notes
    assert "started from finetune_counts_body.safetensors: 6 layers loaded" in notes


def test_train_help_says_init_from_overrides_the_setting(capsys):
    import pytest

    from netbuilder.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "overrides the project's 'Start from' setting (training.start_from)" in help_text


def test_the_command_line_trains_the_template_from_its_body_and_says_so(tmp_path, capsys):
    from netbuilder.cli import main

    project = _finetune(tmp_path, samples=60)
    save_project(project)
    code = main(["train", str(project.path), "--epochs", "1", "--device", "cpu", "--out", str(tmp_path / "run")])
    assert code == 0
    assert "started from finetune_counts_body.safetensors: 6 layers loaded" in capsys.readouterr().out


def test_a_run_records_the_file_it_started_from_by_its_absolute_path(tmp_path):
    from netbuilder.graph.runs import list_runs

    project = _finetune(tmp_path)
    result = Trainer(project, epochs=1, device="cpu", out_dir=tmp_path / "runs" / "run-1").run()
    assert result.reason == "completed", result.message
    record = list_runs(tmp_path / "runs")[0]
    assert record.info["training"]["start_from"] == str((tmp_path / BODY.name).resolve())
    assert project.training.start_from == BODY.name  # the project itself keeps its relative path
