"""Hostile project files and command-line settings: damaged JSON, values out of range, files that are not
files, networks too large to build, training forever."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.hostile.builders import fifo, iris, nested, node, save, sparse_file
from tests.hostile.harness import Case, Invocation

SURFACE = "project"


def _file(name: str, content: bytes | str, command: str = "validate") -> Case:
    def make(folder: Path) -> Invocation:
        return Invocation([command, save(folder, content)], "p.nbproj")
    return Case(SURFACE, name, make)


def _edited(name: str, edit: Callable[[dict[str, Any]], object], mention: str, command: str = "validate",
            extra: tuple[str, ...] = ()) -> Case:
    """The iris project with one edit, given to ``command``; the message must name ``mention``."""
    def make(folder: Path) -> Invocation:
        data = iris()
        edit(data)
        return Invocation([command, save(folder, data), *extra], mention)
    return Case(SURFACE, name, make)


def _deep(name: str, path: str, depth: int, mention: str) -> Case:
    """An object with lists ``depth`` levels deep at ``path`` (spliced into the text: json.dumps would refuse)."""
    def make(folder: Path) -> Invocation:
        data = iris()
        _set(path, {"x": "@@deep@@"})(data)
        text = json.dumps(data).replace('"@@deep@@"', nested(depth))
        return Invocation(["validate", save(folder, text)], mention)
    return Case(SURFACE, name, make)


def _iris_command(name: str, argv: list[str], mention: str) -> Case:
    """The valid iris project with hostile command-line options."""
    def make(folder: Path) -> Invocation:
        return Invocation([argv[0], save(folder, iris()), *argv[1:]], mention)
    return Case(SURFACE, name, make)


def _path(name: str, path: str, command: str = "validate", subprocess_only: bool = False) -> Case:
    """Something that is not a project file given as one (a device, a FIFO made by ``make``)."""
    def make(folder: Path) -> Invocation:
        return Invocation([command, path], path)
    return Case(SURFACE, name, make, subprocess_only)


def _fifo(command: str, extra: tuple[str, ...] = ()) -> Case:
    def make(folder: Path) -> Invocation:
        return Invocation([command, fifo(folder, "p.nbproj"), *extra], "p.nbproj")
    return Case(SURFACE, f"fifo-{command}", make)


def _huge_linear(data: dict[str, Any]) -> None:
    node(data, "hidden1")["params"]["out_features"] = 1_000_000
    node(data, "hidden2")["params"]["out_features"] = 1_000_000


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """An edit that sets ``path`` (dots between keys) to ``value``."""
    def edit(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return edit


def _node_option(name: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        node(data, name).update({"init": "normal", key: value} if key == "init_std" else {key: value})
    return edit


def cases() -> Iterator[Case]:
    # Damaged files.
    yield _file("empty", b"")
    yield _file("garbage", b"\x00\xff" * 500)
    yield _file("utf16", "{}".encode("utf-16"))
    yield _file("truncated", '{"format_version": 1, "graphs": {"model": {"nodes": [')
    yield _file("nested-100000", nested(100_000))
    yield _file("nested-objects", '{"a":' * 50_000 + "1" + "}" * 50_000)
    yield _file("huge-int", '{"format_version": ' + "9" * 5000 + "}")
    yield _file("not-a-project", '{"hello": "world"}')
    yield _file("graphs-a-list", '{"format_version": 1, "graphs": []}')
    yield _file("nested-training-script", nested(100_000), command="code")
    # Values out of range or of the wrong type: the message names the field.
    yield _edited("seed-too-large", _set("training.seed", 2 ** 40), "training.seed")
    yield _edited("seed-negative", _set("dataset.seed", -1), "dataset.seed")
    yield _edited("epochs-10^30", _set("training.epochs", 10 ** 30), "training.epochs")
    yield _edited("batch-size-float", _set("training.batch_size", 1.5), "training.batch_size")
    yield _edited("learning-rate-text", _set("training.learning_rate", "fast"), "training.learning_rate")
    yield _edited("dataset-path-a-list", _set("dataset.path", ["a", "b"]), "dataset.path")
    yield _edited("dataset-options-a-list", _set("dataset.options", [1, 2]), "dataset.options")
    yield _deep("dataset-options-nested", "dataset.options", 200, "dataset.options")
    yield _deep("dataset-options-nested-50000", "dataset.options", 50_000, "p.nbproj")  # too deep to parse at all
    yield _edited("init-std-negative", _node_option("hidden1", "init_std", -1.0), "init_std", command="code")
    yield _edited("init-std-text", _node_option("hidden1", "init_std", "wide"), "init_std")
    yield _edited("init-unknown", _node_option("hidden1", "init", "magic"), "init")
    yield _edited("param-text", lambda d: node(d, "hidden1")["params"].update(out_features="many"), "hidden1",
                  command="code")
    yield _edited("param-nested", lambda d: node(d, "hidden1")["params"].update(out_features=[[1]]), "out_features")
    yield _edited("unknown-layer", lambda d: node(d, "relu1").update(type="Teleport"), "Teleport")
    yield _edited("wire-to-nowhere", lambda d: d["graphs"]["model"]["edges"][0].update({"to": ["ghost", "in"]}),
                  "ghost")
    yield _edited("position-far-away", lambda d: node(d, "relu1").update(position=[1e300, 0]), "position")
    yield _deep("view-nested", "view", 200, "view")
    # Networks too large to build: refused with the figure before anything is allocated.
    yield _edited("linear-10^6x10^6-code", _huge_linear, "parameters", command="code")
    yield _edited("linear-10^6x10^6-export", _huge_linear, "parameters", command="export",
                  extra=("--onnx", "m.onnx"))
    yield _edited("linear-10^6x10^6-train", _huge_linear, "parameters", command="train", extra=("--epochs", "1"))
    yield _edited("linear-10^6x10^6-train-script", _huge_linear, "parameters", command="code",
                  extra=("--train-script", "-o", "m.py"))
    yield _edited("graph-error-train", lambda d: d["graphs"]["model"]["edges"].pop(), "prediction",
                  command="train", extra=("--epochs", "1"))
    # Command-line settings.
    yield _iris_command("epochs-10^30-option", ["train", "--epochs", str(10 ** 30)], "--epochs")
    yield _iris_command("epochs-0-option", ["train", "--epochs", "0"], "--epochs")
    yield _iris_command("epochs-text-option", ["train", "--epochs", "many"], "--epochs")
    yield _iris_command("opset-0", ["export", "--onnx", "m.onnx", "--opset", "0"], "opset 0")
    yield _iris_command("tolerance-nan", ["export", "--onnx", "m.onnx", "--tolerance", "nan"], "tolerance nan")
    yield _iris_command("unknown-graph", ["code", "--graph", "nothing"], "nothing")
    yield _iris_command("until-unknown-node", ["export", "--onnx", "m.onnx", "--encoder-only", "--until", "ghost"],
                        "ghost")
    # Things that are not project files.
    yield _path("dev-zero", "/dev/zero")
    yield _path("dev-urandom", "/dev/urandom")
    yield _path("dev-zero-code", "/dev/zero", command="code")
    yield _path("missing", "no-such.nbproj")
    yield _path("folder", ".")
    yield _fifo("validate")
    yield _fifo("export", ("--onnx", "m.onnx"))
    yield _fifo("code", ("--train-script",))
    yield Case(SURFACE, "sparse-10GiB", lambda f: Invocation(["validate", sparse_file(f, "p.nbproj", 10 * 1024 ** 3)],
                                                                 "p.nbproj"))
