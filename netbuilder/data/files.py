"""User data read from files: paths checked, and ``.npz`` arrays (CSV tables: `netbuilder.data.csv_table`;
IDX files: `netbuilder.data.idx`).

Nothing is unpickled: ``np.load(..., allow_pickle=False)``. Every error names
the file.
"""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from netbuilder.data.dataset import DataError, RawData, check_memory
from netbuilder.graph.catalog import InputKind, get_spec
from netbuilder.graph.reading import not_a_file

# The most classes a Target node takes (its catalog range): a larger class id cannot be trained on.
MAX_CLASSES = int(next(p.maximum for p in get_spec("Target").params if p.name == "classes") or 100_000)
# Loading holds the values as read, a float32 copy, its train/validation copies and their tensors at once.
COPIES = 3


def resolve(path: str | Path, project_dir: Path | None, what: str) -> Path:
    """The file or folder ``path`` (relative to the project's folder), which must exist.

    A named pipe, a device or a socket is refused here, before anything opens it: reading a FIFO
    waits forever and ``/dev/zero`` never ends.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(f"the {what} should be given as a path (text), not {_shown(path)}")
    if not str(path).strip():
        raise DataError(f"no {what} chosen — pick one in the data settings")
    try:
        p = Path(path).expanduser()
    except RuntimeError:  # "~" with no home directory known
        raise DataError(f"{path}: cannot tell which folder '~' means here (no home directory is known) — write "
                        f"the full path of the {what}") from None
    if not p.is_absolute() and project_dir is not None:
        p = Path(project_dir) / p
    try:
        exists = p.exists()
    except (OSError, ValueError):  # a NUL in the name, a path too long
        exists = False
    if not exists:
        raise DataError(f"{p}: {what} not found — check the path")
    problem = None if p.is_dir() else not_a_file(p)  # folders: the caller says whether it wants one
    if problem is not None:
        raise DataError(f"{p}: {problem} — give the path of the {what}")
    return p


def path_option(options: dict[str, Any], key: str, source: str) -> str | None:
    """The option ``key`` naming a file (text, or absent/empty: None); `DataError` for a list, a number…"""
    value = options.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DataError(f"{source}: option {key!r} should be the path of a file (text), not {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ----------------------------------------------------------------------------------------------- NPZ

def npz_task(options: dict[str, Any], file: str) -> str:
    """The archive's ``task`` option (auto when absent); a DataError for any other value."""
    task = options.get("task", "auto")
    if task not in ("auto", "classification", "regression"):
        raise DataError(f"{file}: option 'task' must be auto, classification or regression; it is {_shown(task)}")
    return str(task)

def read_npz(path: Path, options: dict[str, Any], tokens: bool = False) -> RawData:
    """Arrays ``x`` (N, ...) and optionally ``y`` (N,) class ids or (N, ...) values, and ``class_names``.

    Whole-number ``x`` is read as token ids when ``tokens`` (the Input is of kind tokens). The
    archive's headers are checked against its real sizes and the memory budget before any array
    is read (`npz_members`).
    """
    _check_npz_signature(path)
    members = npz_members(path)
    task = npz_task(options, path.name)
    arrays = load_npz_arrays(path, members)
    if "x" not in arrays:
        raise DataError(f"{path.name}: has no array named 'x' (it holds {', '.join(arrays) or 'nothing'}) — "
                        f"save the inputs as x=...")
    x = arrays["x"]
    if x.ndim < 1 or len(x) == 0:
        raise DataError(f"{path.name}: 'x' is empty")
    tokens = bool(tokens and np.issubdtype(x.dtype, np.integer))
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == bool) or np.iscomplexobj(x):
        raise DataError(f"{path.name}: 'x' holds {x.dtype} values, not real numbers")
    check_finite(x, "'x'", path.name)
    if x.ndim == 1:
        x = x[:, None]
    by_rank: dict[int, InputKind] = {2: "tabular", 3: "sequence", 4: "image"}
    kind: InputKind = "tokens" if tokens else by_rank.get(x.ndim, "tabular")
    # 8-bit images: a "unit"/"tanh" range then maps the full 0..255 scale.
    pixel_max = 255.0 if kind == "image" and x.dtype == np.uint8 else None
    x = x.astype(np.int64) if tokens else x.astype(np.float32)
    y = arrays.get("y")
    if y is None:
        return RawData(path.name, x, None, kind, "reconstruction-only", pixel_max=pixel_max)
    check_targets(y, len(x), path.name)
    if task == "auto":
        task = "classification" if np.issubdtype(y.dtype, np.integer) or y.dtype == bool else "regression"
    if task == "regression":
        y = y.astype(np.float32)
        check_finite(y, "'y'", path.name)
        return RawData(path.name, x, y[:, None] if y.ndim == 1 else y, kind, "regression", pixel_max=pixel_max)
    if y.ndim != 1 or (np.issubdtype(y.dtype, np.floating) and not np.all(np.mod(y, 1) == 0)):
        raise DataError(f"{path.name}: class ids in 'y' must be one whole number per sample — or set the task to "
                        f"regression")
    y = class_ids(y, f"{path.name}: 'y'")
    names = class_names_of(arrays.get("class_names"), path.name)
    count = max(int(y.max()) + 1, len(names or []))
    return RawData(path.name, x, y, kind, "classification", count, names or [str(i) for i in range(count)],
                   pixel_max=pixel_max)


