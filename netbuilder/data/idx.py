"""MNIST-style IDX files (optionally gzip-compressed): images, and the labels file beside them.

Headers are read first and checked against the file's size and the memory budget before any array is made.
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from netbuilder.data.dataset import DataError, RawData, check_memory
from netbuilder.data.files import COPIES, _dims, check_finite, class_ids, path_option, resolve
from netbuilder.graph.catalog import InputKind

FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx_file(path: Path) -> np.ndarray:
    """One IDX array (the MNIST format), optionally gzip-compressed.

    The header is read first and checked (a rank of 1 to 4; sizes that the file can hold and that fit
    in memory) before the data is read or unpacked, so a lying header or a gzip bomb costs nothing.
    """
    try:
        with open(path, "rb") as f:
            compressed = f.read(2) == b"\x1f\x8b"
            f.seek(0)
            stream: Any = gzip.GzipFile(fileobj=f) if compressed else f
            return _read_idx(stream, path, compressed)
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path.name}: cannot be read ({e})") from None


def _read_idx(stream: Any, path: Path, compressed: bool) -> np.ndarray:
    head = stream.read(4)
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
        raise DataError(f"{path.name}: not an IDX file (MNIST format) — it should start with two zero bytes, a "
                        f"type code and the number of dimensions")
    ndim = head[3]
    if not 1 <= ndim <= 4:
        raise DataError(f"{path.name}: the header announces {ndim} dimensions; an IDX file holds labels (1) or "
                        "images (2 to 4 dimensions) — the file is damaged or not MNIST-style data")
    raw_dims = stream.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise DataError(f"{path.name}: the header is cut short")
    dims = tuple(int.from_bytes(raw_dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[head[2]])
    count = math.prod(dims)
    need = count * dtype.itemsize
    held = None if compressed else path.stat().st_size - 4 - 4 * ndim
    if held is not None and held < need:
        raise DataError(f"{path.name}: holds {held} bytes of data but its header announces "
                        f"{'×'.join(map(str, dims))} values ({need} bytes) — the file is cut short")
    check_memory(need + COPIES * 4 * count, f"loading {path.name} ({_dims(dims)} values)")
    data = stream.read(need)
    if len(data) < need:
        raise DataError(f"{path.name}: holds {len(data)} bytes of data but its header announces "
                        f"{'×'.join(map(str, dims))} values ({need} bytes) — the file is cut short")
    if compressed:
        stream.read(1)  # reach the end of the gzip member, so its checksum is verified
    return np.frombuffer(data, dtype=dtype, count=count).reshape(dims)


def read_idx(options: dict[str, Any], project_dir: Path | None, fallback: str) -> RawData:
    """MNIST / Fashion-MNIST: an images file (N, H, W) and optionally a labels file (N,)."""
    images_path = resolve(path_option(options, "images", "idx") or fallback, project_dir, "IDX images file")
    images = read_idx_file(images_path)
    kind: InputKind
    if images.ndim == 2:  # a flat table of pixel rows
        kind = "tabular"
    elif images.ndim == 3:
        images, kind = images[:, None], "image"
    elif images.ndim == 4:
        kind = "image"
    else:
        raise DataError(f"{images_path.name}: holds a {images.ndim}-dimensional array; expected images N×H×W")
    check_finite(images, "the image", images_path.name)
    x = images.astype(np.float32)
    pixel_max = 255.0 if images.dtype == np.uint8 else None
    labels_option = path_option(options, "labels", "idx")
    if labels_option is None:
        return RawData(images_path.name, x, None, kind, "reconstruction-only", pixel_max=pixel_max)
    labels, labels_path = read_idx_labels(labels_option, project_dir, len(x), images_path.name)
    y, count, names = idx_classes(labels, labels_path.name, images_path, pixel_max is not None)
    return RawData(images_path.name, x, y, kind, "classification", count, names, pixel_max=pixel_max)


def idx_classes(labels: np.ndarray, labels_name: str, images_path: Path,
                pixels: bool) -> tuple[np.ndarray, int, list[str]]:
    """The labels as class ids, the class count (at least 10 for 8-bit pixel images, as MNIST's digits) and the
    class names (Fashion-MNIST's when the images file says "fashion" and there are 10, else the ids)."""
    y = class_ids(labels, labels_name)
    count = max(int(y.max()) + 1, 10 if pixels else 0) if len(y) else 0
    fashion = "fashion" in str(images_path).lower() and count == 10
    names = FASHION_CLASSES if fashion else [str(i) for i in range(count)]
    return y, count, list(names)


def read_idx_labels(option: str, project_dir: Path | None, images: int,
                    images_name: str) -> tuple[np.ndarray, Path]:
    """The IDX labels file an images file names: one whole-number class id per image, as many as images."""
    labels_path = resolve(option, project_dir, "IDX labels file")
    labels = read_idx_file(labels_path)
    if labels.dtype.kind not in "iu":
        raise DataError(f"{labels_path.name}: labels should be whole-number class ids (type 0x08 to 0x0C); it holds "
                        f"{labels.dtype.name} values")
    if labels.ndim != 1:
        raise DataError(f"{labels_path.name}: labels should be one number per image; it holds "
                        f"{'×'.join(map(str, labels.shape))} values")
    if len(labels) != images:
        raise DataError(f"{images_name} has {images} images but {labels_path.name} has {len(labels)} labels "
                        f"— pick files of the same set (train with train, test with test)")
    return labels, labels_path
