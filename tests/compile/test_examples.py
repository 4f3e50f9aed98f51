"""Every example project compiles and runs; what runs has the shapes the editor shows."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from netbuilder.compile import build, measured_shapes
from netbuilder.graph import load_project
from tests.compile.graphs import inferred_shapes

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
GRAPHS = [(path, name) for path in sorted(EXAMPLES.glob("*.nbproj")) for name in load_project(path).graphs]
IDS = [f"{path.stem}-{name}" for path, name in GRAPHS]
# Graphs with loss nodes (a GAN's graphs have none: the adversarial scheme supplies their losses).
TRAINED = [(p, n) for p, n in GRAPHS if any(x.spec.role == "loss" for x in load_project(p).graphs[n].nodes.values())]


def _compiled(path: Path, name: str):
    project = load_project(path)
    graph = project.graphs[name]
    torch.manual_seed(0)
    return graph, build(graph, project.purpose(name))


def test_there_are_example_projects():
    assert len({p for p, _ in GRAPHS}) >= 6


@pytest.mark.parametrize("path,name", GRAPHS, ids=IDS)
def test_example_runs_forward_on_a_batch_of_the_inferred_input_shape(path, name):
    graph, compiled = _compiled(path, name)
    compiled.eval()
    batch = 5
    inputs = compiled.example_inputs(batch)  # random values, or token ids below the Embedding's vocabulary
    with torch.no_grad():
        result = compiled.model(*inputs)
    results = result if isinstance(result, tuple) else (result,)
    assert [tuple(r.shape) for r in results] == [(batch, *compiled.output_shapes[n].dims)
                                                 for n in compiled.output_names]


@pytest.mark.parametrize("path,name", GRAPHS, ids=IDS)
def test_example_measured_shapes_equal_inferred_shapes(path, name):
    graph, compiled = _compiled(path, name)
    inferred = inferred_shapes(graph, compiled.analysis)
    measured = measured_shapes(compiled)  # once: a forward pass per node took minutes for ResNet-18
    assert {n: measured.get(n) for n in inferred} == inferred


@pytest.mark.parametrize("path,name", TRAINED, ids=[f"{p.stem}-{n}" for p, n in TRAINED])
def test_example_training_step_gives_a_finite_loss_and_gradients(path, name):
    graph, compiled = _compiled(path, name)
    compiled.train()
    loss, predictions = compiled.training(*compiled.example_inputs(4), *compiled.example_targets(4))
    loss.backward()
    assert torch.isfinite(loss)
    assert len(predictions) == len(compiled.loss_names)
    assert all(p.grad is not None for p in compiled.trainable_parameters())
