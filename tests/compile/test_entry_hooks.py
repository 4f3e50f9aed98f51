"""What a catalog entry says about its torch module, compile and code export apply without knowing the layer."""

from __future__ import annotations

import dataclasses

import torch

from netbuilder.compile import build
from netbuilder.compile.codegen import generate_code
from netbuilder.graph import CATALOG, Graph, ParamSpec
from netbuilder.graph.catalog import GateBias, Signature
from tests.compile.test_codegen import _load


def _gru_with_reset_bias(monkeypatch) -> None:
    """A GRU entry that also declares a starting bias for its reset gate (block 0 of the hidden-side biases)."""
    gru = CATALOG["GRU"]
    assert gru.torch is not None
    monkeypatch.setitem(CATALOG, "GRU", dataclasses.replace(
        gru, params=(*gru.params, ParamSpec("reset_bias", "float", 0.0, "Added to the reset gate's bias.")),
        torch=dataclasses.replace(gru.torch, gate_biases=(GateBias("reset_bias", "bias_hh", 0, "hidden_size"),))))


def _graph() -> Graph:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "sequence", "length": 5, "features": 2}, name="x")
    gru = g.add_node("GRU", params={"hidden_size": 3, "bidirectional": True, "reset_bias": 1.5}, name="gru")
    g.connect(x.id, "out", gru.id, "in")
    g.connect(gru.id, "out", g.add_node("Output", name="y").id, "in")
    return g


def test_a_gate_bias_declared_in_an_entry_is_added_by_the_compiler_and_by_the_exported_code(tmp_path, monkeypatch):
    _gru_with_reset_bias(monkeypatch)
    g = _graph()
    torch.manual_seed(0)
    reference = torch.nn.GRU(2, 3, batch_first=True, bidirectional=True)  # the same draws, without the bias
    torch.manual_seed(0)
    compiled = build(g, "inference")
    module = _load(generate_code(g, "Net", purpose="inference"), tmp_path)
    torch.manual_seed(0)
    exported = module.Net()
    for name in ("bias_hh_l0", "bias_hh_l0_reverse"):
        want = getattr(reference, name).detach().clone()
        want[0:3] += 1.5
        assert torch.equal(getattr(compiled.modules["gru"], name), want)
        assert torch.equal(getattr(exported.gru, name), want)
    assert torch.equal(compiled.modules["gru"].bias_ih_l0, reference.bias_ih_l0)  # only the declared tensors


def test_code_export_leaves_out_the_arguments_an_entry_declares_as_defaults(monkeypatch):
    gru = CATALOG["GRU"]
    assert gru.torch is not None and gru.torch.signature is not None
    source = generate_code(_graph_without_extras(), "Net", purpose="inference")
    assert "nn.GRU(2, 3, bidirectional=True, batch_first=True)" in source
    # An entry whose declared defaults include batch_first=True: the argument is no longer written.
    declared = dict(gru.torch.signature.defaults) | {"batch_first": True}
    signature = Signature(gru.torch.signature.positional, tuple(declared.items()))
    monkeypatch.setitem(CATALOG, "GRU", dataclasses.replace(
        gru, torch=dataclasses.replace(gru.torch, signature=signature)))
    assert "nn.GRU(2, 3, bidirectional=True)" in generate_code(_graph_without_extras(), "Net", purpose="inference")


def _graph_without_extras() -> Graph:
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "sequence", "length": 5, "features": 2}, name="x")
    gru = g.add_node("GRU", params={"hidden_size": 3, "bidirectional": True}, name="gru")
    g.connect(x.id, "out", gru.id, "in")
    g.connect(gru.id, "out", g.add_node("Output", name="y").id, "in")
    return g
