"""A graph with errors is refused with its diagnostics; a failure while running names the node."""

from __future__ import annotations

import pytest
import torch

from netbuilder.compile import GraphCompileError, NodeRuntimeError, build, measured_shapes, run_checked
from netbuilder.graph import Graph
from tests.compile.graphs import add, chain, loss_head, output


def _image_into_linear() -> Graph:
    g = Graph("broken")
    x = add(g, "Input", "image", kind="image", channels=1, height=8, width=8)
    output(g, chain(g, x, ("Linear", {"out_features": 10, "name": "head"})))
    return g


def _mlp() -> Graph:
    g = Graph("mlp")
    x = add(g, "Input", "x", kind="tabular", features=4)
    last = chain(g, x, ("Linear", {"out_features": 8, "name": "hidden"}), ("ReLU", {"name": "act"}),
                 ("Linear", {"out_features": 2, "name": "scores"}))
    output(g, last)
    loss_head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 2})
    return g


def test_graph_with_errors_is_refused_with_its_diagnostics():
    with pytest.raises(GraphCompileError) as caught:
        build(_image_into_linear(), "inference")
    assert len(caught.value.diagnostics) == 1
    assert "Linear 'head'" in str(caught.value) and "Flatten" in str(caught.value)


def test_graph_missing_its_loss_is_refused_for_training():
    g = _image_into_linear()
    with pytest.raises(GraphCompileError, match="no loss"):
        build(g, "train")


def test_graph_with_neither_output_nor_loss_is_refused():
    g = Graph("empty")
    chain(g, add(g, "Input", "x", kind="tabular", features=4), ("Linear", {"out_features": 2}))
    with pytest.raises(GraphCompileError, match="neither an Output nor a loss"):
        build(g, "edit")


def test_training_graph_without_output_returns_the_loss_prediction_for_inference():
    g = Graph("no_output")
    last = chain(g, add(g, "Input", "x", kind="tabular", features=4), ("Linear", {"out_features": 2, "name": "fc"}))
    loss_head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 2})
    compiled = build(g, "train")
    assert compiled.output_names == ["fc"]
    assert compiled.model(torch.randn(3, 4)).shape == (3, 2)


def test_wrong_input_shape_at_run_time_names_the_node_that_failed():
    compiled = build(_mlp())
    with pytest.raises(NodeRuntimeError) as caught:
        run_checked(compiled, compiled.model, torch.randn(3, 5))
    assert caught.value.node_name == "hidden"
    assert "Linear 'hidden' failed while running" in str(caught.value)


def test_failure_inside_a_module_names_that_node(monkeypatch):
    compiled = build(_mlp())

    def broken(*args):
        raise RuntimeError("simulated kernel failure")

    monkeypatch.setattr(compiled.modules["act"], "forward", broken)
    with pytest.raises(NodeRuntimeError) as caught:
        run_checked(compiled, compiled.training, torch.randn(3, 4), torch.randint(0, 2, (3,)))
    assert (caught.value.node_name, caught.value.layer_type) == ("act", "ReLU")
    assert isinstance(caught.value.cause, RuntimeError)


def test_failure_inside_recurrent_internals_names_the_recurrent_node():
    g = Graph("rnn")
    x = add(g, "Input", "x", kind="sequence", length=5, features=3)
    output(g, chain(g, x, ("LSTM", {"hidden_size": 4, "name": "memory"})))
    compiled = build(g, "inference")
    with pytest.raises(NodeRuntimeError) as caught:
        run_checked(compiled, compiled.model, torch.randn(2, 5, 7))
    assert caught.value.node_name == "memory"


def test_node_names_that_shadow_python_builtins_still_measure_and_run():
    g = Graph("builtins")
    x = add(g, "Input", "input", kind="tabular", features=4)
    last = chain(g, x, ("Linear", {"out_features": 3, "name": "sum"}), ("ReLU", {"name": "max"}))
    output(g, last)
    compiled = build(g, "inference")
    assert measured_shapes(compiled) == {"input": (4,), "sum": (3,), "max": (3,)}


def test_runtime_error_message_is_the_node_and_the_cause_only():
    compiled = build(_mlp())
    with pytest.raises(NodeRuntimeError) as caught:
        run_checked(compiled, compiled.model, torch.randn(3, 5))
    assert "While executing" not in str(caught.value)
    assert str(caught.value).startswith("Linear 'hidden' failed while running: ")
