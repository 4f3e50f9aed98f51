"""`netbuilder search`: trials printed as they end, JSON lines, a resumable study beside the project, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from netbuilder.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture
def iris(tmp_path) -> Path:
    return Path(shutil.copy(EXAMPLES / "mlp_iris.nbproj", tmp_path / "iris.nbproj"))


def test_json_prints_one_object_per_trial_and_a_final_one(iris, capsys):
    code = main(["search", str(iris), "--trials", "2", "--epochs", "1", "--json", "--device", "cpu"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [line["event"] for line in lines] == ["trial", "trial", "finished"]
    final = lines[-1]
    assert final["metric"] == "accuracy" and final["ended"] == "trials" and len(final["trials"]) == 2
    assert final["best"] in (0, 1)
    assert {"value", "params", "macs", "state"} <= set(lines[0])


def test_the_study_lives_beside_the_project_and_a_second_call_adds_to_it(iris, capsys):
    main(["search", str(iris), "--trials", "1", "--epochs", "1", "--json"])
    capsys.readouterr()
    main(["search", str(iris), "--trials", "1", "--epochs", "1", "--json"])
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [t["number"] for t in final["trials"]] == [0, 1]
    assert (iris.parent / "runs" / "iris" / "search.db").is_file()
    assert (iris.parent / "runs" / "iris" / "search-default" / "trial-1" / "history.json").is_file()


def test_plain_output_names_the_space_each_trial_and_the_best(iris, capsys):
    code = main(["search", str(iris), "--trials", "1", "--epochs", "1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "ranked by validation accuracy" in out and "learning_rate" in out
    assert "trial 0" in out and "best: trial 0" in out and "run the same command again" in out


def test_print_space_writes_a_space_that_space_reads_back(iris, tmp_path, capsys):
    assert main(["search", str(iris), "--print-space"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in printed["params"]][:3] == ["learning_rate", "batch_size", "optimizer"]
    printed["params"] = printed["params"][:1]
    space = tmp_path / "space.json"
    space.write_text(json.dumps(printed))
    code = main(["search", str(iris), "--space", str(space), "--trials", "1", "--epochs", "1", "--json"])
    final = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert code == 0 and list(final["trials"][0]["params"]) == ["learning_rate"]


def test_storage_url_puts_the_study_there(iris, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert main(["search", str(iris), "--trials", "1", "--epochs", "1", "--storage", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["storage"] == url
    assert (tmp_path / "elsewhere.db").is_file()


def test_without_a_budget_it_exits_2_and_says_what_to_give(iris, capsys):
    assert main(["search", str(iris)]) == 2
    assert "--trials" in capsys.readouterr().err


def test_a_damaged_space_file_exits_2_naming_it(iris, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["search", str(iris), "--space", str(bad), "--trials", "1"]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_a_project_with_errors_is_not_searched(tmp_path, capsys):
    data = json.loads((EXAMPLES / "mlp_iris.nbproj").read_text())
    data["graphs"]["model"]["edges"] = data["graphs"]["model"]["edges"][1:]  # a loose wire
    broken = tmp_path / "broken.nbproj"
    broken.write_text(json.dumps(data))
    assert main(["search", str(broken), "--trials", "1"]) == 1
    assert "not searched" in capsys.readouterr().err
