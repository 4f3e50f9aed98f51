"""The training setting ``start_from``: a weights file whose matching layers are loaded before training.

The project file holds the path as written: relative to the project file's folder (so a project and its
weights move together), or absolute. These helpers resolve it and keep it pointing at the same file when the
project is saved somewhere else or opened as an unsaved copy (a template).
"""

from __future__ import annotations

import os
from pathlib import Path

SETTING = "start_from"
LABEL = "Start from"
SUFFIX = ".safetensors"


class StartFromError(ValueError):
    """The setting names no file that can be found (a relative path in a project with no file yet)."""


def check_value(value: str) -> str | None:
    """Why ``value`` cannot be a start_from setting, or None when it can ("" is off)."""
    if not value:
        return None
    if any(ord(c) < 32 for c in value):
        return "start_from holds a control character; it should be the path of a .safetensors weights file"
    if not value.lower().endswith(SUFFIX):
        return f"start_from should be the path of a {SUFFIX} weights file, not {value!r}"
    return None


def resolve(value: str, folder: Path | None) -> Path | None:
    """The file ``value`` names (None when it is off); a relative path is read against ``folder``, the
    project file's folder. StartFromError when it is relative and the project has no file yet."""
    if not value:
        return None
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    if folder is None:
        raise StartFromError(f"the training setting '{LABEL}' ({SETTING}) names {value!r}, a path relative to "
                             "the project file's folder, but the project has not been saved yet — save it beside "
                             "the weights file or choose the file again (an absolute path)")
    return folder / path


def rebased(value: str, old_folder: Path | None, new_folder: Path) -> str:
    """``value`` rewritten to name the same file from a project saved in ``new_folder``.

    A relative path stays relative (now to ``new_folder``) so the two still travel together; one that cannot
    be relative (another drive) becomes absolute. Absolute paths and a relative path of a project that had no
    folder (it cannot be known which file it meant) are kept as they are.
    """
    path = Path(value).expanduser() if value else None
    if path is None or path.is_absolute() or old_folder is None:
        return value
    target = (old_folder / path).resolve()
    if old_folder.resolve() == new_folder.resolve():
        return value
    try:
        return Path(os.path.relpath(target, new_folder.resolve())).as_posix()
    except ValueError:  # Windows: another drive
        return str(target)


def pinned(value: str, folder: Path) -> str:
    """``value`` as an absolute path read against ``folder``: for a copy that will not live in ``folder``
    (a template opened as a new project)."""
    path = Path(value).expanduser() if value else None
    if path is None or path.is_absolute():
        return value
    return str((folder / path).resolve())
