"""Recurrent layers report how much gradient reaches each step of their input: the RNN-vs-LSTM lesson."""

from __future__ import annotations

import pytest
import torch

from netbuilder.train import FunctionCallback, Trainer
from netbuilder.train.stats import PROFILE_POINTS, memory_figures


def memory_stats(project, tmp_path, seed: int):
    """The layer statistics of a short run (2 epochs of 400 sequences) of ``project`` with ``seed``."""
    project.dataset.options["samples"] = 400
    project.training.seed = project.dataset.seed = seed
    seen = []
    trainer = Trainer(project, epochs=2, save=False, out_dir=tmp_path, stats_interval_s=0.0,
                      callbacks=[FunctionCallback(on_layer_stats=seen.append)])
    result = trainer.run()
    assert result.reason == "completed", result.message
    return trainer, seen


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_plain_rnn_passes_orders_of_magnitude_less_gradient_to_step_one_than_an_lstm(example, tmp_path, seed):
    # Measured over these seeds: the RNN's memory 1e-10..1e-15, the LSTM's (forget-gate bias 2) 1e-1..1e-4
    # all through the run; four decades of margin leave room for other machines' arithmetic.
    _, seen = memory_stats(example("rnn_vs_lstm"), tmp_path, seed)
    assert seen
    for stats in seen:
        assert set(stats.memory) == {"rnn", "lstm"}
        assert stats.memory["rnn"] < 1e-4 * stats.memory["lstm"]


def test_the_memory_figure_is_the_first_over_the_last_value_of_a_profile_of_at_most_32_steps(example, tmp_path):
    _, seen = memory_stats(example("rnn_vs_lstm"), tmp_path, 0)
    profile = seen[-1].memory_profile["lstm"]
    assert len(profile) == PROFILE_POINTS  # thinned from the 60 steps of the sequence
    assert all(v > 0 for v in profile)
    assert seen[-1].memory["lstm"] == pytest.approx(profile[0] / profile[-1])


def test_no_hook_stays_on_a_recurrent_layer_after_its_stats_batch(example, tmp_path):
    trainer, _ = memory_stats(example("rnn_vs_lstm"), tmp_path, 0)
    for name in ("rnn", "lstm"):
        module = trainer.graphs["model"].modules[name]
        assert not module._forward_pre_hooks and not module._forward_hooks


def test_layers_without_a_sequence_report_no_memory(iris, tmp_path):
    seen = []
    iris.training.report_every = 4
    Trainer(iris, epochs=1, save=False, out_dir=tmp_path, stats_interval_s=0.0,
            callbacks=[FunctionCallback(on_layer_stats=seen.append)]).run()
    assert seen and all(s.memory == {} and s.memory_profile == {} for s in seen)


def test_memory_figures_keep_the_first_and_last_step_when_thinning():
    norms = torch.arange(1.0, 101.0)
    memory, profile = memory_figures(norms)
    assert memory == pytest.approx(0.01)
    assert len(profile) == PROFILE_POINTS and profile[0] == 1.0 and profile[-1] == 100.0


def test_memory_figures_give_none_when_the_last_step_gets_no_gradient():
    assert memory_figures(torch.tensor([0.5, 0.0])) is None


def test_a_graph_with_two_losses_says_the_loss_is_their_sum_and_which_one_the_metrics_describe(example, tmp_path):
    started = []
    project = example("rnn_vs_lstm")
    project.dataset.options["samples"] = 100
    Trainer(project, epochs=1, save=False, out_dir=tmp_path,
            callbacks=[FunctionCallback(on_run_start=started.append)]).run()
    assert ("the graph has 2 losses (rnn_loss, lstm_loss): 'loss' is their sum; mse and mae are those of the "
            "prediction fed to 'rnn_loss'") in started[0].notes
