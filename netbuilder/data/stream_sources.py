"""Open a user's image folder, ``.npz`` or IDX file for streaming: read headers and labels, not the samples.

Each opener gives a `StreamSource`: what `files.read_npz`, `idx.read_idx`
and `images.read_image_folder` give in a `RawData`, with the inputs left on
disk as a `SampleSource`. The checks and their words are those of the
in-memory readers; labels (one number a sample) are read whole.
`estimate_need` sizes the in-memory alternative from the same headers.
"""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import Any

import numpy as np

from netbuilder.data.dataset import DataError, check_memory
from netbuilder.data.files import (_check_npz_signature, _dims, check_finite, check_targets, class_ids,
                                   class_names_of, load_npz_arrays, npz_task, path_option, resolve)
from netbuilder.data.idx import _IDX_TYPES, idx_classes, read_idx_labels
from netbuilder.data.images import MODES, _images_in, _target_size
from netbuilder.data.memory import csv_need, in_memory_need
from netbuilder.data.progress import Report
from netbuilder.data.samples import ArraySource, ImageSource, SampleSource
from netbuilder.data.scratch import Scratch, check_expansion, check_scratch_space, unpack
from netbuilder.graph.catalog import InputKind, TensorShape
from netbuilder.graph.settings import DatasetSettings

# Called with a source's sample kind and per-sample dims as soon as its headers are read, before anything is
# unpacked: the Input check, so that a wrong Input fails at once instead of after a long conversion.
Precheck = Callable[[InputKind, tuple[int, ...]], object]


@dataclass
class StreamSource:
    """A data set whose inputs stay on disk: `RawData` with ``samples`` in place of the array ``x``."""

    name: str
    samples: SampleSource
    y: np.ndarray | None  # labels or target values, read whole (one small row a sample)
    kind: InputKind
    task: str
    num_classes: int = 0
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    pixel_max: float | None = None
    # Binary copies made for streaming (a CSV converted, a compressed member unpacked): removed with this.
    scratch: Scratch | None = None


# ------------------------------------------------------------------------------------------------ sizes

def estimate_need(settings: DatasetSettings, input_shape: TensorShape | None, project_dir: Path | None) -> int | None:
    """Bytes that loading this user data set whole would take at its peak; None for a built-in set."""
    name, options = settings.name, settings.options
    if name == "images":
        root = resolve(settings.path, project_dir, "image folder")
        files, _, _ = list_image_folder(root)
        channels, height, width = _target_size(files[0], input_shape, root)
        return in_memory_need(len(files), channels * height * width)
    if name == "npz":
        path = resolve(settings.path, project_dir, ".npz file")
        _check_npz_signature(path)
        shape = _npy_header(path, "x")[1]
        return in_memory_need(shape[0] if shape else 0, prod(shape[1:]))
    if name == "idx":
        path = resolve(path_option(options, "images", "idx") or settings.path, project_dir, "IDX images file")
        dims = _idx_header(path)[1]
        return in_memory_need(dims[0] if dims else 0, prod(dims[1:]))
    if name == "csv":
        return csv_need(resolve(settings.path, project_dir, "CSV file"))
    return None


# ----------------------------------------------------------------------------------------------- images

def list_image_folder(root: Path) -> tuple[list[Path], list[int], list[str] | None]:
    """The images under ``root`` and their class ids (subfolders, alphabetically), as `read_image_folder` finds
    them; class names are None for a folder of images without subfolders."""
    if not root.is_dir():
        raise DataError(f"{root}: is not a folder — choose a folder with one subfolder per class")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    files: list[Path] = []
    labels: list[int] = []
    for label, folder in enumerate(class_dirs):
        found = _images_in(folder)
        if not found:
            raise DataError(f"{folder}: the class folder '{folder.name}' has no images (png, jpg, bmp, ...) — "
                            f"add some or remove the folder")
        files += found
        labels += [label] * len(found)
    if not class_dirs:
        files = _images_in(root)
        if not files:
            raise DataError(f"{root}: the folder is empty — put one subfolder of images per class in it")
        return files, [], None
    return files, labels, [d.name for d in class_dirs]


def open_images(root: Path, input_shape: TensorShape | None) -> StreamSource:
    files, labels, class_names = list_image_folder(root)
    channels, height, width = _target_size(files[0], input_shape, root)
    if channels not in MODES:
        raise DataError(f"{root.name}: images can be read with 1, 3 or 4 channels, but the Input takes {channels} "
                        f"— set the Input's channels to 1 (grey) or 3 (colour)")
    name = root.name or str(root)
    samples = ImageSource(name, files, (channels, height, width))
    if class_names is None:
        return StreamSource(name, samples, None, "image", "reconstruction-only", pixel_max=255.0)
    return StreamSource(name, samples, np.array(labels, dtype=np.int64), "image", "classification",
                        len(class_names), class_names, pixel_max=255.0)


# ------------------------------------------------------------------------------------------------- .npz

