"""Small, valid inputs the hostile cases start from: an iris MLP project, files that are not files."""

from __future__ import annotations

import copy
import json
import os
import stat
from functools import cache
from pathlib import Path
from typing import Any

from tests.hostile.harness import EXAMPLES


@cache
def _iris() -> dict[str, Any]:
    return json.loads((EXAMPLES / "mlp_iris.nbproj").read_text(encoding="utf-8"))


def iris() -> dict[str, Any]:
    """The iris MLP example as plain data (4 features in, 3 classes out), a fresh copy each time."""
    return copy.deepcopy(_iris())


def node(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(n for n in data["graphs"]["model"]["nodes"] if n["name"] == name)


def save(folder: Path, data: dict[str, Any] | str | bytes, name: str = "p.nbproj") -> str:
    """Write a project (data, text or bytes) into ``folder``; returns its file name (commands run in ``folder``)."""
    path = folder / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return name


def with_dataset(folder: Path, name: str, path: str = "", options: dict[str, Any] | None = None,
                 project: dict[str, Any] | None = None, file: str = "p.nbproj") -> str:
    """The iris project reading the data set ``name`` from ``path`` (relative to ``folder``)."""
    data = project if project is not None else iris()
    data["dataset"].update({"name": name, "path": path, "options": options or {}})
    return save(folder, data, file)


def fifo(folder: Path, name: str) -> str:
    """A named pipe nobody writes to: opening it for reading would wait forever."""
    os.mkfifo(folder / name)
    return name


def device(folder: Path, name: str) -> str:
    """A private copy of /dev/null inside ``folder`` (a FIFO where making device nodes is not allowed).

    Never point a case at the system's own devices as an output: a writer that replaced the node
    with a file, run as root, would replace /dev/null for the whole machine.
    """
    try:
        os.mknod(folder / name, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError):
        os.mkfifo(folder / name)
    return name


def nested(depth: int, leaf: str = "0") -> str:
    """JSON nested ``depth`` lists deep."""
    return "[" * depth + leaf + "]" * depth


def sparse_file(folder: Path, name: str, size: int) -> str:
    """A file that claims ``size`` bytes without taking the disk space (all zeros when read)."""
    with open(folder / name, "wb") as f:
        f.truncate(size)
    return name
