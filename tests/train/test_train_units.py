"""Metrics, optimisers, device choice and the autoencoder's clean target, one behaviour each."""

from __future__ import annotations

import pytest
import torch

from netbuilder.compile import build
from netbuilder.graph import TrainingSettings
from netbuilder.train import DeviceError, pick_device
from netbuilder.train.metrics import ClassificationMeter, RegressionMeter
from netbuilder.train.optim import make_optimizer, make_schedule
from netbuilder.train.schemes import separate_targets

CPU = torch.device("cpu")


def test_classification_meter_counts_accuracy_and_confusion_on_the_device():
    meter = ClassificationMeter(CPU, 3, confusion=True)
    scores = torch.tensor([[5.0, 0, 0], [0, 5.0, 0], [0, 5.0, 0], [0, 0, 5.0]])
    meter.update(torch.tensor(0.5), scores, torch.tensor([0, 1, 2, 2]))
    meter.update(torch.tensor(1.5), scores[:1], torch.tensor([1]))
    values = meter.compute()
    assert values == {"loss": 1.0, "accuracy": pytest.approx(3 / 5)}
    assert meter.confusion_matrix() == [[1, 0, 0], [1, 1, 0], [0, 1, 1]]


def test_regression_meter_reports_mse_and_mae_over_every_value():
    meter = RegressionMeter(CPU)
    meter.update(torch.tensor(2.0), torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [0.0]]))
    assert meter.compute() == {"loss": 2.0, "mse": 5.0, "mae": 2.0}


@pytest.mark.parametrize("name, cls", [("sgd", torch.optim.SGD), ("adam", torch.optim.Adam),
                                       ("adamw", torch.optim.AdamW), ("rmsprop", torch.optim.RMSprop)])
def test_optimizer_follows_the_settings(name, cls):
    settings = TrainingSettings(optimizer=name, learning_rate=0.05, weight_decay=0.01, nesterov=True)
    opt = make_optimizer([torch.nn.Parameter(torch.zeros(2))], settings)
    assert isinstance(opt, cls)
    assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[0]["weight_decay"] == 0.01
    if name == "sgd":
        assert opt.param_groups[0]["nesterov"] and opt.param_groups[0]["momentum"] == 0.9


def test_cosine_schedule_lowers_the_rate_each_epoch():
    settings = TrainingSettings(schedule="cosine", learning_rate=1.0)
    opt = make_optimizer([torch.nn.Parameter(torch.zeros(2))], settings)
    schedule = make_schedule([opt], settings, epochs=4)
    rates = []
    for _ in range(4):
        opt.step()
        schedule.step(None)
        rates.append(schedule.learning_rate)
    assert rates == sorted(rates, reverse=True) and rates[-1] == pytest.approx(0.0, abs=1e-9)


def test_auto_device_falls_back_to_the_cpu_and_a_missing_gpu_is_explained():
    if not torch.cuda.is_available():
        assert pick_device("auto").type in ("cpu", "mps")
        with pytest.raises(DeviceError, match="--device cpu"):
            pick_device("cuda")


def test_denoising_autoencoder_is_scored_against_the_clean_input(example):
    project = example("autoencoder_digits")
    compiled = build(project.graphs["model"], "train")
    gm = separate_targets(compiled)
    clean = torch.randn(4, 64)
    noisy = clean + 0.5 * torch.randn(4, 64)
    with torch.no_grad():
        loss, (rebuilt,) = gm(noisy, clean)
        assert torch.allclose(rebuilt, compiled.model(noisy))
        assert loss.item() == pytest.approx(torch.nn.functional.mse_loss(rebuilt, clean).item())


def test_denoising_run_trains(example, tmp_path):
    from netbuilder.train import Trainer

    project = example("autoencoder_digits")
    project.dataset.denoise = 0.3
    result = Trainer(project, epochs=1, out_dir=tmp_path).run()
    assert result.reason == "completed", result.message
