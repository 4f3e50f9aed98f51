"""Where streamed samples come from: a batch of samples read from disk on demand, in a worker process.

Two kinds cover every user source: `ImageSource` decodes image files one by
one (exactly as the in-memory reader does), `ArraySource` reads rows of a
memory-mapped array (an uncompressed ``.npz`` member or IDX file in place; a
compressed one, or a CSV table, converted once to a binary file first).

A sample that cannot be read (a corrupt image, a row with NaN) does not raise:
`SampleSource.read` leaves it out and says which and why, and the caller
decides whether to skip it or stop. Sources are pickled into worker processes,
so they hold paths, never open files or mapped arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from netbuilder.data.images import MODES, _load


@dataclass(frozen=True)
class Problem:
    """A sample left out of a read: where it is (a path, or "file: sample i") and what was wrong."""

    where: str
    reason: str


@dataclass
class Read:
    """The samples of one request that could be read, in request order, and the ones that could not."""

    x: np.ndarray  # (kept, *dims)
    kept: np.ndarray  # bool, one per requested index
    problems: list[Problem]


class SampleSource(Protocol):
    """Random access to the raw samples of a data set, ``len(self)`` of them, each of shape ``dims``."""

    @property
    def name(self) -> str: ...

    @property
    def dims(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> np.dtype[Any]:  # of what `read` returns: uint8 (exact pixels), float32, or int64 ids
        ...

    def __len__(self) -> int: ...

    def read(self, indices: np.ndarray) -> Read: ...


@dataclass
class ImageSource:
    """Image files decoded, converted to the channel count and resized, as `images.read_image_folder` does.

    Returned as uint8: the converted pixels are whole numbers 0..255, so the
    device turns them into exactly the float32 values the in-memory set holds,
    from a quarter of the bytes.
    """

    name: str
    files: list[Path]
    dims: tuple[int, ...]  # (C, H, W)
    dtype: np.dtype[Any] = field(default_factory=lambda: np.dtype(np.uint8))

    def __len__(self) -> int:
        return len(self.files)

    def read(self, indices: np.ndarray) -> Read:
        channels, height, width = self.dims
        out = np.empty((len(indices), *self.dims), dtype=np.uint8)
        kept = np.ones(len(indices), dtype=bool)
        problems = []
        for j, i in enumerate(indices.tolist()):
            path = self.files[i]
            try:
                out[j] = _load(path, MODES[channels], (width, height))
            except Exception as exc:  # a user's file: whatever the decoder raises, the file is bad, not the run
                kept[j] = False
                problems.append(Problem(str(path), _reason(exc, str(path))))
        return Read(out[kept] if problems else out, kept, problems)


@dataclass
class ArraySource:
    """Rows of an array stored raw in a file at ``offset`` (a .npy member, an IDX body), mapped on first use."""

    name: str
    path: Path
    offset: int
    file_dtype: str  # as stored, e.g. ">u1" for IDX bytes
    shape: tuple[int, ...]  # the whole array, samples first
    dtype: np.dtype[Any]  # what rows become: float32, uint8 (kept exact, as pixels) or int64 (token ids)
    fortran: bool = False
    _map: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def dims(self) -> tuple[int, ...]:
        return self.shape[1:]

    def __len__(self) -> int:
        return self.shape[0]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_map"] = None  # a mapped array would be pickled as its whole contents
        return state

    def array(self) -> np.ndarray:
        if self._map is None:
            self._map = np.memmap(self.path, dtype=np.dtype(self.file_dtype), mode="r", offset=self.offset,
                                  shape=self.shape, order="F" if self.fortran else "C")
        return self._map

    def read(self, indices: np.ndarray) -> Read:
        order = np.argsort(indices, kind="stable")  # ascending reads: the disk's readahead helps
        rows = np.empty((len(indices), *self.dims), dtype=self.dtype)
        rows[order] = self.array()[indices[order]]
        if not np.issubdtype(self.dtype, np.floating) or not len(rows):
            return Read(rows, np.ones(len(indices), dtype=bool), [])
        kept = np.asarray(np.isfinite(rows.reshape(len(rows), -1)).all(axis=1))
        if kept.all():
            return Read(rows, kept, [])
        bad = indices[~kept].tolist()
        problems = [Problem(f"{self.name}: sample {i} (counting from 0)", "holds NaN or infinity") for i in bad]
        return Read(rows[kept], kept, problems)


def _reason(exc: Exception, path: str) -> str:
    """The reason part of a reader's message (which starts with the path already)."""
    text = str(exc).strip() or type(exc).__name__
    return text[len(path) + 2:] if text.startswith(f"{path}: ") else f"{type(exc).__name__}: {text}"
