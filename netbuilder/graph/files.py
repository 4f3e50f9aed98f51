"""Writing the user's files safely: whole or not at all, never over a file nobody said to replace.

Every file netbuilder writes (project, weights, ONNX, generated code, data,
history) goes through here:

- `write_atomically` fills a *unique* temporary file in the target's folder
  (several processes may write the same target at once), fsyncs it and renames
  it over the target, so a full disk or a crash leaves the old file whole;
- `replace_together` does that for several files that belong together (a
  project and its weights): all are written first, then swapped in, and if a
  swap fails the ones already swapped are put back;
- `refuse_overwrite` is the guard before a write: never the project, its data
  or its weights, and an existing file only when the caller says so;
- `check_writable_folder` finds an unwritable output folder before work starts.

Standard library only (the graph layer imports neither torch nor numpy).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Callable, Iterable, Sequence

if TYPE_CHECKING:
    from netbuilder.graph.project import Project

PathLike = str | os.PathLike[str]
Fill = Callable[[Path], object]  # writes the whole content to the path it is given


class FileSafetyError(OSError):
    """A write refused or impossible before anything was written; ``str()`` is the whole message."""

    def __init__(self, message: str, path: PathLike, errno_: int = 0) -> None:
        super().__init__(errno_, message, str(path))
        self.message = message

    def __str__(self) -> str:
        return self.message


class OverwriteRefused(FileSafetyError):
    """The target exists (or is one of the project's own files) and may not be replaced."""


class FolderNotWritable(FileSafetyError):
    """An output folder that cannot be created or written to."""


@dataclass(frozen=True)
class Protected:
    """A file that is never written over: ``what`` says whose it is ("the project file")."""

    path: Path
    what: str


# ---- writing ---------------------------------------------------------------------------------------
_umask_lock = threading.Lock()
_umask: int | None = None


def _new_file_mode() -> int:
    """The mode a plain ``open(path, "w")`` would give a new file (mkstemp makes it 0600)."""
    global _umask
    with _umask_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
        return 0o666 & ~_umask


def _temporary_beside(target: Path) -> Path:
    """A new, empty, uniquely named file in the target's folder: ``.NAME.<random>.tmp``.

    Hidden and ending in ``.tmp``, so a leftover one (after a crash) never passes for a
    project or a model. Writers that add a suffix to a bare name (``np.savez``) get a
    file object instead.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _about(exc, target) from None
    os.close(fd)
    return Path(tmp)


def _about(exc: OSError, target: Path, tmp: Path | None = None) -> OSError:
    """``exc`` naming the file the caller asked for rather than a temporary it never heard of."""
    if tmp is None or exc.filename is None or str(tmp) in (str(exc.filename), str(exc.filename2)):
        exc.filename, exc.filename2 = str(target), None
    return exc


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (best effort: not every system can open a folder)."""
    try:
        _fsync(folder)
    except OSError:
        pass


def _write_temporary(target: Path, fill: Fill) -> Path:
    """``fill`` a fresh temporary beside ``target`` and fsync it; the temporary is removed on failure."""
    if target.exists() and not target.is_file() and not target.is_dir():  # a folder fails the rename itself
        # The rename would put a file in place of a device or a named pipe (as root: /dev/null itself).
        raise FileSafetyError(f"{target}: is not a regular file (a device, a named pipe or a socket) — netbuilder "
                              "writes only regular files; give another file name", target)
    tmp = _temporary_beside(target)
    try:
        fill(tmp)
        try:
            os.chmod(tmp, (os.stat(target).st_mode & 0o7777) if target.exists() else _new_file_mode())
        except OSError:
            pass  # keep mkstemp's private mode rather than fail the write
        _fsync(tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _about(exc, target, tmp) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomically(path: PathLike, fill: Fill) -> Path:
    """Write ``path`` through ``fill(temporary_path)``; the target changes only when all of it is written.

    The temporary name is unique, so concurrent writers of one target never
    delete each other's work: the last one to finish wins, whole.
    """
    target = Path(path)
    tmp = _write_temporary(target, fill)
    try:
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _about(exc, target, tmp) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return target


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see `write_atomically`)."""
    return write_atomically(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see `write_atomically`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def json_safe(value: Any) -> Any:
    """``value`` with NaN and ±inf replaced by None (JSON has no such numbers), at any depth."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def atomic_write_json(path: PathLike, data: Any, indent: int | None = 1) -> Path:
    """Write ``data`` as strict JSON (NaN/inf as null; other values via ``str``) atomically."""
    text = json.dumps(json_safe(data), indent=indent, ensure_ascii=False, allow_nan=False, default=str)
    return atomic_write_text(path, text + "\n")


def replace_together(writes: Sequence[tuple[PathLike, Fill]]) -> list[Path]:
    """Write several files as a unit: every one to a temporary first, then all renamed into place.

    If a write fails, no target has changed. If a rename fails, the targets
    already renamed get their old content back (or are removed if they are new).
    """
    targets = [Path(p) for p, _ in writes]
    temps: list[Path] = []
    try:
        for target, (_, fill) in zip(targets, writes):
            temps.append(_write_temporary(target, fill))
        _swap_in(targets, temps)
    finally:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    for folder in {t.parent for t in targets}:
        _fsync_folder(folder)
    return targets


def _swap_in(targets: list[Path], temps: list[Path]) -> None:
    backups: list[tuple[Path, Path | None]] = []  # (target, its old content or None when it was new)
    try:
        for target, tmp in zip(targets, temps):
            backups.append((target, _backup(target)))
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise _about(exc, target, tmp) from None
    except BaseException:
        # Undo in reverse; for the target whose rename failed, putting its backup back changes nothing.
        for target, backup in reversed(backups):
            try:
                if backup is not None:
                    os.replace(backup, target)
                else:
                    target.unlink(missing_ok=True)
            except OSError:
                pass
        raise
    finally:
        for _, backup in backups:
            if backup is not None:
                backup.unlink(missing_ok=True)


def _backup(target: Path) -> Path | None:
    """A second name for the target's current content (a hard link, else a copy), or None if it is new."""
    if not target.exists():
        return None
    backup = _temporary_beside(target)
    backup.unlink()
    try:
        os.link(target, backup)
    except OSError:
        shutil.copy2(target, backup)
    return backup


# ---- guards ----------------------------------------------------------------------------------------
def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether two paths name one file (links and ``..`` resolved; a missing file by its full path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def refuse_overwrite(path: PathLike, force: bool = False, protected: Iterable[Protected] = (),
                     allow: str = "add --force to replace it") -> None:
    """Raise `OverwriteRefused` unless writing ``path`` is allowed.

    Never allowed, even with ``force``: one of the ``protected`` files (the
    project, its data set, its weights), or a folder. An existing file only
    with ``force``; ``allow`` says how the user gives that permission.
    """
    target = Path(path)
    for p in protected:
        if same_file(target, p.path):
            raise OverwriteRefused(f"{target}: this is {p.what}; netbuilder never writes over it, not even with "
                                   "--force — choose another file name", target)
    if target.is_dir():
        raise OverwriteRefused(f"{target}: is a folder — give the name of a file to write", target)
    # A device or a named pipe, even with force: the atomic rename would put a file in its place
    # (run as root, ``-o /dev/null --force`` would replace the system's /dev/null).
    if target.exists() and not target.is_file():
        raise OverwriteRefused(f"{target}: is not a regular file (a device, a named pipe or a socket); netbuilder "
                               "writes only regular files, not even with --force — give another file name", target)
    if not force and (target.exists() or target.is_symlink()):
        raise OverwriteRefused(f"{target}: the file already exists and was left as it is — {allow}, or choose "
                               "another name", target)


def protected_files(project: Project, weights: Iterable[PathLike] = ()) -> list[Protected]:
    """The project's own files that no output may replace: the project, its data files, its weights."""
    out: list[Protected] = []
    folder = Path(project.path).parent if project.path is not None else Path.cwd()
    if project.path is not None:
        p = Path(project.path)
        out.append(Protected(p, "the project file"))
        out.append(Protected(p.with_suffix(".safetensors"), "the project's weights"))
        for name in ("best", "last"):
            out.append(Protected(p.parent / "runs" / p.stem / f"{name}.safetensors", "a checkpoint of the project"))
    data = [project.dataset.path] + [project.dataset.options.get(k) for k in ("images", "labels")]
    for value in data:
        if isinstance(value, str) and value.strip():
            try:
                path = Path(value).expanduser()
            except RuntimeError:  # "~" with no home directory: it cannot name an existing file either
                continue
            out.append(Protected(path if path.is_absolute() else folder / path, "the project's data set"))
    out += [Protected(Path(w), "the weights being used") for w in weights]
    return out


def check_writable_folder(path: PathLike) -> Path:
    """Create ``path`` if needed and prove it takes a new file; `FolderNotWritable` says why not.

    Run it before long work whose results go there (training checkpoints), so a
    run does not end with nothing saved.
    """
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".netbuilder-write-test.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileExistsError) or (folder.exists() and not folder.is_dir()):
            reason = "a file with that name is in the way"
        raise FolderNotWritable(f"{folder}: cannot write into this folder ({reason}) — choose another output "
                                "folder", folder, exc.errno or 0) from None
    return folder
