"""`Search` (netbuilder.train.search): Optuna trials of Trainer runs, pruned, budgeted, stored and resumable."""

from __future__ import annotations

import json

import pytest

from netbuilder.data import load_for
from netbuilder.graph.search_space import WIDTH, SearchParam, SearchSpace, default_space
from netbuilder.train import Control
from netbuilder.train.search import Search, SearchConfig, SearchError, SearchListener, open_study
from tests.train.conftest import load_example


@pytest.fixture(scope="module")
def iris_data():
    return load_for(load_example("mlp_iris"))


def search(tmp_path, data, trials=4, listener=None, control=None, project=None, space=None, **config):
    project = project or load_example("mlp_iris")
    space = space or default_space(project)
    space.epochs = 2
    return Search(project, space, SearchConfig(tmp_path / "runs", trials=trials, device="cpu", **config),
                  listener, control, dataset=data).run()


def test_a_four_trial_search_on_iris_finishes_with_each_trials_metric_params_cost_and_state(tmp_path, iris_data):
    outcome = search(tmp_path, iris_data)
    assert outcome.ended == "trials" and outcome.metric == "accuracy" and outcome.maximize
    assert [t.number for t in outcome.trials] == [0, 1, 2, 3]
    assert {t.state for t in outcome.trials} <= {"complete", "pruned"}
    best = outcome.best
    assert best is not None and 0.0 <= best.value <= 1.0
    assert set(best.params) == {"learning_rate", "batch_size", "optimizer", "hidden1.out_features",
                                "hidden2.out_features"}
    assert best.macs > 0 and best.parameters > 0 and best.seconds > 0


def test_each_trial_is_a_run_recorded_in_the_projects_runs_folder(tmp_path, iris_data):
    outcome = search(tmp_path, iris_data, trials=2)
    for trial in outcome.trials:
        assert trial.run_folder == tmp_path / "runs" / "search-default" / f"trial-{trial.number}"
        history = json.loads((trial.run_folder / "history.json").read_text())
        assert history["epochs"] and (trial.run_folder / "best.safetensors").is_file()


def test_a_second_search_continues_the_same_study(tmp_path, iris_data):
    first = search(tmp_path, iris_data, trials=2)
    second = search(tmp_path, iris_data, trials=2)
    assert [t.number for t in second.trials] == [0, 1, 2, 3]
    assert [t.params for t in second.trials[:2]] == [t.params for t in first.trials]
    assert second.trials[2].params != first.trials[0].params  # the resumed sampler does not replay its draws
    assert (tmp_path / "runs" / "search.db").is_file()


def test_a_named_storage_holds_the_study(tmp_path, iris_data):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    search(tmp_path, iris_data, trials=1, storage=url, study="shared")
    assert len(open_study(url, "shared").trials) == 1
    assert not (tmp_path / "runs" / "search.db").exists()


def test_the_listener_hears_every_trial_and_epoch(tmp_path, iris_data):
    heard: list[tuple] = []

    class Ears(SearchListener):
        def on_search_start(self, event):
            heard.append(("start", event.metric, len(event.previous)))

        def on_trial_start(self, number, values):
            heard.append(("trial", number))

        def on_epoch(self, number, event):
            heard.append(("epoch", number, event.epoch))

        def on_trial_end(self, result):
            heard.append(("end", result.number, result.state))

    search(tmp_path, iris_data, trials=1, listener=Ears())
    assert heard == [("start", "accuracy", 0), ("trial", 0), ("epoch", 0, 1), ("epoch", 0, 2), ("end", 0, "complete")]


def test_a_stop_request_ends_the_trial_in_progress_and_the_search(tmp_path, iris_data):
    control = Control()

    class StopAtFirstEpoch(SearchListener):
        def on_epoch(self, number, event):
            control.request_stop()

    outcome = search(tmp_path, iris_data, trials=5, listener=StopAtFirstEpoch(), control=control)
    assert outcome.ended == "stopped"
    assert len(outcome.trials) == 1 and outcome.trials[0].state == "pruned"
    assert "stopped on request" in outcome.trials[0].message


def test_the_time_budget_ends_the_search(tmp_path, iris_data):
    outcome = search(tmp_path, iris_data, trials=50, timeout_s=0.5)
    assert outcome.ended == "time"
    assert len(outcome.trials) < 50


def test_values_that_break_the_network_fail_that_trial_and_the_search_goes_on(tmp_path, iris_data):
    project = load_example("mlp_iris")
    scores = project.main_graph.node_named("scores")
    space = SearchSpace([SearchParam(WIDTH, scores.id, "scores.out_features", low=2, high=2)])
    outcome = search(tmp_path, iris_data, trials=2, project=project, space=space)
    assert [t.state for t in outcome.trials] == ["failed", "failed"]
    assert "3 classes" in outcome.trials[0].message
    assert outcome.best is None


def test_a_study_made_for_one_metric_refuses_another(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    open_study(url, "s", "accuracy", True)
    with pytest.raises(SearchError, match="ranks trials by validation accuracy"):
        open_study(url, "s", "loss", False)


def test_a_storage_that_cannot_be_opened_is_a_search_error(tmp_path, iris_data):
    with pytest.raises(SearchError, match="cannot open the study database"):
        search(tmp_path, iris_data, trials=1, storage="nosuchdb://nowhere/x")


def test_a_space_that_does_not_fit_the_project_is_refused_before_any_trial(tmp_path, iris_data):
    space = SearchSpace([SearchParam(WIDTH, "n-gone", "gone.out_features", low=2, high=4)])
    with pytest.raises(SearchError, match="no longer in the network"):
        search(tmp_path, iris_data, space=space)


def test_a_scheme_without_a_validation_loss_ends_the_search_at_its_first_trial(tmp_path):
    project = load_example("gan_digits")
    space = SearchSpace([p for p in default_space(project).params if p.name == "learning_rate"], epochs=1)
    outcome = Search(project, space, SearchConfig(tmp_path / "runs", trials=3, device="cpu")).run()
    assert [t.state for t in outcome.trials] == ["failed"]
    assert "cannot rank its trials" in outcome.trials[0].message
