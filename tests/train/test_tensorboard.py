"""TensorBoard event files of a run: per-epoch scalars in a folder per run (optional: the tensorboard extra)."""

from __future__ import annotations

import pytest

from netbuilder.train import Trainer
from netbuilder.train.tensorboard import TensorBoardEvents, TensorBoardUnavailable, tensorboard_available

pytestmark = pytest.mark.skipif(not tensorboard_available(), reason="the tensorboard extra is not installed")


def scalars(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(s.step, s.value) for s in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_each_epochs_training_and_validation_figures_and_learning_rate_are_scalars(iris, tmp_path):
    result = Trainer(iris, epochs=3, out_dir=tmp_path / "run", callbacks=[TensorBoardEvents()]).run()
    written = scalars(tmp_path / "run")  # the run's own folder
    assert {"loss/train", "loss/val", "accuracy/train", "accuracy/val", "learning_rate"} <= set(written)
    assert [step for step, _ in written["loss/val"]] == [1, 2, 3]
    assert written["loss/val"][-1][1] == pytest.approx(result.history[-1].val["loss"], rel=1e-6)


def test_a_folder_given_for_the_events_gets_one_folder_per_run_named_as_the_run(iris, tmp_path):
    for name in ("first", "second"):
        Trainer(iris, epochs=1, out_dir=tmp_path / "runs" / name,
                callbacks=[TensorBoardEvents(tmp_path / "tb")]).run()
    assert sorted(p.name for p in (tmp_path / "tb").iterdir()) == ["first", "second"]
    assert scalars(tmp_path / "tb" / "second")["loss/train"][0][0] == 1


def test_without_the_package_it_says_how_to_install_it(monkeypatch):
    import netbuilder.train.tensorboard as tensorboard

    monkeypatch.setattr(tensorboard, "tensorboard_available", lambda: False)
    with pytest.raises(TensorBoardUnavailable, match=r"netbuilder\[tensorboard\]"):
        TensorBoardEvents()
