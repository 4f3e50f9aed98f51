"""Stop, pause and the faults that end a run: each ends with a clear reason and usable weights."""

from __future__ import annotations

import math
import threading
import time

import pytest
import torch
from safetensors.torch import load_file

from netbuilder.train import Callback, Control, FunctionCallback, Trainer
from netbuilder.train.schemes import Supervised


class StopAt(Callback):
    def __init__(self, control: Control, step: int) -> None:
        self.control, self.step, self.seen = control, step, []

    def on_batch_end(self, event) -> None:
        self.seen.append(event.step)
        if event.step == self.step:
            self.control.request_stop()


def test_stop_request_ends_the_run_after_exactly_that_batch(iris, tmp_path):
    iris.training.report_every = 1
    control = Control()
    stopper = StopAt(control, 11)  # in the second epoch (8 batches per epoch)
    result = Trainer(iris, callbacks=[stopper], control=control, epochs=5, out_dir=tmp_path).run()
    assert result.reason == "stopped"
    assert result.steps == 11
    assert stopper.seen[-1] == 11
    assert result.last_checkpoint is not None and result.last_checkpoint.exists()


def test_stop_from_another_thread_while_paused_ends_the_run(iris, tmp_path):
    iris.training.report_every = 1
    control = Control()

    def pause_then_stop_from_elsewhere(event) -> None:
        if event.step == 3:
            control.pause()
            threading.Timer(0.3, control.request_stop).start()  # another thread, while the run is paused

    pauser = FunctionCallback(on_batch_end=pause_then_stop_from_elsewhere)
    result = Trainer(iris, callbacks=[pauser], control=control, epochs=5, out_dir=tmp_path).run()
    assert result.reason == "stopped"
    assert result.steps == 3


def test_pause_holds_the_run_until_resumed(iris, tmp_path):
    iris.training.report_every = 1
    control = Control()
    steps: list[int] = []
    during_pause: list[int] = []

    def on_batch(event) -> None:
        steps.append(event.step)
        if event.step == 4:
            control.pause()

            def check_and_resume() -> None:
                time.sleep(0.3)
                during_pause.append(len(steps))
                control.resume()
            threading.Thread(target=check_and_resume).start()

    result = Trainer(iris, callbacks=[FunctionCallback(on_batch_end=on_batch)], control=control, epochs=2,
                     out_dir=tmp_path).run()
    assert during_pause == [4]  # no batch ran while paused
    assert result.reason == "completed"
    assert result.steps == 16


def test_huge_learning_rate_ends_with_nan_and_keeps_finite_last_weights(iris, tmp_path):
    iris.training.optimizer, iris.training.learning_rate, iris.training.report_every = "sgd", 1e6, 2
    result = Trainer(iris, epochs=3, out_dir=tmp_path).run()
    assert result.reason == "nan"
    assert "learning rate" in result.message
    saved = load_file(str(result.last_checkpoint))
    assert all(torch.isfinite(t).all() for t in saved.values() if t.is_floating_point())


def test_out_of_memory_ends_the_run_with_advice_and_checkpoints(iris, tmp_path, monkeypatch):
    def oom(self, x, y, meter):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(Supervised, "train_step", oom)
    result = Trainer(iris, epochs=2, out_dir=tmp_path).run()
    assert result.reason == "out_of_memory"
    assert "ran out of memory" in result.message and "batch size" in result.message
    assert result.last_checkpoint.exists()


def test_unreadable_data_ends_with_data_error(iris, tmp_path):
    iris.dataset.name, iris.dataset.path = "csv", str(tmp_path / "missing.csv")
    result = Trainer(iris, epochs=1, out_dir=tmp_path).run()
    assert result.reason == "data_error"
    assert "missing.csv" in result.message


def test_data_failing_mid_run_ends_with_data_error_and_checkpoints(iris, tmp_path, monkeypatch):
    from netbuilder.data import DataError

    real_step = Supervised.train_step
    calls = []

    def flaky(self, x, y, meter):
        calls.append(1)
        if len(calls) == 3:
            raise DataError("augmentation works on batches of images; this batch is N×4")
        real_step(self, x, y, meter)

    monkeypatch.setattr(Supervised, "train_step", flaky)
    result = Trainer(iris, epochs=2, out_dir=tmp_path).run()
    assert result.reason == "data_error"
    assert "N×4" in result.message
    assert result.steps == 2 and result.last_checkpoint.exists()