def _npy_header(path: Path, key: str) -> tuple[zipfile.ZipInfo, tuple[int, ...], bool, np.dtype[Any], int]:
    """The member ``key`` of an .npz: its zip entry, shape, Fortran order, dtype and .npy header length."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(f"{key}.npy")
            except KeyError:
                held = ", ".join(n.removesuffix(".npy") for n in archive.namelist()) or "nothing"
                raise DataError(f"{path.name}: has no array named '{key}' (it holds {held}) — save the inputs as "
                                f"{key}=...") from None
            with archive.open(info) as member:
                head = member.read(12)
                if not head.startswith(b"\x93NUMPY") or len(head) < 10:
                    raise DataError(f"{path.name}: '{key}' is not a NumPy array")
                start, length = (10, struct.unpack("<H", head[8:10])[0]) if head[6] == 1 else \
                    (12, struct.unpack("<I", head[8:12])[0])
                header = io.BytesIO(head + member.read(start + length - len(head)))
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise DataError(f"{path.name}: not a readable .npz file ({e})") from None
    version = np.lib.format.read_magic(header)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    try:
        shape, fortran, dtype = read(header)
    except ValueError as e:
        raise DataError(f"{path.name}: '{key}' has a header that cannot be read ({e})") from None
    if dtype.hasobject:
        raise DataError(f"{path.name}: holds Python objects, which are never unpickled — save plain number "
                        f"arrays (np.savez) instead")
    return info, tuple(shape), bool(fortran), dtype, start + length


def open_npz(path: Path, options: dict[str, Any], tokens: bool, report: Report,
             precheck: Precheck | None = None) -> StreamSource:
    """``x`` mapped in place when stored uncompressed (np.savez), else unpacked once to a scratch file.

    Every check that needs only the headers (the sizes, the Input's ``precheck``, the disk space, the
    compression ratio) is made before anything is unpacked.
    """
    _check_npz_signature(path)
    task = npz_task(options, path.name)
    info, shape, fortran, dtype, header = _npy_header(path, "x")
    if not shape or shape[0] == 0:
        raise DataError(f"{path.name}: 'x' is empty")
    tokens = bool(tokens and np.issubdtype(dtype, np.integer))
    if not (np.issubdtype(dtype, np.number) or dtype == np.bool_) or np.issubdtype(dtype, np.complexfloating):
        raise DataError(f"{path.name}: 'x' holds {dtype} values, not real numbers")
    need = prod(shape) * dtype.itemsize
    if info.file_size < header + need:
        raise DataError(f"{path.name}: 'x' announces {'×'.join(map(str, shape))} values ({need:,} bytes) but the "
                        f"archive holds {max(0, info.file_size - header):,} bytes for it — the file is damaged")
    shape = shape if len(shape) > 1 else (shape[0], 1)
    by_rank: dict[int, InputKind] = {2: "tabular", 3: "sequence", 4: "image"}
    kind: InputKind = "tokens" if tokens else by_rank.get(len(shape), "tabular")
    if precheck is not None:
        precheck(kind, shape[1:])
    y, names = _npz_labels(path, shape[0])
    scratch: Scratch | None = None
    if info.compress_type == zipfile.ZIP_STORED:
        with open(path, "rb") as f:
            f.seek(info.header_offset)
            local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            raise DataError(f"{path.name}: not a readable .npz file (a damaged zip entry for 'x')")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        file, offset = path, info.header_offset + 30 + name_length + extra_length + header
    else:
        what = f"{path.name}, member '{info.filename}'"
        check_expansion(info.compress_size, header + need, what,
                        "save it uncompressed with np.savez (not savez_compressed): it then streams in place")
        check_scratch_space(header + need, what)
        scratch = Scratch()
        file, offset = scratch.path / "x.npy", header
        try:
            with zipfile.ZipFile(path) as archive, archive.open(info) as member:
                unpack(member, file, header + need, what, report, path.name)
        except (zipfile.BadZipFile, zlib.error, EOFError) as e:
            raise DataError(f"{path.name}: not a readable .npz file ({e})") from None
    pixel_max = 255.0 if kind == "image" and dtype == np.uint8 else None
    out = np.dtype(np.int64) if tokens else np.dtype(np.uint8) if dtype == np.uint8 else np.dtype(np.float32)
    samples = ArraySource(path.name, file, offset, dtype.str, shape, out, fortran)
    if y is None:
        return StreamSource(path.name, samples, None, kind, "reconstruction-only", pixel_max=pixel_max,
                            scratch=scratch)
    if task == "auto":
        task = "classification" if np.issubdtype(y.dtype, np.integer) or y.dtype == bool else "regression"
    if task == "regression":
        y = y.astype(np.float32)
        check_finite(y, "'y'", path.name)
        return StreamSource(path.name, samples, y[:, None] if y.ndim == 1 else y, kind, "regression",
                            pixel_max=pixel_max, scratch=scratch)
    if y.ndim != 1 or (np.issubdtype(y.dtype, np.floating) and not np.all(np.mod(y, 1) == 0)):
        raise DataError(f"{path.name}: class ids in 'y' must be one whole number per sample — or set the task to "
                        f"regression")
    y = class_ids(y, f"{path.name}: 'y'")
    class_names = class_names_of(names, path.name)
    count = max(int(y.max()) + 1, len(class_names or []))
    return StreamSource(path.name, samples, y, kind, "classification", count,
                        class_names or [str(i) for i in range(count)], pixel_max=pixel_max, scratch=scratch)


def _npz_labels(path: Path, samples: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``y`` (checked as `read_npz` checks it) and the raw ``class_names`` of an .npz: only those members are
    read, each after its header is checked against what the archive holds and the memory budget."""
    try:
        with zipfile.ZipFile(path) as archive:
            present = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        raise DataError(f"{path.name}: not a readable .npz file ({e})") from None
    keys = [key for key in ("y", "class_names") if f"{key}.npy" in present]
    for key in keys:
        info, shape, _, dtype, header = _npy_header(path, key)
        size = prod(shape) * dtype.itemsize
        if header + size > info.file_size:
            raise DataError(f"{path.name}: the header of '{key}' announces {_dims(shape)} values ({size:,} bytes) "
                            f"but the archive holds {max(0, info.file_size - header):,} bytes for it — the file is "
                            f"damaged or cut short")
        check_memory(size + 4 * prod(shape), f"loading '{key}' of {path.name} ({_dims(shape)} values)")
    found = load_npz_arrays(path, keys)
    y = found.get("y")
    if y is not None:
        check_targets(y, samples, path.name)
    return y, found.get("class_names")


