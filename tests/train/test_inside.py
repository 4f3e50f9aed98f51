"""A look inside a trained network (netbuilder.train.inside), without the window: outputs of every node,
histograms, predictions, pictures fitted to the input, and attribution maps."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from netbuilder.train import Trainer
from netbuilder.train.checkpoint import CheckpointError
from netbuilder.train.inside import load_trained
from tests.train.conftest import load_example


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """trained(name) -> a TrainedNetwork of the example after one CPU epoch (cached per example)."""
    nets = {}

    def make(name: str):
        if name not in nets:
            project = load_example(name)
            out = tmp_path_factory.mktemp(name)
            result = Trainer(project, out_dir=out, epochs=1, device="cpu", layer_stats=False).run()
            assert result.ok, result.message
            nets[name] = load_trained(project, result.best_checkpoint)
        return nets[name]

    return make


def test_every_drawn_node_has_its_output_including_those_without_a_module(trained):
    net = trained("residual_wine")
    outputs = net.activations(net.sample(0)[0])
    assert {"stem", "residual", "join", "scores"} <= set(outputs)  # Add and Concatenate have no module
    assert tuple(outputs["join"].shape) == (1, 48)


def test_a_sequence_input_gives_a_two_dimensional_output_per_sample(trained):
    net = trained("lstm_sine")
    outputs = net.activations(net.sample(0)[0])
    assert tuple(outputs["window"].shape[1:]) == (32, 1) and tuple(outputs["lstm"].shape[1:]) == (32,)
    assert net.predict(net.sample(0)[0]) is None  # a regression: no classes to pick


def test_weight_and_gradient_histograms_count_every_weight_of_a_layer(trained):
    net = trained("mlp_iris")
    weights, gradients = net.weight_histograms(), net.gradient_histograms()
    assert sum(weights["hidden1"].counts) == 4 * 32 + 32
    assert sum(gradients["hidden1"].counts) == 4 * 32 + 32
    assert "relu1" not in weights


def test_a_prediction_gives_the_class_and_probabilities_that_sum_to_one(trained):
    net = trained("mlp_iris")
    p = net.predict(net.sample(3)[0])
    assert len(p.probabilities) == 3 and math.isclose(sum(p.probabilities), 1.0, rel_tol=1e-5)
    assert p.label in ("setosa", "versicolor", "virginica")


def test_a_picture_is_fitted_to_the_input_and_normalised_like_the_training_data(trained):
    net = trained("cnn_digits")
    blank = net.image_input(np.zeros((40, 30)))
    assert tuple(blank.shape) == (1, 1, 8, 8)
    raw_zero = net.dataset.normalization.apply(torch.zeros(1, 1, 8, 8))
    assert torch.allclose(blank, raw_zero)  # no ink reads as the data set's blank pixels
    ink = net.image_input(np.ones((8, 8, 3)))  # colour pictures are turned grey
    assert torch.allclose(ink, net.dataset.normalization.apply(torch.full((1, 1, 8, 8), 16.0)))


def test_grad_cam_and_saliency_give_maps_of_the_input_size_scaled_to_one(trained):
    net = trained("cnn_digits")
    x, label = net.sample(0)
    for method in ("gradcam", "saliency"):
        heat = net.attribution(x, label, method)
        assert heat.shape == (8, 8) and heat.min() >= 0.0 and heat.max() == pytest.approx(1.0)


def test_weights_of_another_network_are_refused(trained, tmp_path):
    net = trained("mlp_iris")
    other = load_example("mlp_iris")
    other.main_graph.set_param(other.main_graph.node_named("hidden1").id, "out_features", 7)
    with pytest.raises(CheckpointError, match="does not fit"):
        load_trained(other, net.checkpoint)
