"""Any name makes valid code: node and project names that are Python keywords, nn.Module attributes,
non-ASCII, control characters, lone surrogates, terminal escapes.

Unlike the other surfaces these inputs are valid: `code` must succeed (exit 0)
with source that parses, defines the network under a valid class name and runs
a batch; `validate` must print every name as text; the training script must
parse; an ONNX export must write a model that passes the checker.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.hostile.builders import iris, node, save
from tests.hostile.harness import Case, Invocation

SURFACE = "names"

NODE_NAMES = {
    "keys": "keys", "items": "items", "values": "values", "update": "update", "training": "training",
    "forward": "forward", "init": "__init__", "self": "self", "super": "super", "None": "None", "True": "True",
    "class": "class", "digit-first": "1st", "superscript": "x²", "nul": "a\x00b", "surrogate": "half\ud800",
    "escape": "\x1b[2J\x1b[31mred", "bidi-override": "\u202eevil", "ligature": "ﬁ", "torch": "torch", "nn": "nn",
    "modules": "_modules", "dunder": "__dict__", "long": "n" * 5000, "blank": " ", "japanese": "名前",
    "math-bold": "𝐱", "newline": "a\nb", "quotes": "\"\"\"'", "backslash": "a\\", "private": "__x",
}
PROJECT_NAMES = {"None": "None", "True": "True", "empty": "", "surrogate": "\ud800", "class": "class",
                 "torch": "torch", "nn": "nn", "print": "print", "newline": "a\n\"\"\"b", "digits": "123"}


def _runs(code: int, out: str, err: str, folder: Path) -> None:
    """The printed module parses, defines its classes and runs a batch through forward and compute_loss."""
    import torch

    ast.parse(out)
    classes = re.search(r"Classes: ([^.]+)\.", out)
    assert classes, "the module does not say its classes"
    namespace: dict[str, Any] = {"__name__": "generated"}
    exec(compile(out, "generated.py", "exec"), namespace)  # noqa: S102 — netbuilder's own output, under test
    for name in classes.group(1).split(", "):
        assert name.isidentifier(), name
        net = namespace[name]()
        prediction = net(torch.randn(2, 4))
        loss, _ = net.compute_loss(torch.randn(2, 4), torch.tensor([0, 2]))
        assert prediction.shape == (2, 3) and torch.isfinite(loss)


def _printed(name: str) -> Callable[[int, str, str, Path], None]:
    def verify(code: int, out: str, err: str, folder: Path) -> None:
        text = out + err
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e\ud800-\udfff]", text), "a raw control character"
    return verify


def _train_script_parses(code: int, out: str, err: str, folder: Path) -> None:
    for file in ("m.py", "train.py"):
        ast.parse((folder / file).read_text(encoding="utf-8"))


def _onnx_checks(code: int, out: str, err: str, folder: Path) -> None:
    import onnx

    onnx.checker.check_model(onnx.load(str(folder / "m.onnx")))


def _with_names(renames: dict[str, str], project_name: str | None = None) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        data = iris()
        for old, new in renames.items():
            node(data, old)["name"] = new
        if project_name is not None:
            data["name"] = project_name
        return save(folder, data)
    return write


def _case(name: str, write: Callable[[Path], str], command: tuple[str, ...], mention: str = "",
          verify: Callable[[int, str, str, Path], None] | None = None) -> Case:
    def make(folder: Path) -> Invocation:
        project = write(folder)
        return Invocation([command[0], project, *command[1:]], mention, codes=(0,), verify=verify)
    return Case(SURFACE, name, make)


def cases() -> Iterator[Case]:
    for label, name in NODE_NAMES.items():
        yield _case(f"node-{label}", _with_names({"relu1": name}), ("code",), verify=_runs)
    yield _case("nodes-folding-together", _with_names({"relu1": "ﬁ", "relu2": "fi", "dropout": "𝐟𝐢"}), ("code",),
                verify=_runs)
    yield _case("nodes-keyword-pair", _with_names({"relu1": "class", "relu2": "class_"}), ("code",), verify=_runs)
    for label, name in PROJECT_NAMES.items():
        yield _case(f"project-{label}", _with_names({}, name), ("code",), verify=_runs)
    hostile = {"relu1": "\x1b[2J", "relu2": "half\ud800", "dropout": "\u202eevil", "hidden2": "a\x00b"}
    yield _case("validate-prints-any-name", _with_names(hostile, "\x1b]0;title\x07"), ("validate",),
                verify=_printed("validate"))
    yield _case("train-script", _with_names({**hostile, "hidden1": "keys"}, "None"),
                ("code", "--train-script", "-o", "m.py"), verify=_train_script_parses)
    yield _case("onnx-export", _with_names({"features": "x²", "prediction": "None", "relu1": "half\ud800"}, "²"),
                ("export", "--onnx", "m.onnx"), verify=_onnx_checks)
