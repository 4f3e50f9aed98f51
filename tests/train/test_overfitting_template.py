"""The overfitting lesson in the templates: the big network learns its 50 points by heart (training loss near 0,
validation loss far above it); the same network with dropout and L2 keeps the two close."""

from __future__ import annotations

import pytest

from netbuilder.train import Trainer
from tests.train.conftest import load_example


def gap(name: str, tmp_path) -> tuple[float, float]:
    """(last training loss, last validation loss) of a CPU run of the template."""
    result = Trainer(load_example(name), out_dir=tmp_path / name, device="cpu", layer_stats=False, save=False).run()
    assert result.ok, result.message
    last = result.history[-1]
    return last.train["loss"], last.val["loss"]


def test_the_two_templates_differ_only_by_dropout_and_l2():
    plain, tamed = load_example("overfitting_moons"), load_example("overfitting_moons_regularised")
    layers = [n.type for n in tamed.main_graph.nodes.values() if n.type != "Dropout"]
    assert layers == [n.type for n in plain.main_graph.nodes.values()]
    assert plain.training.weight_decay == 0.0 and tamed.training.weight_decay > 0.0
    assert plain.dataset == tamed.dataset and plain.dataset.validation_split == 0.5


@pytest.mark.slow
def test_the_plain_network_overfits_and_dropout_with_l2_closes_the_gap(tmp_path):
    train, val = gap("overfitting_moons", tmp_path)
    assert train < 0.05 and val > 10 * train and val > 1.0  # every training point learnt; validation far off
    train, val = gap("overfitting_moons_regularised", tmp_path)
    assert val < 2 * train + 0.2 and val < 0.8  # the gap closed
