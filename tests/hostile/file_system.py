"""Outputs the file system will not take: existing files, folders, a parent that is a file, names that cannot
be files, a full disk, no home directory, a FIFO or the project itself as the target."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.hostile.builders import device, fifo, iris, save, with_dataset
from tests.hostile.harness import Case, Invocation

SURFACE = "files"


def _case(name: str, argv: Callable[[Path, str], list[str]], mention: str | Callable[[Path], str],
          setup: Callable[[Path], object] | None = None, subprocess_only: bool = False,
          env: dict[str, str | None] | None = None, file_size_limit: int | None = None,
          verify: Callable[[int, str, str, Path], None] | None = None) -> Case:
    """``argv(folder, project)`` after ``setup(folder)``; the iris project is written first as p.nbproj."""
    def make(folder: Path) -> Invocation:
        project = save(folder, iris())
        if setup is not None:
            setup(folder)
        return Invocation(argv(folder, project), mention(folder) if callable(mention) else mention, env=env or {},
                          file_size_limit=file_size_limit, verify=verify)
    return Case(SURFACE, name, make, subprocess_only)


def _existing(name: str, content: bytes = b"# the user's own file\n") -> Callable[[Path], object]:
    def setup(folder: Path) -> None:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return setup


def _still_special(name: str) -> Callable[[int, str, str, Path], None]:
    """The FIFO or device ``name`` is still there, not replaced by a file."""
    def verify(code: int, out: str, err: str, folder: Path) -> None:
        assert not stat.S_ISREG(os.lstat(folder / name).st_mode), f"{name} was replaced by a file"
    return verify


def _imported_model(folder: Path) -> None:
    from tests.hostile.onnx_models import model
    import onnx

    onnx.save(model(), str(folder / "m.onnx"))


def cases() -> Iterator[Case]:
    yield _case("code-over-an-existing-file", lambda f, p: ["code", p, "-o", "m.py"], "m.py", _existing("m.py"))
    yield _case("code-over-the-project", lambda f, p: ["code", p, "-o", p, "--force"], "the project file")
    yield _case("code-over-its-data", lambda f, p: ["code", with_dataset(f, "csv", "d.csv"), "-o", "d.csv",
                                                     "--force"], "data set", _existing("d.csv", b"a,b\n1,2\n"))
    yield _case("code-empty-name", lambda f, p: ["code", p, "-o", ""], "-o")
    yield _case("code-into-a-folder-name", lambda f, p: ["code", p, "-o", "out/"], "out/")
    yield _case("code-onto-a-folder", lambda f, p: ["code", p, "-o", "sub", "--force"], "sub",
                lambda f: (f / "sub").mkdir())
    yield _case("code-parent-is-a-file", lambda f, p: ["code", p, "-o", "afile/m.py"], "afile/m.py",
                _existing("afile"))
    yield _case("code-no-such-folder", lambda f, p: ["code", p, "-o", "nowhere/m.py"], "nowhere/m.py")
    yield _case("code-name-too-long", lambda f, p: ["code", p, "-o", "x" * 300 + ".py"], "too long")
    yield _case("code-onto-a-fifo", lambda f, p: ["code", p, "-o", "pipe.py", "--force"], "pipe.py",
                lambda f: fifo(f, "pipe.py"), verify=_still_special("pipe.py"))
    yield _case("code-onto-a-device", lambda f, p: ["code", p, "-o", "null", "--force"], "null",
                lambda f: device(f, "null"), verify=_still_special("null"))
    yield _case("code-nul-in-the-name", lambda f, p: ["code", p, "-o", "a\x00b.py"], "-o")
    yield _case("export-onto-a-folder", lambda f, p: ["export", p, "--onnx", "sub", "--force"], "sub",
                lambda f: (f / "sub").mkdir())
    yield _case("export-over-an-existing-model", lambda f, p: ["export", p, "--onnx", "m.onnx"], "m.onnx",
                _existing("m.onnx", b"old model"))
    yield _case("import-over-an-existing-project", lambda f, p: ["import-onnx", "m.onnx", "-o", p], "p.nbproj",
                _imported_model)
    yield _case("import-over-existing-weights", lambda f, p: ["import-onnx", "m.onnx", "-o", "new.nbproj"],
                "new.safetensors", lambda f: (_imported_model(f), _existing("new.safetensors")(f)))
    yield _case("train-out-is-a-file", lambda f, p: ["train", p, "--epochs", "1", "--out", "runs"], "runs",
                _existing("runs"))
    # A full disk, as writes see it: files may grow to 256 bytes only (RLIMIT_FSIZE; writes past it fail with EFBIG).
    yield _case("code-on-a-full-disk", lambda f, p: ["code", p, "-o", "m.py", "--force"], "m.py", _existing("m.py"),
                subprocess_only=True, file_size_limit=256)
    yield _case("import-on-a-full-disk", lambda f, p: ["import-onnx", "m.onnx", "-o", "new.nbproj"], "new",
                _imported_model, subprocess_only=True, file_size_limit=256)
    yield _case("no-home-directory", lambda f, p: ["train", with_dataset(f, "csv", "~/d.csv"), "--epochs", "1"],
                "d.csv", env={"HOME": None})