# -------------------------------------------------------------------------------------------------- IDX

def _idx_header(path: Path) -> tuple[str, tuple[int, ...], int, bool]:
    """An IDX file's stored dtype, dimensions, header length and whether it is gzip-compressed."""
    try:
        with open(path, "rb") as f:
            compressed = f.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
            head = f.read(4)
            if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
                raise DataError(f"{path.name}: not an IDX file (MNIST format) — it should start with two zero bytes, "
                                f"a type code and the number of dimensions")
            raw_dims = f.read(4 * head[3])
    except (OSError, EOFError) as e:
        raise DataError(f"{path.name}: cannot be read ({e})") from None
    if len(raw_dims) < 4 * head[3]:
        raise DataError(f"{path.name}: the header is cut short")
    dims = struct.unpack(f">{head[3]}I", raw_dims)
    return _IDX_TYPES[head[2]], tuple(dims), 4 + 4 * head[3], compressed


def open_idx(options: dict[str, Any], project_dir: Path | None, fallback: str, report: Report,
             precheck: Precheck | None = None) -> StreamSource:
    """An IDX images file mapped in place (a gzip'd one unpacked once to a scratch file), labels read whole.

    The Input's ``precheck``, the labels, the disk space and the compression ratio are checked before
    anything is unpacked.
    """
    path = resolve(path_option(options, "images", "idx") or fallback, project_dir, "IDX images file")
    file_dtype, dims, header, compressed = _idx_header(path)
    need = prod(dims) * np.dtype(file_dtype).itemsize
    if not compressed and path.stat().st_size - header < need:
        raise DataError(f"{path.name}: holds {path.stat().st_size - header} bytes of data but its header announces "
                        f"{'×'.join(map(str, dims))} values ({need} bytes) — the file is cut short")
    kind: InputKind
    if len(dims) == 2:
        kind = "tabular"
    elif len(dims) in (3, 4):
        kind, dims = "image", (dims if len(dims) == 4 else (dims[0], 1, *dims[1:]))
    else:
        raise DataError(f"{path.name}: holds a {len(dims)}-dimensional array; expected images N×H×W")
    if precheck is not None:
        precheck(kind, dims[1:])
    labels_option = path_option(options, "labels", "idx")
    labels = None if labels_option is None else read_idx_labels(labels_option, project_dir, dims[0], path.name)
    scratch: Scratch | None = None
    file = path
    if compressed:
        check_expansion(path.stat().st_size, header + need, path.name,
                        "unpack it first (gunzip) and choose the unpacked file: it then streams in place")
        check_scratch_space(header + need, path.name)
        scratch = Scratch()
        file = scratch.path / path.name.removesuffix(".gz")
        try:
            with gzip.open(path, "rb") as member:
                unpack(member, file, header + need, path.name, report, path.name)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path.name}: cannot be read ({e})") from None
    pixels = np.dtype(file_dtype) == np.uint8
    out = np.dtype(np.uint8) if pixels else np.dtype(np.float32)
    samples = ArraySource(path.name, file, header, file_dtype, dims, out)
    pixel_max = 255.0 if pixels else None
    if labels is None:
        return StreamSource(path.name, samples, None, kind, "reconstruction-only", pixel_max=pixel_max,
                            scratch=scratch)
    y, count, names = idx_classes(labels[0], labels[1].name, path, pixel_max is not None)
    return StreamSource(path.name, samples, y, kind, "classification", count, names, pixel_max=pixel_max,
                        scratch=scratch)

