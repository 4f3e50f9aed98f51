"""Code export: a standalone file that builds the same network, loads its weights and gives identical outputs."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest
import torch

from netbuilder.cli import main
from netbuilder.compile import build
from netbuilder.compile.codegen import class_name_for, generate_code
from netbuilder.graph import CATALOG, Graph, Project, load_project, save_project
from tests.compile.graphs import add, catalog_graph, chain, loss_head, output
from tests.compile.test_examples import EXAMPLES, GRAPHS, IDS


def _load(source: str, tmp_path: Path, stem: str = "generated"):
    """Import the generated file as a fresh module (no netbuilder involved)."""
    path = tmp_path / f"{stem}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"nb_generated_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _imports(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def _assert_round_trip(graph: Graph, purpose: str, tmp_path: Path, stem: str) -> None:
    torch.manual_seed(0)
    compiled = build(graph, purpose)
    source = generate_code(graph, "Net", purpose=purpose)
    model = _load(source, tmp_path, stem).Net()
    model.load_state_dict(compiled.state_dict())  # strict: same attribute names, same shapes
    compiled.eval(), model.eval()
    inputs = compiled.example_inputs(3)
    with torch.no_grad():
        expected, got = compiled.model(*inputs), model(*inputs)
        expected = expected if isinstance(expected, tuple) else (expected,)
        got = got if isinstance(got, tuple) else (got,)
        assert all(torch.equal(a, b) for a, b in zip(expected, got, strict=True))
        if compiled.training is not None:
            targets = compiled.example_targets(3)
            loss, _ = compiled.training(*inputs, *targets)
            assert torch.equal(loss, model.compute_loss(*inputs, *targets)[0])


@pytest.mark.parametrize("path,name", GRAPHS, ids=IDS)
def test_exported_example_loads_the_compiled_state_dict_and_gives_identical_outputs(path, name, tmp_path):
    project = load_project(path)
    _assert_round_trip(project.graphs[name], project.purpose(name), tmp_path, f"{path.stem}_{name}")


@pytest.mark.parametrize("layer_type", sorted(CATALOG))
def test_exported_catalog_layer_round_trips(layer_type, tmp_path):
    graph, purpose = catalog_graph(layer_type)
    _assert_round_trip(graph, purpose, tmp_path, layer_type.lower())


@pytest.mark.parametrize("params", [{"bidirectional": True}, {"return_sequence": True, "num_layers": 2}])
def test_exported_recurrent_variants_round_trip(params, tmp_path):
    graph, purpose = catalog_graph("GRU", **params)
    _assert_round_trip(graph, purpose, tmp_path, "gru_" + "_".join(params))


@pytest.mark.parametrize("path,name", GRAPHS, ids=IDS)
def test_exported_file_imports_only_torch(path, name):
    project = load_project(path)
    source = generate_code(project.graphs[name], purpose=project.purpose(name))
    assert _imports(source) <= {"__future__", "torch"}


def test_exported_file_runs_where_netbuilder_cannot_be_imported(tmp_path, monkeypatch):
    project = load_project(EXAMPLES / "lstm_sine.nbproj")
    source = generate_code(project.graphs["model"], "Net")
    monkeypatch.setitem(sys.modules, "netbuilder", None)  # any netbuilder import now fails
    model = _load(source, tmp_path, "isolated").Net()
    assert model(torch.randn(2, 32, 1)).shape == (2, 1)


def _options_graph() -> Graph:
    g = Graph("options")
    x = add(g, "Input", "x", kind="tabular", features=6)
    last = chain(g, x, ("Linear", {"out_features": 8, "name": "stem"}), ("BatchNorm1d", {"name": "bn"}),
                 ("Linear", {"out_features": 2, "name": "head"}))
    output(g, last)
    loss_head(g, last, "MSELoss", {"kind": "values", "shape": [2]})
    g.set_options(g.node_named("stem").id, trainable=False)
    g.set_options(g.node_named("bn").id, trainable=False)
    g.set_options(g.node_named("head").id, init="normal", init_std=0.5)
    return g


def test_exported_code_freezes_the_frozen_nodes(tmp_path):
    model = _load(generate_code(_options_graph(), "Net"), tmp_path).Net()
    assert not any(p.requires_grad for p in model.stem.parameters())
    model.train()
    assert not model.bn.training and model.head.training


def test_exported_code_applies_the_chosen_initialisation(tmp_path):
    torch.manual_seed(0)
    model = _load(generate_code(_options_graph(), "Net"), tmp_path).Net()
    assert model.head.weight.std().item() > 0.2  # torch's default for 8 inputs stays below 1/sqrt(8) ≈ 0.35 bound
    assert not model.head.bias.any()


def test_forward_reads_like_hand_written_code():
    g = Graph("model")
    x = add(g, "Input", "window", kind="sequence", length=12, features=3)
    output(g, chain(g, x, ("LSTM", {"hidden_size": 8, "name": "lstm"}), ("Linear", {"out_features": 1,
                                                                                    "name": "head"})))
    source = generate_code(g, "Forecaster")
    assert "self.lstm = nn.LSTM(3, 8, batch_first=True)" in source
    assert "lstm_sequence, _ = self.lstm(window)" in source
    assert "lstm = lstm_sequence[:, -1]" in source
    assert "return head" in source


def test_class_names_come_from_project_names():
    assert class_name_for("MLP on iris") == "MlpOnIris"
    assert class_name_for("3 layers") == "Net3Layers"


# ---- netbuilder code ------------------------------------------------------------------------------
def test_cli_writes_a_file_with_a_class_per_graph(tmp_path, capsys):
    out = tmp_path / "gan.py"
    assert main(["code", str(EXAMPLES / "gan_digits.nbproj"), "-o", str(out)]) == 0
    module = _load(out.read_text(), tmp_path, "gan_cli")
    assert module.Generator()(torch.randn(2, 16)).shape == (2, 64)
    assert module.Discriminator()(torch.randn(2, 64)).shape == (2, 1)


def test_cli_names_a_single_graph_class_after_the_project(tmp_path):
    out = tmp_path / "mlp.py"
    assert main(["code", str(EXAMPLES / "mlp_iris.nbproj"), "-o", str(out)]) == 0
    assert hasattr(_load(out.read_text(), tmp_path, "mlp_cli"), "MlpOnIris")


def test_cli_refuses_an_unreadable_project(tmp_path, capsys):
    bad = tmp_path / "bad.nbproj"
    bad.write_text("{not json")
    assert main(["code", str(bad), "-o", str(tmp_path / "x.py")]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert not (tmp_path / "x.py").exists()


def test_cli_refuses_a_graph_with_errors_and_prints_the_diagnostics(tmp_path, capsys):
    g = Graph("model")
    x = add(g, "Input", "image", kind="image", channels=1, height=8, width=8)
    last = chain(g, x, ("Linear", {"out_features": 10, "name": "head"}))
    loss_head(g, last, "CrossEntropyLoss", {"kind": "classes", "classes": 10})
    path = save_project(Project("broken", {"model": g}), tmp_path / "broken.nbproj")
    assert main(["code", str(path), "-o", str(tmp_path / "x.py")]) == 1
    err = capsys.readouterr().err
    assert "node 'head' (Linear)" in err and "Flatten" in err
    assert not (tmp_path / "x.py").exists()


def test_cli_names_the_graphs_when_asked_for_one_that_does_not_exist(capsys):
    assert main(["code", str(EXAMPLES / "gan_digits.nbproj"), "--graph", "critic"]) == 2
    assert "generator, discriminator" in capsys.readouterr().err


def test_cli_prints_the_code_without_an_output_file(capsys):
    assert main(["code", str(EXAMPLES / "lstm_sine.nbproj"), "--graph", "model"]) == 0
    assert "class LstmOnNoisySine(nn.Module):" in capsys.readouterr().out


def test_exported_two_input_two_output_two_loss_graph_round_trips(tmp_path):
    from tests.compile.test_multi_io import _two_headed

    _assert_round_trip(_two_headed(), "train", tmp_path, "two_heads")


def test_quotes_and_backslashes_in_names_still_give_valid_code(tmp_path):
    graph, purpose = catalog_graph("Linear")
    graph.name = 'my "best" \\ net'
    source = generate_code(graph, "Net", purpose=purpose, title='Project """x"""')
    assert _load(source, tmp_path, "quoted").Net()(torch.randn(2, 8)).shape == (2, 64)


def test_an_lstm_forget_bias_is_added_to_the_forget_gate_in_the_compiled_and_the_exported_model(tmp_path):
    g = Graph("model")
    x = g.add_node("Input", params={"kind": "sequence", "length": 5, "features": 2}, name="x")
    lstm = g.add_node("LSTM", params={"hidden_size": 4, "num_layers": 2, "forget_bias": 2.0}, name="lstm")
    g.connect(x.id, "out", lstm.id, "in")
    g.connect(lstm.id, "out", g.add_node("Output", name="y").id, "in")
    torch.manual_seed(0)
    reference = torch.nn.LSTM(2, 4, num_layers=2, batch_first=True)  # the same draws, without the bias
    torch.manual_seed(0)
    compiled = build(g, "inference")
    module = _load(generate_code(g, "Net", purpose="inference"), tmp_path)
    torch.manual_seed(0)
    exported = module.Net()
    for name in ("bias_ih_l0", "bias_ih_l1"):
        want = getattr(reference, name).detach().clone()
        want[4:8] += 2.0  # torch's gate order: input, forget, cell, output
        assert torch.equal(getattr(compiled.modules["lstm"], name), want)
        assert torch.equal(getattr(exported.lstm, name), want)
    assert torch.equal(compiled.modules["lstm"].bias_hh_l0, reference.bias_hh_l0)
