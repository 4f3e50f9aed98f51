"""Hostile data sets: headers announcing terabytes, compression bombs, odd arrays, files that are not files.

Each case points the iris MLP project (4 features in, 3 classes) at a crafted
data source and asks `train` for one epoch: the data is read before anything
is trained, so every case must be refused there, with the file (or option)
named, before its announced size is allocated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from tests.hostile import data_files as files
from tests.hostile.builders import fifo, iris, node, sparse_file, with_dataset
from tests.hostile.harness import Case, Invocation

SURFACE = "data"
TRAIN = ("--epochs", "1", "--out", "runs")
# Sizes are checked where a set is loaded into memory; with the default (auto) a set this large would be
# streamed from disk instead, which is that path's own guard.
IN_MEMORY = {"streaming": "memory"}


def _case(name: str, source: str, write: Callable[[Path], str], mention: str | None = None,
          options: dict[str, Any] | None = None, command: tuple[str, ...] = ("train",),
          extra: tuple[str, ...] = TRAIN, edit: Callable[[dict[str, Any]], object] | None = None,
          subprocess_only: bool = False) -> Case:
    """``write(folder)`` makes the data (returns its path); the project reads it as ``source``."""
    def make(folder: Path) -> Invocation:
        path = write(folder)
        project = iris()
        if edit is not None:
            edit(project)
        p = with_dataset(folder, source, path if source != "idx" else "", options or {}, project)
        return Invocation([*command, p, *extra], mention if mention is not None else path)
    return Case(SURFACE, name, make, subprocess_only)


def _npz(arrays: Callable[[], dict[str, np.ndarray]]) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        files.npz(folder / "d.npz", **arrays())
        return "d.npz"
    return write


def _bytes(name: str, content: bytes | Callable[[], bytes]) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / name).write_bytes(content() if callable(content) else content)
        return name
    return write


def _x(n: int = 8) -> np.ndarray:
    return np.random.default_rng(0).standard_normal((n, 4)).astype(np.float32)


def _y(n: int = 8) -> np.ndarray:
    return np.arange(n) % 3


def _image_input(channels: int, side: int) -> Callable[[dict[str, Any]], None]:
    """The iris project turned into an image classifier of channels×side×side: Input, global average
    pooling and Flatten, then the iris layers (small whatever the image size)."""
    def edit(data: dict[str, Any]) -> None:
        node(data, "features")["params"].update(kind="image", channels=channels, height=side, width=side)
        node(data, "hidden1").update(type="AdaptiveAvgPool2d", params={"output_size": 1})
        node(data, "relu1").update(type="Flatten", params={})
    return edit


def _image_folder(count: int) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        for cls in ("a", "b", "c"):
            (folder / "imgs" / cls).mkdir(parents=True)
            for i in range(count // 3):
                (folder / "imgs" / cls / f"{i}.png").write_bytes(files.png_header_only(2, 2))
        return "imgs"
    return write


def _bomb_png(folder: Path) -> str:
    for cls in ("a", "b"):
        (folder / "imgs" / cls).mkdir(parents=True)
        (folder / "imgs" / cls / "big.png").write_bytes(files.png_header_only(50_000, 50_000))
    return "imgs"


def _idx_pair(images: bytes, labels: bytes) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / "images.idx").write_bytes(images)
        (folder / "labels.idx").write_bytes(labels)
        return "labels.idx"
    return write


IDX_OPTIONS = {"images": "images.idx", "labels": "labels.idx"}
STREAMED = ({"streaming": "disk"}, {"streaming": "auto"})  # auto streams what would not fit in memory


def _after_header(name: str, size: int) -> Callable[[Path], str]:
    """A CSV header and then a sparse run of zero bytes up to ``size`` (no disk space taken)."""
    def write(folder: Path) -> str:
        with open(folder / name, "wb") as f:
            f.write(b"a,b,c,d,e\n")
            f.truncate(size)
        return name
    return write


def _giant_line(folder: Path) -> str:
    """A CSV whose second line is longer than any table row (17 MiB, no line break)."""
    with open(folder / "d.csv", "wb") as f:
        f.write(b"a,b,c,d,e\n" + b"1," * (17 * 1024 * 512) + b"x\n")
    return "d.csv"


def streamed_cases() -> Iterator[Case]:
    """The streaming path (options streaming=disk or auto) meets the bombs the in-memory path refuses: each is
    refused from its headers, before it is unpacked or converted to a scratch copy."""
    gib = 1024 ** 3
    for options in STREAMED:
        mode = options["streaming"]
        yield _case(f"npz-zip-bomb-streamed-{mode}", "npz",
                    lambda f: (files.zip_bomb_npz(f / "d.npz", 1_500_000_000, columns=4), "d.npz")[1],
                    options=options)
        yield _case(f"npz-zip-bomb-wrong-input-streamed-{mode}", "npz",
                    lambda f: (files.zip_bomb_npz(f / "d.npz", 1_500_000_000), "d.npz")[1], options=options)
        yield _case(f"idx-gzip-bomb-streamed-{mode}", "idx",
                    lambda f: (files.gzip_bomb_idx(f / "bomb.idx.gz", 200_000, 128), "bomb.idx.gz")[1],
                    options={"images": "bomb.idx.gz", **options}, edit=_image_input(1, 128))
        yield _case(f"csv-sparse-20GiB-streamed-{mode}", "csv", _after_header("d.csv", 20 * gib), options=options)
    disk = STREAMED[0]
    yield _case("csv-one-giant-line-streamed", "csv", _giant_line, mention="line 2", options=disk)
    yield _case("csv-nul-bytes-streamed", "csv", _bytes("d.csv", bytes(1 << 20)), options=disk)
    yield _case("npz-lying-zip-header-streamed", "npz",
                lambda f: (files.lying_zip_npz(f / "d.npz", 1000, 4, 2 * gib), "d.npz")[1], options=disk)
    yield _case("npz-scalar-y-streamed", "npz", _npz(lambda: {"x": _x(), "y": np.array(1)}), mention="'y'",
                options=disk)
    yield _case("npz-scalar-class-names-streamed", "npz",
                _npz(lambda: {"x": _x(), "y": _y(), "class_names": np.array("a")}), mention="class_names",
                options=disk)


def whole_read_cases() -> Iterator[Case]:
    """The in-memory CSV reader (streaming=memory, and auto for a file that would fit) meets a file that is no
    table: one line of 17 MiB, or 64 MiB of NUL bytes. Each is refused from its first lines, in the streaming
    reader's words, before the file is read whole (a 400 MB line once took 4.4 GB; NUL bytes, 919 MB)."""
    for options in (IN_MEMORY, {"streaming": "auto"}):
        mode = options["streaming"]
        yield _case(f"csv-one-giant-line-{mode}", "csv", _giant_line, mention="d.csv: line 2 is longer",
                    options=options)
        yield _case(f"csv-nul-bytes-64MiB-{mode}", "csv", lambda f: sparse_file(f, "d.csv", 64 << 20),
                    mention="d.csv: not a CSV text file — line 1 holds NUL bytes", options=options)
        yield _case(f"csv-nul-bytes-after-rows-{mode}", "csv",
                    _bytes("d.csv", b"a,b,c,d,e\n" + b"1,2,3,4,x\n" * 1000 + bytes(1 << 20)),
                    mention="d.csv: not a CSV text file — line 1002 holds NUL bytes", options=options)
