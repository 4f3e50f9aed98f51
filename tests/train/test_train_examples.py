"""Each example project trains a few epochs and reaches its bar."""

from __future__ import annotations

import math

import pytest

from netbuilder.train import FunctionCallback, Trainer

pytestmark = pytest.mark.slow


def test_digits_cnn_reaches_95_percent_validation_accuracy(example, tmp_path):
    result = Trainer(example("cnn_digits"), epochs=6, out_dir=tmp_path).run()
    assert result.reason == "completed", result.message
    assert result.metrics["val_accuracy"] >= 0.95


def test_iris_mlp_reaches_90_percent_validation_accuracy(example, tmp_path):
    result = Trainer(example("mlp_iris"), epochs=10, out_dir=tmp_path).run()
    assert result.reason == "completed", result.message
    assert result.metrics["val_accuracy"] >= 0.9


def test_sine_lstm_mse_is_well_under_the_target_variance(example, tmp_path):
    trainer = Trainer(example("lstm_sine"), epochs=3, out_dir=tmp_path)
    result = trainer.run()
    assert result.reason == "completed", result.message
    variance = float(trainer.dataset.y_val.var())
    assert result.metrics["val_mse"] < 0.25 * variance


def test_autoencoder_reconstruction_loss_falls_by_more_than_half(example, tmp_path):
    project = example("autoencoder_digits")
    project.training.learning_rate = 0.01
    trainer = Trainer(project, epochs=8, out_dir=tmp_path)
    before = trainer.evaluate()["loss"]
    result = trainer.run()
    assert result.reason == "completed", result.message
    assert result.metrics["val_loss"] < 0.5 * before


def test_autoencoder_reports_reconstructions_shaped_as_images(example, tmp_path):
    seen = []
    Trainer(example("autoencoder_digits"), epochs=1, out_dir=tmp_path,
            callbacks=[FunctionCallback(on_samples=seen.append)]).run()
    assert seen[0].kind == "reconstruction"
    assert seen[0].outputs.shape == seen[0].inputs.shape == (8, 1, 8, 8)


def test_gan_losses_stay_finite_and_generated_samples_change(example, tmp_path):
    samples = []
    result = Trainer(example("gan_digits"), epochs=2, out_dir=tmp_path,
                     callbacks=[FunctionCallback(on_samples=samples.append)]).run()
    assert result.reason == "completed", result.message
    for epoch in result.history:
        assert all(math.isfinite(v) for v in (*epoch.train.values(), *epoch.val.values()))
    assert [s.kind for s in samples] == ["generated", "generated"]
    assert samples[0].outputs.shape == (16, 1, 8, 8)
    assert (samples[0].outputs - samples[1].outputs).abs().max() > 1e-3


def test_residual_wine_trains_above_chance(example, tmp_path):
    result = Trainer(example("residual_wine"), epochs=5, out_dir=tmp_path).run()
    assert result.reason == "completed", result.message
    assert result.metrics["val_accuracy"] > 0.8


def test_same_seed_gives_the_same_run(example, tmp_path):
    a = Trainer(example("mlp_iris"), epochs=2, out_dir=tmp_path / "a").run()
    b = Trainer(example("mlp_iris"), epochs=2, out_dir=tmp_path / "b").run()
    assert a.metrics == b.metrics
