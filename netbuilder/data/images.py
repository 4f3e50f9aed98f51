"""Image folders: one subfolder per class (or images directly in the folder, for unlabelled sets).

Images are read with Pillow, converted to the Input's channel count and
resized to its height and width, so any folder of photos fits the network.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from netbuilder.data.dataset import DataError, RawData, check_memory
from netbuilder.data.files import COPIES
from netbuilder.graph.catalog import TensorShape

if TYPE_CHECKING:
    from PIL.Image import Image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
MODES = {1: "L", 3: "RGB", 4: "RGBA"}
GREY_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_SUFFIXES)


def read_image_folder(root: Path, input_shape: TensorShape | None) -> RawData:
    """All images under ``root``: classes are the subfolder names in alphabetical order.

    Sizes come from an image Input (C×H×W); without one, from the first image.
    """
    if not root.is_dir():
        raise DataError(f"{root}: is not a folder — choose a folder with one subfolder per class")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if class_dirs:
        files: list[tuple[Path, int]] = []
        for label, folder in enumerate(class_dirs):
            found = _images_in(folder)
            if not found:
                raise DataError(f"{folder}: the class folder '{folder.name}' has no images (png, jpg, bmp, ...) — "
                                f"add some or remove the folder")
            files += [(p, label) for p in found]
    else:
        files = [(p, -1) for p in _images_in(root)]
        if not files:
            raise DataError(f"{root}: the folder is empty — put one subfolder of images per class in it")
    channels, height, width = _target_size(files[0][0], input_shape, root)
    if channels not in MODES:
        raise DataError(f"{root.name}: images can be read with 1, 3 or 4 channels, but the Input takes {channels} "
                        f"— set the Input's channels to 1 (grey) or 3 (colour)")
    check_images_fit(len(files), (channels, height, width), root)
    x = np.empty((len(files), channels, height, width), dtype=np.float32)
    for i, (path, _) in enumerate(files):
        x[i] = _load(path, MODES[channels], (width, height))
    name = root.name or str(root)
    if not class_dirs:
        return RawData(name, x, None, "image", "reconstruction-only", pixel_max=255.0)
    y = np.array([label for _, label in files], dtype=np.int64)
    return RawData(name, x, y, "image", "classification", len(class_dirs), [d.name for d in class_dirs],
                   pixel_max=255.0)


def _target_size(first: Path, input_shape: TensorShape | None, root: Path) -> tuple[int, int, int]:
    if input_shape is not None and input_shape.rank == 3:
        c, h, w = input_shape.dims
        return c, h, w
    if input_shape is not None and input_shape.dtype == "int":
        raise DataError(f"{root.name} gives images but the Input takes token ids — set the Input kind to image")
    with _open(first) as img:
        c = 1 if img.mode in GREY_MODES else 3
        w, h = img.size
    if input_shape is not None and input_shape.size != c * h * w:
        raise DataError(f"{root.name} gives {c}×{h}×{w} images ({c * h * w} values) but the Input takes "
                        f"{input_shape.sample} — set the Input to image {c}×{h}×{w} (any size works for an image "
                        f"Input: the pictures are resized to it)")
    return c, h, w


def check_images_fit(count: int, dims: tuple[int, ...], root: Path) -> None:
    """`DataError` before allocating when ``count`` images of ``dims`` (C×H×W, float32, with the copies
    loading makes) would not fit in memory: 300 photos resized to 3×2048×2048 ask for 45 GB."""
    values = count * math.prod(dims)
    check_memory(COPIES * 4 * values, f"{root.name or root}: {count:,} images of {'×'.join(map(str, dims))}")


def _open(path: Path) -> Image:
    """The decoded image; its size is checked before decoding (Pillow's bomb check, then the memory budget)."""
    from PIL import Image, UnidentifiedImageError

    img = None
    try:
        img = Image.open(path)
        width, height = img.size
        check_memory(width * height * max(1, len(img.getbands())) * 4,
                     f"{path}: an image of {width:,}×{height:,} pixels")
        img.load()
        return img
    except DataError:
        if img is not None:
            img.close()
        raise
    except Image.DecompressionBombError as e:  # more pixels than Pillow agrees to decode
        raise DataError(f"{path}: the image is too large to decode ({e}) — use smaller images") from None
    except (UnidentifiedImageError, OSError, ValueError, EOFError) as e:
        if img is not None:
            img.close()
        raise DataError(f"{path}: cannot be read as an image ({e.__class__.__name__}) — replace or remove the "
                        f"file") from None


def _load(path: Path, mode: str, size: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    with _open(path) as img:
        picture = img.convert(mode)
        if picture.size != size:
            picture = picture.resize(size, Image.Resampling.BILINEAR)
        pixels = np.asarray(picture, dtype=np.float32)
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
