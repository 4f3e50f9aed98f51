"""The search space as data (netbuilder.graph.search_space): what a project offers, checks, file, Pareto front."""

from __future__ import annotations

from pathlib import Path

import pytest

from netbuilder.graph.project import load_project
from netbuilder.graph.search_space import (ACTIVATION, REPEAT, SETTING, WIDTH, SearchParam, SearchSpace,
                                           SearchSpaceError, candidate_params, default_space, load_space,
                                           pareto_front, save_space, space_file)

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def example(name: str):
    return load_project(EXAMPLES / f"{name}.nbproj")


def test_the_default_space_of_the_cnn_searches_rate_batch_optimiser_and_the_widths_before_the_last_layer():
    space = default_space(example("cnn_digits"))
    assert space.names() == ["learning_rate", "batch_size", "optimizer", "conv1.out_channels",
                             "conv2.out_channels", "fc1.out_features"]  # not scores: its width is the 10 classes


def test_default_ranges_are_centred_on_the_projects_own_values():
    project = example("cnn_digits")
    space = default_space(project)
    lr = space.param("learning_rate")
    assert lr.log and lr.low == pytest.approx(project.training.learning_rate / 10)
    assert lr.high == pytest.approx(project.training.learning_rate * 10)
    assert space.param("batch_size").choices == (16, 32, 64)
    assert (space.param("fc1.out_features").low, space.param("fc1.out_features").high) == (32, 128)


def test_a_width_that_must_match_its_partner_across_an_add_is_left_out_of_the_default_space():
    names = default_space(example("residual_wine")).names()
    assert "stem.out_features" not in names and "res_fc2.out_features" not in names
    assert "res_fc1.out_features" in names  # inside the branch: free to change


def test_candidates_include_dropout_rates_activation_choices_and_block_repeats():
    project = example("mlp_iris")
    graph = project.main_graph
    graph.add_group("block", [graph.node_named("hidden2").id, graph.node_named("relu2").id])
    kinds = {p.name: p.kind for p in candidate_params(project)}
    assert kinds["dropout.p"] == "dropout"
    assert kinds["relu1.type"] == ACTIVATION
    assert kinds["block.repeat"] == REPEAT
    assert kinds["weight_decay"] == SETTING
    assert "scores.out_features" not in kinds


def test_a_space_survives_its_file(tmp_path):
    project = example("mlp_iris")
    space = SearchSpace(candidate_params(project), epochs=3)
    path = save_space(space, tmp_path / "search.json")
    assert load_space(path) == space


def test_the_space_file_lives_in_the_projects_runs_folder(tmp_path):
    project = example("mlp_iris")
    project.path = tmp_path / "net.nbproj"
    assert space_file(project) == tmp_path / "runs" / "net" / "search.json"


@pytest.mark.parametrize("param, words", [
    (SearchParam(WIDTH, "n-missing", "gone.out_features", low=4, high=8), "no longer in the network"),
    (SearchParam(SETTING, "optimizer", "optimizer", choices=("adam", "lbfgs")), "unknown optimiser(s) lbfgs"),
    (SearchParam(SETTING, "learning_rate", "learning_rate", low=0.1, high=0.01), "is above the highest"),
    (SearchParam(SETTING, "weight_decay", "weight_decay", low=0.0, high=0.1, log=True), "log scale"),
    (SearchParam(SETTING, "epochs", "epochs", low=1, high=5), "not 'epochs'"),
])
def test_a_space_that_cannot_be_searched_says_why(param, words):
    problems = SearchSpace([param]).problems(example("mlp_iris"))
    assert len(problems) == 1 and words in problems[0] and problems[0].startswith(param.name)


def test_a_width_range_for_a_dropout_node_is_refused():
    project = example("mlp_iris")
    dropout = project.main_graph.node_named("dropout")
    problems = SearchSpace([SearchParam(WIDTH, dropout.id, "dropout.width", low=4, high=8)]).problems(project)
    assert "no width to search" in problems[0]


def test_a_damaged_space_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "space.json"
    path.write_text('{"params": [{"kind": "colour", "target": "x"}]}')
    with pytest.raises(SearchSpaceError, match=r"space\.json: params\[0\]\.kind"):
        load_space(path)


def test_the_pareto_front_keeps_the_points_no_other_point_beats():
    # (accuracy, multiply-adds): the second costs more and is no better; the last is best and dearest.
    points = [(0.90, 100), (0.88, 150), (0.95, 150), (0.95, 400), (0.97, 500)]
    assert pareto_front(points, maximize=True) == [0, 2, 4]


def test_the_pareto_front_of_a_loss_prefers_lower_values():
    assert pareto_front([(0.5, 100), (0.3, 200), (0.6, 50)], maximize=False) == [2, 0, 1]
