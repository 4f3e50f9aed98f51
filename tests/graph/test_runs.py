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


# ---- every run kept, each in a folder of its own -------------------------------------------------------
def _run_in(root, key, started, reason="completed", val_loss=0.4, weights=True):
    folder = root / key
    folder.mkdir(parents=True)
    if weights:
        (folder / "best.safetensors").write_bytes(key.encode())
    (folder / "history.json").write_text(json.dumps({
        "reason": reason, "message": "done", "epochs_completed": 2, "metrics": {"val_loss": val_loss},
        "run": {"started": started, "duration_s": 12.5, "device": "cpu", "params": 1000, "macs": 2000},
        "epochs": []}))
    return folder


def test_each_new_run_gets_a_folder_of_its_own_named_for_when_it_started(tmp_path):
    import datetime

    from netbuilder.graph.runs import new_run_folder

    when = datetime.datetime(2025, 1, 14, 9, 30, 12)
    first = new_run_folder(tmp_path / "runs" / "net", when)
    second = new_run_folder(tmp_path / "runs" / "net", when)  # the same second: still apart
    assert first.name == "20250114-093012" and second.name == "20250114-093012-2"
    assert first.is_dir() and second.is_dir()


def test_runs_are_listed_newest_first_with_their_figures(tmp_path):
    from netbuilder.graph.runs import list_runs

    root = tmp_path / "runs" / "net"
    _run_in(root, "a", started=1000.0, val_loss=0.5)
    _run_in(root, "b", started=3000.0, val_loss=0.3)
    _run_in(root, "c", started=2000.0, reason="nan")
    (root / "in-progress").mkdir()  # a run still going has no history yet: not listed
    runs = list_runs(root)
    assert [r.key for r in runs] == ["b", "c", "a"]
    assert runs[0].metrics == {"val_loss": 0.3} and runs[0].params == 1000 and runs[0].macs == 2000
    assert runs[0].duration_s == 12.5 and runs[0].device == "cpu" and not runs[1].ok


def test_the_last_run_and_the_trained_weights_are_the_newest_runs(tmp_path):
    project = tmp_path / "net.nbproj"
    root = runs_folder(project)
    _run_in(root, "old", started=1000.0)
    _run_in(root, "new", started=2000.0)
    _run_in(root, "newest-without-weights", started=3000.0, weights=False)
    assert last_run(root).key == "newest-without-weights"
    assert trained_weights(project) == root / "new" / "best.safetensors"


def test_a_searchs_trials_are_listed_but_never_taken_as_the_projects_weights(tmp_path):
    from netbuilder.graph.runs import list_runs

    project = tmp_path / "net.nbproj"
    root = runs_folder(project)
    _run_in(root, "20250101-000000", started=1000.0)
    _run_in(root, "search-default/trial-0", started=5000.0)  # trained a changed copy of the project
    assert [r.key for r in list_runs(root)] == ["search-default/trial-0", "20250101-000000"]
    assert list_runs(root)[0].is_trial
    assert [r.key for r in list_runs(root, trials=False)] == ["20250101-000000"]
    assert last_run(root).key == "20250101-000000"
    assert trained_weights(project) == root / "20250101-000000" / "best.safetensors"


def test_a_run_of_the_old_flat_layout_is_still_read_beside_the_newer_ones(tmp_path):
    from netbuilder.graph.runs import list_runs

    project = tmp_path / "net.nbproj"
    root = runs_folder(project)
    _fake_run(root)  # history.json straight in runs/net/, no start time recorded
    assert last_run(root).folder == root and trained_weights(project) == root / "best.safetensors"
    _run_in(root, "20990101-000000", started=4_000_000_000.0)  # a later run, in the new layout
    assert [r.key for r in list_runs(root)] == ["20990101-000000", ""]
    assert trained_weights(project) == root / "20990101-000000" / "best.safetensors"


def test_a_runs_name_and_note_are_kept_apart_from_its_history(tmp_path):
    from netbuilder.graph.runs import RUN_NOTES, read_run, rename_run, set_run_note

    folder = _run_in(tmp_path, "20250101-000000", started=1000.0)
    history = (folder / "history.json").read_bytes()
    assert read_run(folder).title == "20250101-000000"  # no name yet: its folder
    assert rename_run(folder, "  wide\n layers ") == "wide layers"
    set_run_note(folder, "dropout 0.3 helped\nbut slower")
    record = read_run(folder)
    assert (record.name, record.note, record.title) == ("wide layers", "dropout 0.3 helped\nbut slower", "wide layers")
    assert (folder / "history.json").read_bytes() == history
    stored = json.loads((folder / RUN_NOTES).read_text())
    assert stored == {"name": "wide layers", "note": "dropout 0.3 helped\nbut slower"}


def test_notes_that_are_not_ours_read_as_none(tmp_path):
    from netbuilder.graph.runs import RUN_NOTES, read_notes

    folder = _run_in(tmp_path, "r", started=1.0)
    (folder / RUN_NOTES).write_text('{"name": 3, "note": ["x"]}')
    assert read_notes(folder) == ("", "")
    (folder / RUN_NOTES).write_text("{broken")
    assert read_notes(folder) == ("", "")


def test_deleting_a_run_removes_its_folder_and_nothing_else(tmp_path):
    from netbuilder.graph.runs import delete_run, list_runs

    root = tmp_path / "runs" / "net"
    keep = _run_in(root, "keep", started=1.0)
    gone = _run_in(root, "gone", started=2.0)
    (gone / "events.out.tfevents.1.host").write_bytes(b"tb")
    delete_run(gone)
    assert not gone.exists() and keep.is_dir() and [r.key for r in list_runs(root)] == ["keep"]


def test_deleting_an_old_flat_run_leaves_the_newer_runs_and_the_study_in_its_folder(tmp_path):
    from netbuilder.graph.runs import delete_run, list_runs

    root = tmp_path / "runs" / "net"
    _fake_run(root)
    _run_in(root, "newer", started=2.0)
    (root / "search.db").write_bytes(b"study")
    delete_run(root)
    assert [r.key for r in list_runs(root)] == ["newer"] and (root / "search.db").is_file()
    assert not (root / "history.json").exists() and not (root / "best.safetensors").exists()


def test_a_folder_that_holds_no_run_is_never_deleted(tmp_path):
    import pytest

    from netbuilder.graph.runs import delete_run

    (tmp_path / "mine.txt").write_text("not a run")
    with pytest.raises(ValueError, match="holds no run"):
        delete_run(tmp_path)
    assert (tmp_path / "mine.txt").is_file()


def test_save_as_carries_every_run_and_keeps_the_runs_already_at_the_target(tmp_path):
    from netbuilder.graph.runs import list_runs

    old, new = tmp_path / "user" / "untitled", runs_folder(tmp_path / "net.nbproj")
    _run_in(old, "a", started=1.0)
    _run_in(old, "b", started=2.0)
    _run_in(new, "c", started=3.0)  # another project of that name trained here before
    carry_runs(old, new, move=True)
    assert sorted(r.key for r in list_runs(new)) == ["a", "b", "c"] and not old.exists()
