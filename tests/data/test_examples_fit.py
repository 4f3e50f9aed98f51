"""Every example project's data set fits its network as drawn."""

from __future__ import annotations

from pathlib import Path

import pytest

from netbuilder.data import DataError, load_for_graph
from netbuilder.graph import DatasetSettings, Graph, load_project

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "resources" / "examples").glob("*.nbproj"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_data_fits_the_graph_the_data_feeds(path):
    project = load_project(path)
    graph = project.graphs.get("discriminator") or project.graphs["model"]
    ds = load_for_graph(project.dataset, graph, path.parent)
    assert ds.train_size > 0


def test_a_graph_with_two_inputs_is_refused_naming_them():
    g = Graph("model")
    g.add_node("Input", name="a")
    g.add_node("Input", name="b")
    with pytest.raises(DataError, match="needs exactly one Input for the data set 'iris'; it has 'a', 'b'"):
        load_for_graph(DatasetSettings("iris"), g)


def test_the_graph_nodes_are_named_in_a_misfit_message():
    g = Graph("model")
    g.add_node("Input", params={"kind": "image", "channels": 3, "height": 32, "width": 32}, name="image")
    with pytest.raises(DataError, match="the Input 'image' takes 3×32×32"):
        load_for_graph(DatasetSettings("digits"), g)


def test_the_target_class_count_is_checked():
    g = Graph("model")
    g.add_node("Input", params={"kind": "tabular", "features": 4}, name="features")
    g.add_node("Target", params={"kind": "classes", "classes": 10}, name="labels")
    with pytest.raises(DataError, match="iris has 3 classes but the Target 'labels' says 10"):
        load_for_graph(DatasetSettings("iris"), g)
