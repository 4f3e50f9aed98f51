"""A project's runs live beside it, travel with Save As and are found again on open."""

from __future__ import annotations

import json

from netbuilder.graph.runs import carry_runs, has_run, last_run, runs_folder, trained_weights


def _fake_run(folder, reason="completed"):
    folder.mkdir(parents=True)
    (folder / "best.safetensors").write_bytes(b"best")
    (folder / "last.safetensors").write_bytes(b"last")
    epochs = [{"epoch": 1, "val": {"loss": 0.5}, "confusion": [[1, 0], [0, 1]]}, {"epoch": 2, "val": {"loss": 0.4}}]
    (folder / "history.json").write_text(json.dumps({
        "reason": reason, "message": "trained 2 epoch(s)", "epochs_completed": 2, "steps": 20,
        "metrics": {"val_accuracy": 0.96, "bad": None}, "best_val_loss": 0.4,
        "best_checkpoint": "/elsewhere/best.safetensors", "epochs": epochs}))


def test_runs_of_a_saved_project_are_in_a_folder_named_after_it(tmp_path):
    assert runs_folder(tmp_path / "iris_mlp.nbproj") == tmp_path / "runs" / "iris_mlp"


def test_the_last_run_is_read_back_with_its_checkpoints_found_in_its_own_folder(tmp_path):
    folder = tmp_path / "runs" / "net"
    _fake_run(folder)
    record = last_run(folder)
    assert record is not None and record.ok and record.epochs_completed == 2
    assert record.metrics == {"val_accuracy": 0.96}
    assert record.weights == folder / "best.safetensors"  # not the stale absolute path inside the file
    assert record.confusion == [[1, 0], [0, 1]]


def test_a_damaged_history_is_no_run_rather_than_an_error(tmp_path):
    folder = tmp_path / "runs" / "net"
    folder.mkdir(parents=True)
    (folder / "history.json").write_text("{not json")
    assert last_run(folder) is None
    (folder / "history.json").write_text("[" * 100_000)
    assert last_run(folder) is None


def test_save_as_carries_the_runs_to_the_new_name(tmp_path):
    old = runs_folder(tmp_path / "untitled.nbproj")
    _fake_run(old)
    new = runs_folder(tmp_path / "elsewhere" / "iris.nbproj")
    assert carry_runs(old, new) == new
    assert has_run(new) and has_run(old)  # copied
    assert trained_weights(tmp_path / "elsewhere" / "iris.nbproj") == new / "best.safetensors"


def test_moving_runs_leaves_nothing_behind(tmp_path):
    old = tmp_path / "user-data" / "untitled"
    _fake_run(old)
    new = runs_folder(tmp_path / "net.nbproj")
    carry_runs(old, new, move=True)
    assert has_run(new) and not old.exists()


def test_weights_beside_the_project_win_over_its_runs(tmp_path):
    project = tmp_path / "net.nbproj"
    _fake_run(runs_folder(project))
    (tmp_path / "net.safetensors").write_bytes(b"imported")
    assert trained_weights(project) == tmp_path / "net.safetensors"
    assert trained_weights(tmp_path / "other.nbproj") is None


def test_a_fingerprint_ignores_where_nodes_sit_but_not_what_they_are():
    from netbuilder.graph import Graph
    from netbuilder.graph.runs import fingerprint
    from netbuilder.graph.serialize import graph_to_dict

    graph = Graph("model")
    node = graph.add_node("Linear", (0.0, 0.0), params={"out_features": 4})
    before = fingerprint({"model": graph_to_dict(graph)})
    graph.nodes[node.id].position = (300.0, 120.0)
    assert fingerprint({"model": graph_to_dict(graph)}) == before
    graph.nodes[node.id].params["out_features"] = 8
    assert fingerprint({"model": graph_to_dict(graph)}) != before