def test_a_failing_layer_is_named_in_the_error(iris, tmp_path, monkeypatch):
    trainer = Trainer(iris, epochs=1, out_dir=tmp_path)
    trainer.prepare()
    # Break the second hidden layer: its weight no longer fits its input.
    hidden2 = trainer.scheme.compiled.modules["hidden2"]
    hidden2.weight = torch.nn.Parameter(torch.zeros(32, 5, device=hidden2.weight.device))  # a shape fault only
    result = trainer.run()
    assert result.reason == "error"
    assert "hidden2" in result.message


def test_early_stopping_ends_when_validation_loss_stops_improving(iris, tmp_path):
    iris.training.learning_rate, iris.training.early_stopping = 0.0, 2
    result = Trainer(iris, epochs=10, out_dir=tmp_path).run()
    assert result.reason == "early_stopped"
    assert result.epochs_completed == 3


def test_the_process_can_train_again_after_a_fault(iris, tmp_path):
    iris.training.optimizer, iris.training.learning_rate = "sgd", 1e6
    assert Trainer(iris, epochs=2, out_dir=tmp_path / "a").run().reason == "nan"
    iris.training.optimizer, iris.training.learning_rate = "adam", 0.01
    again = Trainer(iris, epochs=2, out_dir=tmp_path / "b").run()
    assert again.reason == "completed" and math.isfinite(again.metrics["val_loss"])


def test_layer_stats_name_nodes_and_measure_dead_units(iris, tmp_path):
    seen = []
    iris.training.report_every = 4
    Trainer(iris, epochs=1, out_dir=tmp_path, stats_interval_s=0.0,
            callbacks=[FunctionCallback(on_layer_stats=seen.append)]).run()
    assert [s.step for s in seen] == [4, 8]
    stats = seen[0]
    assert set(stats.grad_mean_abs) == {"hidden1", "hidden2", "scores"}
    assert all(v > 0 for v in stats.grad_mean_abs.values())
    assert set(stats.dead_fraction) == {"relu1", "relu2"}
    assert all(0.0 <= v <= 1.0 for v in stats.dead_fraction.values())


def test_progress_is_reported_every_n_batches_with_rate_and_learning_rate(iris, tmp_path):
    seen = []
    iris.training.report_every = 3
    Trainer(iris, epochs=1, out_dir=tmp_path, callbacks=[FunctionCallback(on_batch_end=seen.append)]).run()
    assert [e.step for e in seen] == [3, 6]
    assert seen[0].learning_rate == pytest.approx(0.01)
    assert seen[0].samples_per_s > 0 and "accuracy" in seen[0].metrics


def test_trainer_runs_in_a_worker_thread_and_stops_from_the_caller(example, tmp_path):
    control = Control()
    started = threading.Event()
    results = []
    project = example("cnn_digits")
    project.training.report_every = 1
    trainer = Trainer(project, control=control, epochs=50, out_dir=tmp_path,
                      callbacks=[FunctionCallback(on_batch_end=lambda e: started.set())])
    worker = threading.Thread(target=lambda: results.append(trainer.run()))
    worker.start()
    assert started.wait(60)
    control.request_stop()
    worker.join(60)
    assert not worker.is_alive()
    assert results[0].reason == "stopped"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="mixed precision needs CUDA")
def test_mixed_precision_on_cuda_trains(iris, tmp_path):
    iris.training.precision = "auto"
    result = Trainer(iris, epochs=2, device="cuda", out_dir=tmp_path).run()
    assert result.reason == "completed" and math.isfinite(result.metrics["val_loss"])


def test_an_epoch_count_out_of_range_is_refused_before_anything_trains(iris, tmp_path):
    result = Trainer(iris, epochs=10**30, out_dir=tmp_path).run()
    assert result.reason == "error" and "between 1 and 100,000" in result.message
    assert result.details == "" and result.steps == 0  # a refusal, not a traceback


def test_a_network_too_large_to_build_is_refused_with_its_size_before_allocating(iris, tmp_path):
    hidden = iris.graphs["model"].node_named("hidden1")
    iris.graphs["model"].set_param(hidden.id, "out_features", 100_000)
    scores = iris.graphs["model"].node_named("hidden2")
    iris.graphs["model"].set_param(scores.id, "out_features", 100_000)
    result = Trainer(iris, epochs=1, out_dir=tmp_path).run()
    assert result.reason == "error" and "parameters" in result.message and result.details == ""