GOOD_IMAGES = files.idx((6, 2, 2), data=bytes(24))


def cases() -> Iterator[Case]:
    yield from streamed_cases()
    yield from whole_read_cases()
    gib = 1024 ** 3
    # .npz: sizes announced inside the file, checked before anything is allocated.
    yield _case("npz-claims-4e12", "npz", lambda f: (files.npz_claiming(f / "d.npz", (10 ** 12, 4)), "d.npz")[1])
    yield _case("npz-claims-more-than-it-holds", "npz",
                lambda f: (files.npz_claiming(f / "d.npz", (1000, 4)), "d.npz")[1])
    yield _case("npz-zip-bomb-5.6GiB", "npz", lambda f: (files.zip_bomb_npz(f / "d.npz", 1_500_000_000), "d.npz")[1],
                mention="GiB", options=IN_MEMORY)
    yield _case("npz-truncated", "npz", lambda f: (files.npz(f / "full.npz", x=_x(), y=_y()),
                                                   (f / "d.npz").write_bytes((f / "full.npz").read_bytes()[:300]),
                                                   "d.npz")[2])
    yield _case("npy-as-npz", "npz", _bytes("d.npz", lambda: files._npy(_x())))
    yield _case("npz-empty", "npz", _bytes("d.npz", b""))
    yield _case("npz-text", "npz", _bytes("d.npz", b"a,b,c\n1,2,3\n"))
    yield _case("npz-pickled-x", "npz", _npz(lambda: {"x": np.array([{"a": 1}] * 8, dtype=object), "y": _y()}))
    yield _case("npz-string-x", "npz", _npz(lambda: {"x": np.array([["a"] * 4] * 8), "y": _y()}))
    yield _case("npz-complex-x", "npz", _npz(lambda: {"x": _x() + 1j, "y": _y()}))
    yield _case("npz-0d-x", "npz", _npz(lambda: {"x": np.array(3.0), "y": _y()}))
    yield _case("npz-scalar-y", "npz", _npz(lambda: {"x": _x(), "y": np.array(1)}), mention="'y'")
    yield _case("npz-string-y", "npz", _npz(lambda: {"x": _x(), "y": np.array(["cat", "dog"] * 4)}), mention="'y'")
    yield _case("npz-2d-class-y", "npz", _npz(lambda: {"x": _x(), "y": np.zeros((8, 2), np.int64)}), mention="'y'")
    yield _case("npz-negative-y", "npz", _npz(lambda: {"x": _x(), "y": -_y() - 1}), mention="'y'")
    yield _case("npz-class-id-10^9", "npz", _npz(lambda: {"x": _x(), "y": np.array([0, 10 ** 9] * 4)}),
                mention="'y'")
    yield _case("npz-nan-y", "npz", _npz(lambda: {"x": _x(), "y": np.full(8, np.nan)}), mention="'y'",
                options={"task": "regression"})
    yield _case("npz-scalar-class-names", "npz", _npz(lambda: {"x": _x(), "y": _y(), "class_names": np.array("a")}),
                mention="class_names")
    yield _case("npz-2d-class-names", "npz",
                _npz(lambda: {"x": _x(), "y": _y(), "class_names": np.array([["a", "b"], ["c", "d"]])}),
                mention="class_names")
    yield _case("npz-task-a-list", "npz", _npz(lambda: {"x": _x(), "y": _y()}), mention="task",
                options={"task": ["classification"]})
    # IDX (MNIST): headers, bombs, labels.
    yield _case("idx-65536^4", "idx", _idx_pair(files.idx((65535, 65535, 65535, 65535)), files.idx((6,))),
                mention="images.idx", options=IDX_OPTIONS)
    yield _case("idx-255-dimensions", "idx", _idx_pair(files.idx((2,) * 255), files.idx((6,))),
                mention="images.idx", options=IDX_OPTIONS)
    yield _case("idx-gzip-bomb", "idx", lambda f: (files.gzip_bomb_idx(f / "bomb.idx.gz", 200_000, 128),
                                                   "bomb.idx.gz")[1],
                mention="GiB", options={"images": "bomb.idx.gz", **IN_MEMORY})
    yield _case("idx-negative-labels", "idx", _idx_pair(GOOD_IMAGES, files.idx((6,), 0x09, b"\xff" * 6)),
                mention="labels.idx", options=IDX_OPTIONS)
    yield _case("idx-float-labels", "idx", _idx_pair(GOOD_IMAGES, files.idx((6,), 0x0D, b"\x3f\xc0\x00\x00" * 6)),
                mention="labels.idx", options=IDX_OPTIONS)
    yield _case("idx-truncated", "idx", _idx_pair(files.idx((6000, 28, 28), data=bytes(100)), files.idx((6,))),
                mention="images.idx", options=IDX_OPTIONS)
    yield _case("idx-images-a-list", "idx", _idx_pair(GOOD_IMAGES, files.idx((6,))), mention="images",
                options={"images": ["images.idx"], "labels": "labels.idx"})
    yield _case("idx-labels-a-number", "idx", _idx_pair(GOOD_IMAGES, files.idx((6,))), mention="labels",
                options={"images": "images.idx", "labels": 5})
    yield _case("idx-dev-zero", "idx", lambda f: "/dev/zero", options={"images": "/dev/zero"})
    yield _case("idx-fifo", "idx", lambda f: fifo(f, "images.idx"), options={"images": "images.idx"})
    # CSV: devices, pipes, sizes.
    yield _case("csv-dev-zero", "csv", lambda f: "/dev/zero")
    yield _case("csv-dev-urandom", "csv", lambda f: "/dev/urandom")
    yield _case("csv-fifo", "csv", lambda f: fifo(f, "d.csv"))
    yield _case("csv-sparse-20GiB", "csv", lambda f: sparse_file(f, "d.csv", 20 * gib), options=IN_MEMORY)
    yield _case("csv-binary", "csv", _bytes("d.csv", bytes(range(256)) * 8))
    yield _case("csv-features-a-number", "csv", _bytes("d.csv", b"a,b,c,d,e\n1,2,3,4,x\n5,6,7,8,y\n"),
                mention="features", options={"features": 3})
    yield _case("csv-target-a-dict", "csv", _bytes("d.csv", b"a,b,c,d,e\n1,2,3,4,x\n5,6,7,8,y\n"),
                mention="target", options={"target": {"column": 1}})
    # Image folders.
    yield _case("png-50000x50000", "images", _bomb_png, mention="big.png", edit=_image_input(1, 8))
    yield _case("images-resized-to-45GiB", "images", _image_folder(300), mention="GiB",
                edit=_image_input(3, 2048), options=IN_MEMORY)
    yield _case("images-a-fifo-folder", "images", lambda f: fifo(f, "imgs"), edit=_image_input(1, 8))
    # Built-in sets with options past what they can make.
    yield _case("moons-10^12-samples", "moons", lambda f: "", mention="samples", options={"samples": 10 ** 12})
    yield _case("spirals-10^9-classes", "spirals", lambda f: "", mention="classes", options={"classes": 10 ** 9})
    yield _case("sine-10^9-length", "sine", lambda f: "", mention="length", options={"length": 10 ** 9})
    yield _case("moons-samples-text", "moons", lambda f: "", mention="samples", options={"samples": "many"})
    yield _case("csv-path-home-unknown", "csv", lambda f: "~nobody-here/d.csv")
    # Export and the training script read the data too (for the normalisation; to write data.npz).
    yield _case("fifo-training-script", "csv", lambda f: fifo(f, "d.csv"), command=("code",),
                extra=("--train-script", "-o", "m.py"))
    yield _case("npz-bomb-training-script", "npz",
                lambda f: (files.npz_claiming(f / "d.npz", (10 ** 12, 4)), "d.npz")[1], command=("code",),
                extra=("--train-script", "-o", "m.py"))