def load_npz_arrays(path: Path, keys: Iterable[str]) -> dict[str, np.ndarray]:
    """The members ``keys`` of an .npz, read whole (their headers checked first by the caller), never unpickled."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in keys}
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise DataError(f"{path.name}: holds Python objects, which are never unpickled — save plain number "
                            f"arrays (np.savez) instead") from None
        raise DataError(f"{path.name}: not a readable .npz file ({e})") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise DataError(f"{path.name}: not a readable .npz file ({e})") from None


def npz_members(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype[Any]]]:
    """The arrays of an .npz as their headers announce them, checked before any of them is read.

    Each header's size must fit in what the archive holds for that member (a header claiming 10^12
    values in a 1 kB file is damage), and all of them together in the memory this process can still
    have (a zip bomb inflating to gigabytes is refused before it inflates). Python objects are refused.
    """
    found: dict[str, tuple[tuple[int, ...], np.dtype[Any]]] = {}
    need = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                key = info.filename[:-4]
                with archive.open(info) as member:
                    shape, dtype, header = _npy_header(member, path.name, key)
                count = math.prod(shape)
                size = count * dtype.itemsize
                if header + size > info.file_size:
                    raise DataError(f"{path.name}: the header of '{key}' announces {_dims(shape)} values "
                                    f"({size:,} bytes) but the archive holds {max(0, info.file_size - header):,} "
                                    "bytes for it — the file is damaged or cut short")
                found[key] = (shape, dtype)
                need += size + COPIES * 4 * count
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as e:
        raise DataError(f"{path.name}: not a readable .npz file ({e})") from None
    check_memory(need, f"loading {path.name} ({', '.join(f'{k}: {_dims(s)}' for k, (s, _) in found.items())})")
    return found


def _npy_header(member: Any, file: str, key: str) -> tuple[tuple[int, ...], np.dtype[Any], int]:
    """(shape, dtype, header length) of one .npy member, read from its first bytes only."""
    from numpy.lib import format as npy

    try:
        version = npy.read_magic(member)
        read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, _, dtype = read(member)
    except (ValueError, EOFError) as e:
        raise DataError(f"{file}: '{key}' is not a readable NumPy array ({e})") from None
    if dtype.hasobject:
        raise DataError(f"{file}: holds Python objects, which are never unpickled — save plain number arrays "
                        "(np.savez) instead")
    return tuple(int(d) for d in shape), dtype, int(member.tell())


def _dims(shape: tuple[int, ...]) -> str:
    return "×".join(f"{d:,}" for d in shape) or "a single value"


def check_targets(y: np.ndarray, samples: int, file: str) -> None:
    """``y`` holds one real number (or row of them) per sample: not a single value, not text."""
    if y.ndim == 0:
        raise DataError(f"{file}: 'y' holds a single value; it should hold one class id or value per sample "
                        f"({samples:,} of them)")
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool) or np.iscomplexobj(y):
        raise DataError(f"{file}: 'y' holds {y.dtype} values; it should hold whole-number class ids (0, 1, 2, …) "
                        "or real numbers to predict")
    if len(y) != samples:
        raise DataError(f"{file}: 'x' has {samples} samples but 'y' has {len(y)} — they must match")


def class_names_of(names: np.ndarray | None, file: str) -> list[str] | None:
    """The ``class_names`` array as text: one name per class, a flat list of at most MAX_CLASSES."""
    if names is None:
        return None
    if names.ndim != 1:
        raise DataError(f"{file}: 'class_names' should be a flat list of names (one per class); it has the shape "
                        f"{_dims(names.shape)}")
    if len(names) > MAX_CLASSES:
        raise DataError(f"{file}: 'class_names' lists {len(names):,} names; a network takes at most "
                        f"{MAX_CLASSES:,} classes")
    return [str(n) for n in names.tolist()]


def _check_npz_signature(path: Path) -> None:
    """An .npz is a zip archive: say what the file is when it is not one (text, a single .npy, empty)."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e})") from None
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return
    if not head:
        raise DataError(f"{path.name}: the file is empty — save the arrays with np.savez(path, x=..., y=...)")
    if head.startswith(b"\x93NUMPY"):
        raise DataError(f"{path.name}: this is a single .npy array, not an .npz archive — save the inputs and "
                        f"labels with np.savez(path, x=..., y=...), or rename it and choose it as .npy")
    kind = "a text file (CSV? choose the CSV source)" if _looks_like_text(head) else "not an .npz archive"
    raise DataError(f"{path.name}: {kind} — an .npz file is a zip archive written by np.savez(path, x=..., y=...)")


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)


def check_finite(values: np.ndarray, what: str, file: str) -> None:
    """DataError naming the first sample with NaN or infinity: training on it would give a NaN loss that
    looks like a learning-rate problem."""
    if not np.issubdtype(values.dtype, np.floating) or len(values) == 0:
        return
    good = np.isfinite(values.reshape(len(values), -1)).all(axis=1)
    if not good.all():
        bad = np.flatnonzero(~good)
        more = f", and {len(bad) - 1} more samples do" if len(bad) > 1 else ""
        raise DataError(f"{file}: {what} of sample {int(bad[0])} (counting from 0) holds NaN or infinity{more} — "
                        "fix or drop those samples before training")


def class_ids(y: np.ndarray, what: str) -> np.ndarray:
    """Labels as int64 class ids; a negative id or one past any class count is refused before conversion.

    (A uint64 2**64-1 would otherwise wrap to -1, and a huge id would make a huge one-hot.)
    """
    if y.size == 0:
        return y.astype(np.int64)
    low, high = y.min(), y.max()
    if low < 0:
        raise DataError(f"{what} holds the negative class id {int(low)}; class ids count from 0")
    if high >= MAX_CLASSES:
        raise DataError(f"{what} holds the class id {int(high)}; class ids count from 0 up to the number of classes "
                        f"minus 1, and a network takes at most {MAX_CLASSES:,} classes")
    return y.astype(np.int64)
