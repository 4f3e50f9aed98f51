"""Messages that used to give wrong advice now say what is really wrong, and what to do.

One test per item of the never-overwrite issue's "messages that give wrong advice":
NaN/inf in data or in a starting checkpoint (not "lower the learning rate"), a
text file named .npz (not "Python objects"), a uint64 label (not "class id -1"),
a one-column CSV (not "0 features"), an unclosed CSV quote (not silently
swallowed rows), header "no" (not true), impossible opsets and tolerances, a
class count that makes an invalid project, NaN in JSON, and a blocked pickle
(never "set weights_only=False").
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from netbuilder.cli import main
from netbuilder.data import DataError
from netbuilder.data.csv_table import read_csv
from netbuilder.data.files import read_npz
from netbuilder.graph import load_project, save_project

ROOT = Path(__file__).resolve().parents[2]
IRIS = ROOT / "resources" / "examples" / "mlp_iris.nbproj"


# ---- data ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_named_by_sample_at_load(bad, tmp_path):
    x = np.ones((10, 4), dtype=np.float32)
    x[6, 2] = bad
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(10) % 2)
    with pytest.raises(DataError, match=r"d\.npz: 'x' of sample 6 .* NaN or infinity") as caught:
        read_npz(tmp_path / "d.npz", {})
    assert "learning rate" not in str(caught.value)


def test_non_finite_regression_targets_are_named_by_sample(tmp_path):
    y = np.zeros(8, dtype=np.float32)
    y[[3, 5]] = np.nan
    np.savez(tmp_path / "d.npz", x=np.ones((8, 2), dtype=np.float32), y=y)
    with pytest.raises(DataError, match=r"'y' of sample 3 .* and 1 more samples do"):
        read_npz(tmp_path / "d.npz", {"task": "regression"})


def test_training_on_nan_data_stops_before_training_with_the_data_named(tmp_path, capsys):
    x = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    x[17, 0] = np.nan
    np.savez(tmp_path / "d.npz", x=x, y=np.arange(40) % 3)
    project = load_project(IRIS)
    project.dataset.name, project.dataset.path = "npz", "d.npz"
    path = save_project(project, tmp_path / "P.nbproj")
    code = main(["train", str(path), "--epochs", "1", "--out", str(tmp_path / "run")])
    captured = capsys.readouterr()
    assert code != 0
    assert "sample 17" in captured.out + captured.err and "learning rate" not in captured.out + captured.err


@pytest.mark.parametrize("content,expected", [
    (b"sepal,petal,label\n1,2,a\n", "a text file"),
    (b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "a single .npy array"),
    (b"", "the file is empty"),
    (b"\x00\x01\x02\x03garbage", "not an .npz archive"),
])
def test_a_file_named_npz_that_is_not_one_says_what_it_is(content, expected, tmp_path):
    path = tmp_path / "d.npz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected) as caught:
        read_npz(path, {})
    assert "Python objects" not in str(caught.value)


def test_a_uint64_label_is_reported_as_it_is_not_as_a_negative_id(tmp_path):
    y = np.array([0, 1, 2**64 - 1, 1], dtype=np.uint64)
    np.savez(tmp_path / "d.npz", x=np.ones((4, 2), dtype=np.float32), y=y)
    with pytest.raises(DataError, match="class id 18446744073709551615") as caught:
        read_npz(tmp_path / "d.npz", {})
    assert "negative" not in str(caught.value)


def test_a_class_id_too_large_for_any_network_is_refused_before_a_one_hot(tmp_path):
    np.savez(tmp_path / "d.npz", x=np.ones((3, 2), dtype=np.float32), y=np.array([0, 1, 10**9]))
    with pytest.raises(DataError, match="class id 1000000000; .* at most 100,000 classes"):
        read_npz(tmp_path / "d.npz", {})


def test_a_one_column_csv_asks_about_the_delimiter_not_for_zero_features(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b;label\n1;2;x\n3;4;y\n5;6;x\n")
    with pytest.raises(DataError, match="single value, .* set the 'delimiter' option") as caught:
        read_csv(path, {"delimiter": ","})
    assert "0 features" not in str(caught.value)


def test_an_unclosed_csv_quote_is_reported_with_its_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b,label\n1,2,x\n3,"4,y\n5,6,x\n7,8,y\n')
    with pytest.raises(DataError, match=r"t\.csv: line 3: a quote .* never closes"):
        read_csv(path, {})


def test_a_quoted_field_with_a_line_break_still_reads(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text('a,b,label\n1,2,"x\ny"\n3,4,z\n')
    assert read_csv(path, {}).class_names == ["x\ny", "z"]


@pytest.mark.parametrize("value,header", [("no", False), ("false", False), (0, False), ("yes", True), (True, True)])
def test_the_header_option_reads_no_as_no(value, header, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    raw = read_csv(path, {"header": value})
    assert len(raw.x) == (4 if not header else 3)


def test_an_unknown_header_option_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("1,2,0\n3,4,1\n")
    with pytest.raises(DataError, match="option 'header' must be auto, yes or no"):
        read_csv(path, {"header": "nope"})


# ---- checkpoints -----------------------------------------------------------------------------------
def _iris_checkpoint(tmp_path: Path, poison: float | None) -> Path:
    from netbuilder.compile import build
    from netbuilder.export.weights import save_weights

    compiled = build(load_project(IRIS).graphs["model"], "train")
    state = dict(compiled.state_dict())
    if poison is not None:
        state["hidden1.weight"] = state["hidden1.weight"].clone()
        state["hidden1.weight"][0, 0] = poison
    names = {"model": dict(compiled.node_for_module)}
    return save_weights(state, tmp_path / "start.safetensors", names)


@pytest.mark.parametrize("poison", [float("nan"), float("inf")])
def test_a_starting_checkpoint_with_non_finite_weights_is_refused_by_name(poison, tmp_path, capsys):
    ckpt = _iris_checkpoint(tmp_path, poison)
    assert main(["train", str(IRIS), "--init-from", str(ckpt), "--epochs", "1", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "hidden1.weight hold NaN or infinity" in err and "learning rate" not in err
    assert not (tmp_path / "r" / "best.safetensors").exists()


def test_load_matching_refuses_non_finite_weights(tmp_path):
    from netbuilder.compile import build
    from netbuilder.train.checkpoint import NonFiniteWeights, load_matching

    compiled = build(load_project(IRIS).graphs["model"], "train")
    with pytest.raises(NonFiniteWeights, match="start.safetensors"):
        load_matching(compiled, _iris_checkpoint(tmp_path, float("nan")))


def test_a_checkpoint_with_non_finite_weights_is_never_saved(tmp_path):
    from netbuilder.compile import build
    from netbuilder.train.checkpoint import NonFiniteWeights, save_checkpoint

    compiled = build(load_project(IRIS).graphs["model"], "train")
    state = {k: v.clone() for k, v in compiled.state_dict().items()}
    state["scores.bias"][1] = float("nan")
    with pytest.raises(NonFiniteWeights, match=r"best\.safetensors: not written .* scores\.bias"):
        save_checkpoint(tmp_path / "best.safetensors", state, {"model": compiled})
    assert list(tmp_path.iterdir()) == []


def test_a_checkpoint_records_nan_info_as_valid_json(tmp_path):
    from safetensors import safe_open

    from netbuilder.compile import build
    from netbuilder.train.checkpoint import save_checkpoint

    compiled = build(load_project(IRIS).graphs["model"], "train")
    path = save_checkpoint(tmp_path / "c.safetensors", compiled.state_dict(), {"model": compiled},
                           {"best_val_loss": float("nan")})
    with safe_open(str(path), framework="pt") as f:
        info = json.loads(f.metadata()["info"], parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert info == {"best_val_loss": None}


class Custom:
    """A Python object inside a .pt: the weights-only loader refuses to build it."""


def test_a_blocked_pickle_in_weights_never_suggests_unsafe_loading(tmp_path, capsys):
    weights = tmp_path / "w.pt"
    torch.save({"layer": Custom()}, weights)
    assert main(["export", str(IRIS), "--weights", str(weights), "--onnx", str(tmp_path / "m.onnx")]) == 1
    err = capsys.readouterr().err
    assert "never unpickles" in err and "w.pt" in err
    assert "weights_only" not in err and "trust" not in err and len(err.strip().splitlines()) == 1


# ---- export and import options ---------------------------------------------------------------------
@pytest.mark.parametrize("opset", ["1", "6", str(10**30), "-3"])
def test_an_opset_onnx_does_not_have_is_refused_not_silently_replaced(opset, tmp_path, capsys):
    out = tmp_path / "m.onnx"
    assert main(["export", str(IRIS), "--onnx", str(out), "--opset", opset]) == 1
    assert f"opset {opset} cannot be written" in capsys.readouterr().err
    assert not out.exists()


def test_an_old_opset_is_written_as_asked_by_the_exporter_that_can(tmp_path):
    import onnx

    from netbuilder.export.onnx_out import export_onnx

    report = export_onnx(load_project(IRIS), tmp_path / "m.onnx", opset=9)  # dynamo writes 18+: TorchScript does
    assert report.opset == 9 and report.exporter == "torchscript"
    assert onnx.load(str(tmp_path / "m.onnx")).opset_import[0].version == 9


@pytest.mark.parametrize("tolerance", ["nan", "inf", "0", "-1e-4"])
def test_a_tolerance_that_is_not_a_positive_number_is_refused(tolerance, tmp_path, capsys):
    assert main(["export", str(IRIS), "--onnx", str(tmp_path / "m.onnx"), f"--tolerance={tolerance}"]) == 1
    assert "is not a positive number" in capsys.readouterr().err


@pytest.mark.parametrize("classes", [str(10**9), "1", "0"])
def test_a_new_class_count_no_network_takes_is_refused_before_anything_is_written(classes, tmp_path, capsys):
    model = tmp_path / "m.onnx"
    model.write_bytes(b"not read: the option is checked first")
    assert main(["import-onnx", str(model), "-o", str(tmp_path / "p.nbproj"), "--new-classes", classes]) == 2
    assert f"--new-classes {classes}: a classifier head takes 2 to 100,000 classes" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
