"""Per-node options: freezing, weight initialisation, and the module's dtype/device."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from netbuilder.compile import build, build_module, measured_shapes
from netbuilder.graph import Graph
from tests.compile.graphs import add, chain, loss_head, output


def _graph(init: str = "default", std: float = 0.02, frozen: str | None = None) -> Graph:
    g = Graph("net")
    x = add(g, "Input", "x", kind="tabular", features=200)
    last = chain(g, x, ("Linear", {"out_features": 300, "name": "wide"}), ("BatchNorm1d", {"name": "bn"}),
                 ("ReLU", {"name": "act"}), ("Linear", {"out_features": 3, "name": "head"}))
    output(g, last)
    loss_head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 3})
    wide = g.node_named("wide")
    g.set_options(wide.id, init=init, init_std=std)
    if frozen:
        g.set_options(g.node_named(frozen).id, trainable=False)
    return g


def _step(compiled) -> None:
    compiled.train()
    loss, _ = compiled.training(torch.randn(8, 200), torch.randint(0, 3, (8,)))
    loss.backward()


def test_frozen_node_gets_no_gradient_and_the_others_do():
    compiled = build(_graph(frozen="wide"))
    _step(compiled)
    assert all(p.grad is None for p in compiled.modules["wide"].parameters())
    assert all(p.grad is not None for p in compiled.modules["head"].parameters())
    assert compiled.frozen == ["wide"]


def test_frozen_node_is_left_out_of_the_trainable_parameters():
    compiled = build(_graph(frozen="wide"))
    frozen = {id(p) for p in compiled.modules["wide"].parameters()}
    assert not frozen & {id(p) for p in compiled.trainable_parameters()}


def test_frozen_batchnorm_keeps_its_running_statistics_while_training():
    compiled = build(_graph(frozen="bn"))
    before = compiled.modules["bn"].running_mean.clone()
    _step(compiled)
    assert torch.equal(compiled.modules["bn"].running_mean, before)
    assert not compiled.modules["bn"].training and compiled.modules["head"].training


def test_frozen_batchnorm_without_affine_weights_keeps_its_running_statistics_too():
    graph = _graph(frozen="bn")
    graph.set_param(graph.node_named("bn").id, "affine", False)
    compiled = build(graph)
    assert not any(True for _ in compiled.modules["bn"].parameters())  # only buffers: still frozen
    before = compiled.modules["bn"].running_mean.clone()
    _step(compiled)
    assert compiled.frozen == ["bn"]
    assert torch.equal(compiled.modules["bn"].running_mean, before)


def test_default_init_leaves_pytorch_initialisation():
    torch.manual_seed(7)
    compiled = build(_graph())
    torch.manual_seed(7)
    reference = nn.Linear(200, 300)
    assert torch.equal(compiled.modules["wide"].weight, reference.weight)
    assert torch.equal(compiled.modules["wide"].bias, reference.bias)


def test_normal_init_has_the_chosen_standard_deviation_and_zero_bias():
    weight = build(_graph("normal", std=0.02)).modules["wide"]
    assert weight.weight.std().item() == pytest.approx(0.02, rel=0.03)
    assert weight.weight.mean().abs().item() < 0.002
    assert not weight.bias.any()


def test_xavier_init_is_uniform_within_the_glorot_bound():
    w = build(_graph("xavier")).modules["wide"].weight
    bound = math.sqrt(6 / (200 + 300))
    assert w.abs().max().item() <= bound
    assert w.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_kaiming_init_has_he_standard_deviation():
    w = build(_graph("kaiming")).modules["wide"].weight
    assert w.std().item() == pytest.approx(math.sqrt(2 / 200), rel=0.03)


def test_init_choice_applies_only_to_its_node():
    torch.manual_seed(3)
    plain = build(_graph("default"))
    torch.manual_seed(3)
    changed = build(_graph("normal", std=0.5))
    assert not torch.equal(plain.modules["wide"].weight, changed.modules["wide"].weight)
    assert changed.modules["head"].weight.abs().max().item() <= 1 / math.sqrt(300)  # torch's default bound


def test_dtype_float64_places_every_parameter_and_runs():
    compiled = build(_graph(), dtype=torch.float64)
    assert {p.dtype for p in compiled.modules.parameters()} == {torch.float64}
    compiled.eval()
    assert compiled.model(torch.randn(2, 200, dtype=torch.float64)).dtype == torch.float64


def test_device_places_every_parameter():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    compiled = build(_graph(), device=device)
    assert {p.device.type for p in compiled.modules.parameters()} == {device}


def test_build_module_is_the_inference_module():
    module = build_module(_graph(), "train")
    module.eval()
    assert isinstance(module, nn.Module)
    assert module(torch.randn(2, 200)).shape == (2, 3)


def test_measured_shapes_follow_the_module_dtype_and_keep_the_training_mode():
    compiled = build(_graph(), dtype=torch.float64)
    compiled.train()
    assert measured_shapes(compiled)["wide"] == (300,)
    assert compiled.modules["wide"].training
