"""Autoencoders show their reconstructions and GANs their generated samples after each epoch."""

from __future__ import annotations

from netbuilder.graph.project import load_project
from tests.qt_fixtures import EXAMPLES
from tests.ui_training.conftest import run_to_end


def test_an_autoencoder_run_shows_originals_above_their_reconstructions(qtbot, make_window):
    window = make_window(load_project(EXAMPLES / "autoencoder_digits.nbproj"), epochs=1)
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    grid = window.training.results.samples
    assert len(grid.tiles) >= 16
    assert "reconstruction" in grid.title


def test_a_gan_run_shows_generated_samples_and_plots_both_losses(qtbot, make_window):
    window = make_window(load_project(EXAMPLES / "gan_digits.nbproj"), epochs=1)
    outcome = run_to_end(qtbot, window)
    assert outcome.ok, outcome.message
    assert len(window.training.results.samples.tiles) >= 8
    curves = window.training.curves
    assert curves.point_count("train_d_loss") > 0 and curves.point_count("train_g_loss") > 0
