"""What a run reports for the window to show: each loss of a graph with several, and samples in the data's
own units (so reconstructions are judged against pictures that look like the data set's)."""

from __future__ import annotations

import torch

from netbuilder.train import FunctionCallback, Trainer
from netbuilder.train.metrics import RegressionMeter


def test_a_graph_with_two_losses_reports_each_loss_and_their_sum(example, tmp_path):
    result = Trainer(example("rnn_vs_lstm"), epochs=1, out_dir=tmp_path, save=False).run()
    assert result.reason == "completed", result.message
    for side in (result.history[-1].train, result.history[-1].val):
        assert {"rnn_loss", "lstm_loss"} <= set(side)
        assert abs(side["rnn_loss"] + side["lstm_loss"] - side["loss"]) < 1e-4 * max(1.0, side["loss"])


def test_a_graph_with_one_loss_reports_no_parts(example, tmp_path):
    result = Trainer(example("mlp_iris"), epochs=1, out_dir=tmp_path, save=False).run()
    assert not any(k.endswith("loss") and k != "loss" for k in result.history[-1].val)


def test_a_meter_averages_each_tracked_part_over_its_batches():
    meter = RegressionMeter(torch.device("cpu")).track_parts(("a_loss", "b_loss"))
    for a, b in ((1.0, 4.0), (3.0, 8.0)):
        meter.update(torch.tensor(a + b), torch.zeros(2), torch.zeros(2))
        meter.add_loss_parts(torch.tensor([a, b]))
    values = meter.compute()
    assert (values["loss"], values["a_loss"], values["b_loss"]) == (8.0, 2.0, 6.0)


def test_autoencoder_samples_come_in_the_data_sets_own_pixel_values(example, tmp_path):
    seen = []
    Trainer(example("autoencoder_digits"), epochs=1, out_dir=tmp_path, save=False,
            callbacks=[FunctionCallback(on_samples=seen.append)]).run()
    originals = seen[0].inputs
    # The digits' pixels are whole numbers from 0 to 16, not values standardised per pixel.
    assert float(originals.min()) > -1e-3 and abs(float(originals.max()) - 16) < 1e-3
    assert torch.allclose(originals, originals.round(), atol=1e-3)
    assert 0 <= float(seen[0].outputs.mean()) <= 16
