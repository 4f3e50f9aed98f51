"""Checkpoints round-trip, and transfer learning loads matching nodes and keeps frozen ones fixed."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from netbuilder.compile import build
from netbuilder.train import CheckpointError, Trainer, load_checkpoint, load_matching, read_checkpoint


def test_checkpoint_round_trip_restores_the_same_weights(iris, tmp_path):
    trainer = Trainer(iris, epochs=1, out_dir=tmp_path)
    result = trainer.run()
    fresh = build(iris.graphs["model"], "train")
    load_checkpoint({"model": fresh}, result.last_checkpoint)
    # The run may have trained on a GPU; the checkpoint loads onto the CPU: compare there.
    trained = {k: v.cpu() for k, v in trainer.scheme.compiled.state_dict().items()}
    assert fresh.state_dict().keys() == trained.keys()
    assert all(torch.equal(fresh.state_dict()[k], trained[k]) for k in trained)


def test_run_writes_best_last_and_history_beside_each_other(iris, tmp_path):
    result = Trainer(iris, epochs=2, out_dir=tmp_path).run()
    assert {p.name for p in tmp_path.iterdir()} >= {"best.safetensors", "last.safetensors", "history.json"}
    _, metadata = read_checkpoint(result.best_checkpoint)
    assert metadata["format"] == "netbuilder"


def test_by_default_each_run_gets_a_folder_of_its_own_beside_the_project_file(iris, tmp_path):
    from netbuilder.graph.runs import list_runs

    iris.path = tmp_path / "flowers.nbproj"
    first, second = Trainer(iris, epochs=1).run(), Trainer(iris, epochs=1).run()
    runs = tmp_path / "runs" / "flowers"
    assert first.last_checkpoint.parent.parent == runs == second.last_checkpoint.parent.parent
    assert first.last_checkpoint != second.last_checkpoint and first.last_checkpoint.is_file()
    assert [r.folder for r in list_runs(runs)] == [second.last_checkpoint.parent, first.last_checkpoint.parent]


def test_a_file_that_is_not_safetensors_is_refused_with_its_name(iris, tmp_path):
    bad = tmp_path / "weights.safetensors"
    bad.write_bytes(b"\x80\x04not a checkpoint")
    with pytest.raises(CheckpointError, match="weights.safetensors"):
        load_matching(build(iris.graphs["model"], "train"), bad)


def test_load_matching_reports_matched_missing_and_other_shapes(iris, tmp_path):
    compiled = build(iris.graphs["model"], "train")
    state = dict(compiled.state_dict())
    state["scores.weight"] = torch.zeros(5, 32)  # another head: 5 classes
    del state["hidden2.weight"], state["hidden2.bias"]
    path = tmp_path / "other.safetensors"
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    report = load_matching(compiled, path)
    assert report.matched == ["hidden1"]
    assert report.missing == ["hidden2"]
    assert report.mismatched == ["scores.weight (5, 32) vs (3, 32)"]


def test_frozen_layers_stay_unchanged_while_the_rest_trains(example, tmp_path):
    source = example("mlp_iris")
    first = Trainer(source, epochs=1, out_dir=tmp_path / "source").run()
    target = example("mlp_iris")
    head = next(n for n in target.graphs["model"].nodes.values() if n.name == "scores")
    head.name = "new_head"  # no weights of that name in the checkpoint: it starts fresh and trains
    trainer = Trainer(target, epochs=2, out_dir=tmp_path / "target", init_from=(first.last_checkpoint, True))
    trainer.prepare()
    compiled = trainer.scheme.compiled
    before = {k: v.clone() for k, v in compiled.state_dict().items()}
    result = trainer.run()
    after = compiled.state_dict()
    assert result.reason == "completed"
    for key in ("hidden1.weight", "hidden1.bias", "hidden2.weight", "hidden2.bias"):
        assert torch.equal(before[key], after[key]), key
    assert not torch.equal(before["new_head.weight"], after["new_head.weight"])
    assert set(compiled.frozen) == {"hidden1", "hidden2"}


def test_transfer_without_freezing_starts_from_the_checkpoint_and_trains_everything(example, tmp_path):
    first = Trainer(example("mlp_iris"), epochs=1, out_dir=tmp_path / "source").run()
    trainer = Trainer(example("mlp_iris"), epochs=1, out_dir=tmp_path / "t", init_from=(first.last_checkpoint, False))
    trainer.prepare()
    # On the CPU, whatever device the run uses: the checkpoint file reads back as CPU tensors.
    loaded = {k: v.detach().cpu().clone() for k, v in trainer.scheme.compiled.state_dict().items()}
    saved, _ = read_checkpoint(first.last_checkpoint)
    assert all(torch.equal(loaded[k], saved[k]) for k in saved)
    trainer.run()
    assert not torch.equal(loaded["hidden1.weight"], trainer.scheme.compiled.state_dict()["hidden1.weight"].cpu())


def test_gan_checkpoint_holds_both_graphs(example, tmp_path):
    result = Trainer(example("gan_digits"), epochs=1, out_dir=tmp_path).run()
    tensors, _ = read_checkpoint(result.last_checkpoint)
    assert {k.split("/")[0] for k in tensors} == {"generator", "discriminator"}


def test_a_run_records_what_it_trained_beside_its_checkpoints(iris, tmp_path):
    from netbuilder.graph.runs import last_run

    Trainer(iris, epochs=1, out_dir=tmp_path).run()
    record = last_run(tmp_path)
    assert record is not None and record.ok
    info = record.info
    assert info["training"]["epochs"] == iris.training.epochs and set(info["graphs"]) == {"model"}
    assert info["params"] > 0 and info["device"].startswith("cpu") and len(info["fingerprint"]) == 16
    assert info["duration_s"] > 0 and record.class_names == ["setosa", "versicolor", "virginica"]
