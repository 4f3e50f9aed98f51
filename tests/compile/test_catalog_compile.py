"""Every catalog entry compiles, runs, and its inferred shapes and parameter counts agree with torch."""

from __future__ import annotations

import pytest
import torch

from netbuilder.compile import build, measured_shapes
from netbuilder.graph import CATALOG
from tests.compile.graphs import catalog_graph, inferred_shapes

# Recurrent settings whose output shapes differ: stacked, bidirectional, whole sequence.
RNN_VARIANTS = [
    (cell, params)
    for cell in ("RNN", "LSTM", "GRU")
    for params in ({"bidirectional": True}, {"return_sequence": True, "num_layers": 2},
                   {"bidirectional": True, "return_sequence": True})
]


def _compiled(layer_type: str, **params):
    graph, purpose = catalog_graph(layer_type, **params)
    torch.manual_seed(0)
    return graph, build(graph, purpose)


@pytest.mark.parametrize("layer_type", sorted(CATALOG))
def test_measured_shapes_equal_inferred_shapes(layer_type):
    graph, compiled = _compiled(layer_type)
    inferred = inferred_shapes(graph, compiled.analysis)
    measured = measured_shapes(compiled)
    assert {name: measured.get(name) for name in inferred} == inferred


@pytest.mark.parametrize("layer_type", sorted(CATALOG))
def test_catalog_parameter_count_equals_torch(layer_type):
    graph, compiled = _compiled(layer_type)
    for node in graph.nodes.values():
        module_name = next((m for m, n in compiled.node_for_module.items() if n == node.name), None)
        if module_name is None or module_name not in compiled.modules:
            continue
        real = sum(p.numel() for p in compiled.modules[module_name].parameters())
        assert compiled.analysis.nodes[node.id].params == real, node.name


@pytest.mark.parametrize("cell,params", RNN_VARIANTS, ids=[f"{c}-{'-'.join(p)}" for c, p in RNN_VARIANTS])
def test_recurrent_variants_measure_as_inferred(cell, params):
    graph, compiled = _compiled(cell, **params)
    inferred = inferred_shapes(graph, compiled.analysis)
    measured = measured_shapes(compiled)
    assert {name: measured.get(name) for name in inferred} == inferred
    layer = next(n for n in graph.nodes.values() if n.type == cell)
    module = compiled.modules[next(m for m, n in compiled.node_for_module.items() if n == layer.name)]
    assert compiled.analysis.nodes[layer.id].params == sum(p.numel() for p in module.parameters())


def test_every_catalog_entry_has_a_test_graph():
    for layer_type in CATALOG:
        graph, purpose = catalog_graph(layer_type)
        assert any(n.type == layer_type for n in graph.nodes.values())
