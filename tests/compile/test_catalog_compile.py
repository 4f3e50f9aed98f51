"""Every catalog entry compiles, runs, and its inferred shapes and parameter counts agree with torch."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from netbuilder.compile import GraphCompileError, build, measured_shapes
from netbuilder.graph import CATALOG, Graph
from tests.compile.graphs import add, catalog_graph, chain, inferred_shapes, output

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


# ---- spatial rules on random settings: either refused with a diagnostic, or exactly what torch gives ---------
SPATIAL = st.sampled_from(["Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d"])


@settings(max_examples=40, deadline=None)
@given(layer=SPATIAL, size=st.integers(1, 12), kernel=st.integers(1, 5), stride=st.integers(0, 3),
       padding=st.integers(0, 3), extra=st.integers(0, 2))
def test_spatial_shape_rules_agree_with_torch_or_refuse(layer, size, kernel, stride, padding, extra):
    params = {"kernel_size": kernel, "stride": stride, "padding": padding}
    if layer == "Conv2d":
        params.update(out_channels=2, stride=max(stride, 1), dilation=extra + 1)
    elif layer == "ConvTranspose2d":
        params.update(out_channels=2, stride=max(stride, 1), output_padding=extra)
    g = Graph("spatial")
    x = add(g, "Input", "x", kind="image", channels=2, height=size, width=size + 1)
    output(g, chain(g, x, (layer, params)))
    try:
        compiled = build(g, "inference")
    except GraphCompileError as refused:
        assert all(d.code in ("shape", "param") for d in refused.diagnostics)
        return
    inferred = inferred_shapes(g, compiled.analysis)
    assert {n: measured_shapes(compiled).get(n) for n in inferred} == inferred
