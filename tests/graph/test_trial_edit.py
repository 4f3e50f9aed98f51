"""A trial's values as one undoable edit (netbuilder.graph.trial_edit): apply, revert, apply again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netbuilder.graph.project import Project, load_project
from netbuilder.graph.search_space import SearchSpace, candidate_params
from netbuilder.graph.trial_edit import ReplaceLayer, trial_edit, trial_project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def iris(block: bool = False) -> Project:
    project = load_project(EXAMPLES / "mlp_iris.nbproj")
    if block:
        g = project.main_graph
        g.add_group("block", [g.node_named("hidden2").id, g.node_named("relu2").id])
    return project


def snapshot(project: Project) -> str:
    """The project as its file stores it, independent of the order things were (re)inserted in."""
    data = project.to_dict()
    for graph in data["graphs"].values():
        for key in ("nodes", "edges", "groups"):
            graph[key] = sorted(graph.get(key, []), key=lambda d: d["id"])
    return json.dumps(data, sort_keys=True)


def round_trip(project: Project, values: dict[str, Any]) -> None:
    space = SearchSpace(candidate_params(project))
    edit = trial_edit(project, space, values, "Apply trial 3")
    before = snapshot(project)
    edit.apply(project)
    after = snapshot(project)
    assert after != before
    edit.revert(project)
    assert snapshot(project) == before
    edit.apply(project)
    assert snapshot(project) == after


def test_settings_widths_and_rates_apply_as_one_edit_that_one_revert_takes_back():
    project = iris()
    round_trip(project, {"learning_rate": 0.05, "optimizer": "sgd", "hidden1.out_features": 48, "dropout.p": 0.3})
    g = project.main_graph
    assert project.training.learning_rate == 0.05 and project.training.optimizer == "sgd"
    assert g.node_named("hidden1").params["out_features"] == 48 and g.node_named("dropout").params["p"] == 0.3


def test_values_the_project_already_has_make_no_step():
    project = iris()
    space = SearchSpace(candidate_params(project))
    assert trial_edit(project, space, {"learning_rate": project.training.learning_rate,
                                       "hidden1.out_features": 32}).empty


def test_an_activation_swap_keeps_the_nodes_id_name_and_wires():
    project = iris()
    g = project.main_graph
    relu = g.node_named("relu1")
    wires = sorted(e.id for e in g.edges_of(relu.id))
    round_trip(project, {"relu1.type": "GELU"})
    swapped = g.nodes[relu.id]
    assert swapped.type == "GELU" and swapped.name == "relu1"
    assert sorted(e.id for e in g.edges_of(relu.id)) == wires
    assert not [d for a in project.analyze().values() for d in a.errors]


def test_a_layer_cannot_become_one_with_other_ports():
    g = iris().main_graph
    with pytest.raises(ValueError, match="cannot become a Add"):
        ReplaceLayer(g.node_named("relu1").id, "Add").apply(g)


def test_repeating_a_block_chains_copies_of_it_that_analyse_clean():
    project = iris(block=True)
    round_trip(project, {"block.repeat": 3, "hidden2.out_features": 24})
    g = project.main_graph
    order = [g.nodes[i].name for i in g.topological_order() if g.nodes[i].type in ("Linear", "ReLU")]
    assert order == ["hidden1", "relu1", "hidden2", "relu2", "hidden2_1", "relu2_1", "hidden2_2", "relu2_2", "scores"]
    assert all(g.node_named(n).params["out_features"] == 24 for n in ("hidden2_1", "hidden2_2"))  # copies of the new
    assert sorted(grp.name for grp in g.groups.values()) == ["block", "block_2", "block_3"]
    assert not [d for a in project.analyze().values() for d in a.errors]


def test_a_block_that_is_not_a_link_of_a_chain_cannot_be_repeated_and_nothing_changes():
    project = load_project(EXAMPLES / "residual_wine.nbproj")
    g = project.main_graph
    # Two layers of two branches: fed from two places, feeding two places.
    g.add_group("two_ways", [g.node_named("wide").id, g.node_named("res_fc2").id])
    space = SearchSpace(candidate_params(project))
    before = snapshot(project)
    edit = trial_edit(project, space, {"two_ways.repeat": 2, "learning_rate": 0.01})
    with pytest.raises(ValueError, match="two_ways cannot be repeated"):
        edit.apply(project)
    assert snapshot(project) == before  # the settings step already made was taken back


def test_a_trial_project_is_a_changed_copy_and_the_original_is_untouched():
    project = iris()
    before = snapshot(project)
    other = trial_project(project, SearchSpace(candidate_params(project)), {"hidden2.out_features": 20})
    assert other.main_graph.node_named("hidden2").params["out_features"] == 20
    assert snapshot(project) == before
    assert other.main_graph.node_named("hidden2").id == project.main_graph.node_named("hidden2").id
