"""ClassToken and Select on random shapes and settings: refused in words, or exactly what torch gives."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from netbuilder.graph.catalog import CATALOG, TensorShape
from netbuilder.graph.catalog.spec import ShapeError
from tests.graph.test_catalog import run_torch

DIMS = st.lists(st.integers(1, 5), min_size=0, max_size=4).map(tuple)


@settings(max_examples=60, deadline=None)
@given(dims=DIMS, dim=st.integers(-5, 5), index=st.integers(-6, 6))
def test_select_rule_agrees_with_torch_or_refuses(dims, dim, index):
    spec, ins = CATALOG["Select"], {"in": TensorShape(dims)}
    values = spec.resolved({"dim": dim, "index": index})
    try:
        outs = spec.infer(values, ins)
    except ShapeError as exc:
        assert "Select" in str(exc)
        # Torch refuses it too on one sample (dim and index count within a sample: on the batched tensor a
        # dim of -(rank + 1) would pick from the batch, which a layer must never do).
        with pytest.raises((IndexError, RuntimeError)):
            torch.zeros(dims).select(dim, index)
        return
    out, count = run_torch("Select", values, ins)
    assert tuple(out.shape[1:]) == outs["out"].dims and count == 0


@settings(max_examples=30, deadline=None)
@given(dims=DIMS)
def test_class_token_takes_sequences_only_and_adds_one_position(dims):
    spec, ins = CATALOG["ClassToken"], {"in": TensorShape(dims)}
    if len(dims) != 2:
        with pytest.raises(ShapeError, match="prepends a token to a sequence"):
            spec.infer({}, ins)
        return
    outs = spec.infer({}, ins)
    out, count = run_torch("ClassToken", {}, ins)
    assert tuple(out.shape[1:]) == outs["out"].dims == (dims[0] + 1, dims[1])
    assert count == spec.count_params({}, ins, outs) == dims[1]


def test_class_token_starts_at_zeros_and_goes_in_front():
    out, _ = run_torch("ClassToken", {}, {"in": TensorShape((3, 4))})
    assert not out[:, 0].any() and out[:, 1:].shape == (4, 3, 4)


def test_token_ids_are_refused_with_advice():
    with pytest.raises(ShapeError, match="put an Embedding before it"):
        CATALOG["ClassToken"].infer({}, {"in": TensorShape((3, 4), "int")})
