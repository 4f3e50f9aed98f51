"""Generated code is right for any name: it parses, imports, runs and has the compiled module's parameters.

Node and project names are free text. The corpus below holds the names that
broke code generation (attributes of nn.ModuleDict, names the generated file or
train.py use, Python keywords, characters Python folds together under NFKC,
superscript digits, NUL, lone surrogates, quotes, backslashes, terminal escapes).
"""

from __future__ import annotations

import ast
import importlib.util
import runpy
import sys
from pathlib import Path

import pytest
import torch

from netbuilder.compile import build
from netbuilder.compile.codegen import generate_code
from netbuilder.compile.project_code import class_names, project_code
from netbuilder.export.code_files import write_training_files
from netbuilder.graph import Project, load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"

NODE_NAMES = [
    "keys", "items", "values", "update", "compute_loss", "forward", "train", "to", "cuda", "__init__",
    "None", "True", "class", "match", "type", "self", "torch", "nn", "last_time_step", "annotations",
    "x²", "a\x00b", "\ud800", "ﬁ", "fi", "ｆｃ", "fc", "1st", "", "   ", "é", "𝐱", "x", "_",
    "\x1b[31mred", 'say "hi"', "back\\slash", "new\nline", "\u202eevil", "Objective", "Path", "DataLoader",
]
PROJECT_NAMES = [
    "objective", "path", "data loader", "None", "True", "print", "setup", "main", "torch", "nn",
    "C:\\Users\\me\\net", 'name """ with quotes', 'ends in a quote"', "tab\tand\nnewline", "\x00nul", "\ud800",
    "ﬁ", "\x1b[2J", "", "\\", '"""',
]


def _iris() -> Project:
    return load_project(EXAMPLES / "mlp_iris.nbproj")


def _renamed(names: list[str]) -> Project:
    """mlp_iris with its nodes (Input, Linears, ReLUs, Dropout, Target, loss, Output) given ``names``."""
    project = _iris()
    graph = project.graphs["model"]
    for node, name in zip(list(graph.nodes.values()), names, strict=False):
        node.name = name  # set directly: the file and the window may not clean a name first
    return project


def _import(source: str, folder: Path, stem: str):
    path = folder / f"{stem}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


@pytest.mark.parametrize("names", _chunks(NODE_NAMES, 10), ids=lambda n: f"{len(n)}-names")
def test_any_node_names_give_code_with_the_compiled_modules_weights_and_outputs(names, tmp_path):
    project = _renamed(names)
    graph = project.graphs["model"]
    torch.manual_seed(0)
    compiled = build(graph, "train")
    source = generate_code(graph, "Net", purpose="train", title=project.name)
    ast.parse(source)
    net = _import(source, tmp_path, "hostile_nodes").Net()
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in compiled.modules.parameters())
    net.load_state_dict(compiled.state_dict())  # strict: the same keys, so checkpoints fit
    compiled.eval(), net.eval()
    x, y = compiled.example_inputs(5), compiled.example_targets(5)
    with torch.no_grad():
        assert torch.equal(net(*x), compiled.model(*x))
        assert torch.equal(net.compute_loss(*x, *y)[0], compiled.training(*x, *y)[0])


def test_names_python_folds_together_stay_separate_layers(tmp_path):
    # "ﬁ"/"fi" and "ｆｃ"/"fc" are one identifier to Python; as two layers they must stay two.
    project = _renamed(["features", "ﬁ", "relu1", "dropout", "fi", "relu2", "ｆｃ"])
    graph = project.graphs["model"]
    graph.nodes[next(n.id for n in graph.nodes.values() if n.name == "relu2")].name = "fc"
    compiled = build(graph, "train")
    net = _import(generate_code(graph, "Net", purpose="train"), tmp_path, "folded").Net()
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in compiled.modules.parameters()) == 1315
    net.load_state_dict(compiled.state_dict())


def test_a_node_called_compute_loss_is_a_layer_and_compute_loss_stays_the_method(tmp_path):
    project = _renamed(["features", "compute_loss"])
    compiled = build(project.graphs["model"], "train")
    net = _import(generate_code(project.graphs["model"], "Net", purpose="train"), tmp_path, "cl").Net()
    net.load_state_dict(compiled.state_dict())
    assert isinstance(net.compute_loss_, torch.nn.Linear) and callable(net.compute_loss)
    x, y = compiled.example_inputs(3), compiled.example_targets(3)
    assert net.compute_loss(*x, *y)[0].shape == ()


@pytest.mark.parametrize("name", PROJECT_NAMES, ids=repr)
def test_any_project_name_gives_a_module_and_a_train_script_that_run(name, tmp_path, monkeypatch):
    project = _iris()
    project.name = name
    stem = f"hostile_{PROJECT_NAMES.index(name)}"
    paths = write_training_files(project, tmp_path / f"{stem}.py")
    for path in paths[:2]:
        ast.parse(path.read_text(encoding="utf-8"))
    module = _import(paths[0].read_text(encoding="utf-8"), tmp_path, stem)
    assert module.__doc__.startswith(f"{name}: PyTorch code generated")  # the user's name, exactly
    cls = getattr(module, class_names(project, ["model"])["model"])
    compiled = build(project.graphs["model"], "train")
    assert sum(p.numel() for p in cls().parameters()) == sum(p.numel() for p in compiled.modules.parameters())
    # One epoch of the generated train.py, in this process (the script imports the module by name).
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["train.py", "--epochs", "1", "--out", str(tmp_path / "w.pt")])
    try:
        script = runpy.run_path(str(paths[1]), run_name="__main__")
    finally:
        sys.modules.pop(stem, None)
    assert script["__doc__"].startswith(f"Train {name}: generated by netbuilder.")
    state = torch.load(tmp_path / "w.pt", weights_only=True)
    assert set(state) == set(compiled.state_dict())


def test_class_names_avoid_every_name_the_module_and_train_script_use():
    reserved_hits = {"objective": "ObjectiveModel", "path": "PathModel", "data loader": "DataLoaderModel",
                     "None": "NoneModel", "True": "TrueModel", "print": "Print"}
    for name, expected in reserved_hits.items():
        project = _iris()
        project.name = name
        assert class_names(project, ["model"]) == {"model": expected}


def test_the_whole_project_module_parses_for_a_multi_graph_project_with_clashing_graph_names():
    project = load_project(EXAMPLES / "gan_digits.nbproj")
    project.name = 'GAN """ C:\\x'
    source = project_code(project)
    tree = ast.parse(source)
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    assert len(classes) == len(set(classes)) == len(project.graphs)
