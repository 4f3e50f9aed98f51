"""Generated coloured shapes: CIFAR-sized images to classify, segment or count, made in a second without a download.

Each image is 3×32×32: a random dark background with pixel noise and one (or a few) light shapes of random
colour, size, position and rotation. The same seeded generator makes three data sets: which shape it is
(`shapes`), which pixels belong to a shape (`shape_masks`, for segmentation) and how many shapes there are
(`shape_counts`, the fine-tuning template's new task).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from netbuilder.data.sources import COUNT_NAMES as COUNT_NAMES  # re-exported
from netbuilder.data.sources import SHAPE_NAMES as SHAPE_NAMES  # re-exported

SIZE = 32


@dataclass
class ShapeImages:
    """Images (N, 3, S, S) in [0, 1], the class of the first shape (N,), the shape masks (N, 1, S, S) and counts."""

    images: np.ndarray
    kinds: np.ndarray
    masks: np.ndarray
    counts: np.ndarray


def _masks(kind: np.ndarray, cx: np.ndarray, cy: np.ndarray, r: np.ndarray, angle: np.ndarray,
           size: int) -> np.ndarray:
    """Boolean (N, S, S): where shape ``kind[i]`` of radius ``r[i]`` centred at (cx, cy), turned by ``angle``, lies."""
    out = np.zeros((len(kind), size, size), dtype=bool)
    grid = np.arange(size, dtype=np.float32) + 0.5
    for k in range(len(SHAPE_NAMES)):
        rows = np.flatnonzero(kind == k)  # each kind drawn only where it is wanted: one mask per image
        dx0 = grid[None, None, :] - cx[rows, None, None]
        dy0 = grid[None, :, None] - cy[rows, None, None]
        cos, sin = np.cos(angle[rows])[:, None, None], np.sin(angle[rows])[:, None, None]
        dx, dy = dx0 * cos + dy0 * sin, -dx0 * sin + dy0 * cos  # tilted, so squares and crosses vary
        adx, ady = np.abs(dx), np.abs(dy)
        radius = r[rows, None, None]
        dist2 = dx0 ** 2 + dy0 ** 2
        if k == 0:  # circle
            mask = dist2 <= radius ** 2
        elif k == 1:  # square, of about the circle's area
            mask = np.maximum(adx, ady) <= radius * 0.8
        elif k == 2:  # triangle, apex up
            mask = (dy <= radius * 0.6) & (adx * 1.7 <= dy + radius)
        elif k == 3:  # cross
            arm = radius / 3
            mask = ((adx <= arm) & (ady <= radius)) | ((ady <= arm) & (adx <= radius))
        elif k == 4:  # ring
            mask = (dist2 <= radius ** 2) & (dist2 >= (radius * 0.55) ** 2)
        else:  # diamond
            mask = adx + ady <= radius * 1.1
        out[rows] = mask
    return out


def make_shapes(n: int, seed: int, *, per_image: int = 1, noise: float = 0.08, size: int = SIZE) -> ShapeImages:
    """``n`` images with ``per_image`` shapes at most (one each when 1; 1 to ``per_image`` otherwise)."""
    rng = np.random.default_rng(seed)
    background = rng.uniform(0.0, 0.45, (n, 3, 1, 1)).astype(np.float32)
    images = np.broadcast_to(background, (n, 3, size, size)).copy()
    masks = np.zeros((n, 1, size, size), dtype=np.float32)
    counts = rng.integers(1, per_image + 1, n) if per_image > 1 else np.ones(n, dtype=np.int64)
    first = np.zeros(n, dtype=np.int64)
    if per_image == 1:
        cells = [(0.0, 0.0, float(size))]
    else:  # one shape per cell of a 2×2 grid, so shapes never overlap and the count is what is seen
        half = size / 2
        cells = [(x, y, half) for y in (0.0, half) for x in (0.0, half)]
    order = np.argsort(rng.random((n, len(cells))), axis=1)  # a random cell order per image
    for slot in range(min(per_image, len(cells))):  # one cell when per_image is 1
        present = counts > slot
        cell = order[:, slot]
        left = np.array([cells[c][0] for c in cell], dtype=np.float32)
        top = np.array([cells[c][1] for c in cell], dtype=np.float32)
        span = cells[0][2]
        r = rng.uniform(0.18, 0.36, n).astype(np.float32) * span
        reach = r * 1.15  # a tilted square's corner: every shape stays inside its cell, whole and apart
        cx = left + rng.uniform(0, 1, n).astype(np.float32) * (span - 2 * reach) + reach
        cy = top + rng.uniform(0, 1, n).astype(np.float32) * (span - 2 * reach) + reach
        kind = rng.integers(0, len(SHAPE_NAMES), n)
        angle = rng.uniform(-math.pi / 6, math.pi / 6, n).astype(np.float32)
        colour = rng.uniform(0.5, 1.0, (n, 3, 1, 1)).astype(np.float32)
        inside = _masks(kind, cx, cy, r, angle, size) & present[:, None, None]
        np.copyto(images, np.broadcast_to(colour, images.shape), where=inside[:, None])
        masks[:, 0] = np.maximum(masks[:, 0], inside)
        if slot == 0:
            first = kind.astype(np.int64)
    images += rng.standard_normal(images.shape, dtype=np.float32) * np.float32(noise)  # float32: 3× faster
    return ShapeImages(np.clip(images, 0.0, 1.0), first, masks, counts.astype(np.int64))
