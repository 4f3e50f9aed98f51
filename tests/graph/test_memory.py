"""The memory a training run needs, from the analysis alone (the window and the command line share it)."""

from __future__ import annotations

from netbuilder.graph.analysis import analyze
from netbuilder.graph.memory import (GIB, available_memory_bytes, estimate_training_bytes, format_bytes,
                                     project_training_estimate)
from netbuilder.graph.model import Graph
from netbuilder.graph.project import Project


def mlp(features: int = 4, hidden: int = 10, classes: int = 3) -> Graph:
    g = Graph("model")
    x = g.add_node("Input", name="x", params={"kind": "tabular", "features": features}).id
    h = g.add_node("Linear", name="h", params={"out_features": hidden}).id
    out = g.add_node("Linear", name="out", params={"out_features": classes}).id
    y = g.add_node("Target", name="y", params={"kind": "classes", "classes": classes}).id
    loss = g.add_node("CrossEntropyLoss", name="loss").id
    g.connect(x, "out", h, "in")
    g.connect(h, "out", out, "in")
    g.connect(out, "out", loss, "pred")
    g.connect(y, "out", loss, "target")
    return g


def test_weights_gradients_and_adam_state_are_one_one_and_two_floats_per_parameter():
    estimate = estimate_training_bytes(analyze(mlp()), batch_size=32, optimizer="adam")
    params = (4 * 10 + 10) + (10 * 3 + 3)
    assert (estimate.weights, estimate.gradients, estimate.optimizer_state) == (4 * params, 4 * params, 8 * params)


def test_activations_are_every_output_for_the_whole_batch():
    estimate = estimate_training_bytes(analyze(mlp()), batch_size=32)
    # x 4 floats, h 10, out 3 and the class id (8 bytes) per sample, times the batch
    per_sample = 4 * 4 + 10 * 4 + 3 * 4 + 8
    assert estimate.activations == 32 * per_sample
    assert estimate.total == estimate.weights + estimate.gradients + estimate.optimizer_state + estimate.activations


def test_sgd_keeps_state_only_with_momentum():
    analysis = analyze(mlp())
    assert estimate_training_bytes(analysis, 8, "sgd", momentum=0.0).optimizer_state == 0
    with_momentum = estimate_training_bytes(analysis, 8, "sgd", momentum=0.9)
    assert with_momentum.optimizer_state == with_momentum.weights


def test_frozen_layers_get_no_gradients_or_optimiser_state():
    g = mlp()
    g.set_options(g.node_named("h").id, trainable=False)
    estimate = project_training_estimate(Project("p", {"model": g}))
    trainable = 10 * 3 + 3
    assert estimate.gradients == 4 * trainable and estimate.optimizer_state == 8 * trainable


def test_a_network_of_ten_billion_weights_needs_over_a_hundred_gib():
    estimate = estimate_training_bytes(analyze(mlp(features=100_000, hidden=100_000)), batch_size=64)
    assert estimate.total > 100 * GIB
    assert "optimiser state (adam)" in estimate.parts() and "batch size 64" in estimate.parts()


def test_available_memory_comes_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemAvailable:    8000000 kB\n", encoding="ascii")
    assert available_memory_bytes(meminfo) == 8_000_000 * 1024
    assert (available_memory_bytes(tmp_path / "missing") or 1) > 0  # else the OS's own count (or unknown)


def test_byte_counts_read_in_binary_units():
    assert [format_bytes(n) for n in (512, 3 * 1024 ** 2, 12 * GIB)] == ["512 B", "3.0 MiB", "12.0 GiB"]
