"""`dataset_diagnostics`: a data set that does not fit the network is found before any data is read,
and it says what loading the data would say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from netbuilder.data import BUILTIN_DATASETS, DataError, load_for
from netbuilder.data.checks import CODE, analyze_with_data, dataset_diagnostics
from netbuilder.graph import DatasetSettings, Graph, Project, TrainingSettings, load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"

# Inputs a student might draw, and Targets: every built-in set meets each of them.
INPUTS = {
    "tabular 4": {"kind": "tabular", "features": 4},
    "tabular 64": {"kind": "tabular", "features": 64},
    "image 1×8×8": {"kind": "image", "channels": 1, "height": 8, "width": 8},
    "image 3×32×32": {"kind": "image", "channels": 3, "height": 32, "width": 32},
    "sequence 32×1": {"kind": "sequence", "length": 32, "features": 1},
    "sequence 20×3": {"kind": "sequence", "length": 20, "features": 3},
    "tokens 32": {"kind": "tokens", "length": 32},
}
TARGETS = {
    "3 classes": {"kind": "classes", "classes": 3},
    "10 classes": {"kind": "classes", "classes": 10},
    "one value": {"kind": "values", "shape": [1]},
    "two values": {"kind": "values", "shape": [2]},
}
SETS = sorted(BUILTIN_DATASETS)


def project(dataset: str, inputs: dict, target: dict | None, options: dict | None = None,
            scheme: str = "supervised") -> Project:
    g = Graph("model")
    g.add_node("Input", params=dict(inputs), name="x")
    if target is not None:
        g.add_node("Target", params=dict(target), name="y")
    return Project("t", {"model": g}, DatasetSettings(dataset, options=options or {}),
                   TrainingSettings(scheme=scheme))


def loading_error(p: Project) -> str | None:
    try:
        load_for(p)
    except DataError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("inputs", INPUTS, ids=str)
def test_an_input_is_flagged_exactly_when_loading_the_set_into_it_fails(name, inputs):
    p = project(name, INPUTS[inputs], None)
    found = [d.message for d in dataset_diagnostics(p)]
    error = loading_error(p)
    assert bool(found) == (error is not None), (found, error)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_a_target_is_flagged_exactly_when_loading_the_set_for_it_fails(name, target):
    info = BUILTIN_DATASETS[name]
    fitting = {"tabular": {"kind": "tabular", "features": info.input_shape[0]},
               "image": {"kind": "image", "channels": 1, "height": 8, "width": 8},
               "sequence": {"kind": "sequence", "length": info.input_shape[0], "features": 1},
               "tokens": {"kind": "tokens", "length": 32}}[info.input_kind]
    p = project(name, fitting, TARGETS[target])
    found = [d.message for d in dataset_diagnostics(p)]
    error = loading_error(p)
    assert bool(found) == (error is not None), (found, error)


def test_the_problem_reads_as_the_error_training_would_stop_with():
    p = project("digits", INPUTS["tabular 4"], TARGETS["3 classes"])
    found = [d.message for d in dataset_diagnostics(p)]
    assert found[0] == loading_error(p)
    assert found == ["digits gives 1×8×8 images (64 values) but the Input 'x' takes 4 (4 values) — set the Input "
                     "to image 1×8×8",
                     "digits has 10 classes but the Target 'y' says 3 — set the Target's classes to 10 (and the "
                     "last layer's outputs to match)"]


def test_each_problem_sits_on_the_node_to_change():
    p = project("iris", INPUTS["image 1×8×8"], TARGETS["10 classes"])
    g = p.graphs["model"]
    diags = dataset_diagnostics(p)
    assert [(d.node_id, d.code, d.severity, d.graph) for d in diags] == [
        (g.node_named("x").id, CODE, "error", "model"), (g.node_named("y").id, CODE, "error", "model")]


def test_options_that_change_the_sample_are_followed():
    assert dataset_diagnostics(project("digits", INPUTS["tabular 64"], None, {"flatten": True})) == []
    assert dataset_diagnostics(project("spirals", {"kind": "tabular", "features": 2}, TARGETS["3 classes"],
                                       {"classes": 3})) == []
    assert dataset_diagnostics(project("sine", INPUTS["sequence 32×1"], None, {"length": 20}))


def test_an_unknown_option_or_data_set_is_a_problem_too():
    typo = dataset_diagnostics(project("digits", INPUTS["image 1×8×8"], None, {"flaten": True}))
    assert [d.message for d in typo] == ["digits: unknown option 'flaten'; it reads flatten, range"]
    assert "unknown data set 'mnist'" in dataset_diagnostics(project("mnist", INPUTS["tabular 4"], None))[0].message


def test_a_user_file_is_not_read_to_check_it(tmp_path):
    p = project("csv", INPUTS["tabular 4"], TARGETS["3 classes"])
    p.dataset.path = str(tmp_path / "missing.csv")  # reading it would fail; the check must not try
    assert dataset_diagnostics(p) == []


def test_the_labels_are_checked_only_when_the_scheme_feeds_them_to_a_target():
    p = project("digits", INPUTS["tabular 64"], TARGETS["3 classes"], {"flatten": True}, scheme="reconstruction")
    assert dataset_diagnostics(p) == []


def test_a_gan_is_checked_on_the_graph_its_data_feeds():
    gan = load_project(EXAMPLES / "gan_digits.nbproj")
    sample = gan.graphs["discriminator"].node_named("sample")
    sample.params["features"] = 32
    diags = dataset_diagnostics(gan)
    assert [(d.graph, d.node_id) for d in diags] == [("discriminator", sample.id)]
    assert "digits gives rows of 64 features" in diags[0].message


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.nbproj")), ids=lambda p: p.stem)
def test_every_example_fits_its_data_set(path):
    assert dataset_diagnostics(load_project(path)) == []


def test_the_analysis_shown_to_the_user_carries_the_data_problems():
    p = project("iris", INPUTS["tabular 64"], TARGETS["3 classes"])
    results = analyze_with_data(p)
    assert [d.code for d in results["model"].diagnostics if d.code == CODE] == [CODE]
    assert all(d.code != CODE for d in p.analyze()["model"].diagnostics)  # the graph's own analysis is untouched


def test_the_checks_load_neither_torch_nor_numpy():
    code = ("import sys, netbuilder.data.checks as c\n"
            "from netbuilder.graph import load_project\n"
            f"c.dataset_diagnostics(load_project({str(EXAMPLES / 'cnn_digits.nbproj')!r}))\n"
            "print([m for m in ('torch', 'numpy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_netbuilder_validate_reports_a_data_set_that_does_not_fit(tmp_path, capsys):
    from netbuilder.cli import main
    from netbuilder.graph import save_project

    iris = load_project(EXAMPLES / "mlp_iris.nbproj")
    iris.dataset.name = "wine"  # 13 measurements, not 4
    path = save_project(iris, tmp_path / "wine_by_mistake.nbproj")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert (f"{path}: node 'features' (Input): error: wine gives rows of 13 features (13 values) but the Input "
            "'features' takes 4 (4 values) — set the Input to tabular with 13 features") in out
