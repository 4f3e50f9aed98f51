"""Export -> import -> export reproduces every example project's outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netbuilder.compile import build
from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.onnx_out import export_onnx
from netbuilder.graph import Graph
from tests.export.conftest import EXAMPLES, example, ort_run, random_batch


@pytest.mark.parametrize("name", EXAMPLES)
def test_export_import_export_gives_the_original_outputs(exported, tmp_path, name):
    first, _ = exported[name]
    project, state = import_onnx(first)
    again = export_onnx(project, tmp_path / f"{name}_again.onnx", weights=state)
    arrays = random_batch(first, 5, seed=11)
    for want, got in zip(ort_run(first, *arrays), ort_run(again.path, *arrays)):
        assert want.shape == got.shape
        assert np.abs(want - got).max() <= 1e-5


def test_the_rnn_vs_lstm_example_round_trips_through_the_torchscript_exporter(tmp_path):
    # The default (dynamo) exporter is covered with the other EXAMPLES; the TorchScript one keeps RNN nodes too.
    first = export_onnx(example("rnn_vs_lstm"), tmp_path / "rnn_vs_lstm.onnx", exporter="torchscript")
    project, state = import_onnx(first.path)
    assert {n.type for n in project.graphs["model"].nodes.values()} >= {"RNN", "LSTM"}
    again = export_onnx(project, tmp_path / "again.onnx", weights=state, exporter="torchscript")
    arrays = random_batch(first.path, 5, seed=11)
    for want, got in zip(ort_run(first.path, *arrays), ort_run(again.path, *arrays)):
        assert want.shape == got.shape == (5, 1)
        assert np.abs(want - got).max() <= 1e-5


def test_a_plain_rnn_is_exported_as_onnx_rnn_nodes_by_the_default_exporter_and_comes_back_as_one_layer(tmp_path):
    import onnx

    graph = chain(SEQ, ("RNN", {"hidden_size": 5, "num_layers": 2}), ("Linear", {"out_features": 1}))
    report = export_onnx(graph, tmp_path / "rnn.onnx")
    ops = [n.op_type for n in onnx.load(str(report.path)).graph.node]
    assert report.exporter == "dynamo" and ops.count("RNN") == 2 and "MatMul" not in ops  # not unrolled
    project, _ = import_onnx(report.path)
    # Each stacked layer is its own ONNX node, and comes back as its own RNN layer (the same computation).
    layers = [n for n in project.graphs["model"].nodes.values() if n.spec.role == "layer"]
    assert [n.type for n in layers] == ["RNN", "RNN", "Linear"]
    assert [n.values()["return_sequence"] for n in layers[:2]] == [True, False]


def test_round_trip_keeps_the_input_and_output_names(exported):
    project, _ = import_onnx(exported["lstm_sine"][0])
    graph = project.graphs["model"]
    assert [n.name for n in graph.nodes.values() if n.type in ("Input", "Output")] == ["window", "prediction"]


def test_exported_lstm_comes_back_as_one_layer_giving_its_last_step(exported):
    project, _ = import_onnx(exported["lstm_sine"][0])
    layers = [n for n in project.graphs["model"].nodes.values() if n.spec.role == "layer"]
    assert [n.type for n in layers] == ["LSTM", "Linear"]
    assert layers[0].values()["return_sequence"] is False


def chain(input_params: dict, *layers: tuple[str, dict]) -> Graph:
    g = Graph("model")
    prev = g.add_node("Input", params=input_params, name="x")
    for kind, params in layers:
        node = g.add_node(kind, params=params)
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    out = g.add_node("Output", name="y")
    g.connect(prev.id, "out", out.id, "in")
    return g


SEQ = {"kind": "sequence", "length": 6, "features": 3}
PATTERNS = {  # graphs whose export uses patterns beyond one ONNX node per layer
    "stacked_bidirectional_lstm_last_step": (
        chain(SEQ, ("LSTM", {"hidden_size": 5, "num_layers": 2, "bidirectional": True})), "auto"),
    "embedding_gru_sequence": (
        chain({"kind": "tokens", "length": 7}, ("Embedding", {"num_embeddings": 20, "embedding_dim": 4}),
              ("GRU", {"hidden_size": 4, "return_sequence": True}), ("Flatten", {})), "auto"),
    "rnn_torchscript": (chain(SEQ, ("RNN", {"hidden_size": 4, "bidirectional": True, "nonlinearity": "relu"})),
                        "torchscript"),
    "stacked_bidirectional_rnn_dynamo": (
        chain(SEQ, ("RNN", {"hidden_size": 4, "num_layers": 2, "bidirectional": True, "nonlinearity": "relu",
                            "return_sequence": True}), ("Flatten", {})), "auto"),
    "conv1d_softmax": (chain({"kind": "sequence", "length": 4, "features": 10},
                             ("Conv1d", {"out_channels": 6, "kernel_size": 3}), ("BatchNorm1d", {}), ("ReLU", {}),
                             ("Flatten", {}), ("Linear", {"out_features": 3}), ("Softmax", {})), "auto"),
    "upsample_pool_reshape": (chain({"kind": "tabular", "features": 32}, ("Reshape", {"shape": [2, 4, 4]}),
                                    ("Upsample", {"mode": "bilinear"}), ("AvgPool2d", {"kernel_size": 2, "padding": 1}),
                                    ("AdaptiveAvgPool2d", {}), ("Flatten", {})), "auto"),
}


@pytest.mark.parametrize("name", PATTERNS)
def test_exporter_patterns_import_into_layers_that_reproduce_the_file(tmp_path, name):
    graph, exporter = PATTERNS[name]
    first = export_onnx(graph, tmp_path / "first.onnx", exporter=exporter).path
    project, state = import_onnx(first)
    compiled = build(project.graphs["model"], "inference")
    compiled.load_state_dict(state)
    compiled.eval()
    arrays = random_batch(first, 3, seed=2)
    if name.startswith("embedding"):
        arrays = [np.random.default_rng(0).integers(0, 20, (3, 7))]
    (want,) = ort_run(first, *arrays)
    with torch.no_grad():
        got = compiled.model(*[torch.from_numpy(a) for a in arrays]).numpy()
    assert np.abs(want - got).max() <= 1e-5
