"""Built-in data sets that need no download: scikit-learn's bundled sets, generated ones, a text snippet.

Every reader takes the settings' options, the Input's shape (or None) and the
seed, and returns a `RawData`. Generated sets use their own seeded generator so
the same settings always give the same samples.
"""

from __future__ import annotations

import math
from importlib.resources import files
from collections.abc import Callable
from typing import Any

import numpy as np

from netbuilder.data.dataset import DataError, RawData, check_memory
from netbuilder.data.sources import BUILTIN_DATASETS as BUILTIN_DATASETS  # re-exported
from netbuilder.data.sources import BuiltinInfo as BuiltinInfo  # re-exported
from netbuilder.graph.catalog import TensorShape


def _sklearn(name: str) -> RawData:
    from sklearn import datasets

    bunch = {"iris": datasets.load_iris, "wine": datasets.load_wine,
             "breast_cancer": datasets.load_breast_cancer}[name]()
    names = [str(n) for n in bunch.target_names]
    return RawData(name, bunch.data.astype(np.float32), bunch.target.astype(np.int64), "tabular",
                   "classification", len(names), names, [str(f) for f in bunch.feature_names])


def _digits(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = bunch.data.astype(np.float32).reshape(-1, 1, 8, 8)  # option "flatten" is applied by load_dataset
    return RawData("digits", x, bunch.target.astype(np.int64), "image", "classification", 10,
                   [str(i) for i in range(10)], pixel_max=16.0)


# The most each count option may ask for: generated sets are made in memory, whole.
COUNT_LIMITS = {"samples": 10_000_000, "classes": 100_000, "length": 100_000, "span": 100_000}


def _count(options: dict[str, Any], key: str, default: int, name: str, low: int = 1) -> int:
    value = options.get(key, default)
    high = COUNT_LIMITS.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        top = f" and at most {high:,}" if high is not None else ""
        shown = f"{value:,}" if isinstance(value, int) and abs(value) < 10 ** 40 else repr(value)[:60]
        raise DataError(f"{name}: option {key!r} must be a whole number of at least {low}{top}; it is {shown}")
    return value


def _check_windows(name: str, samples: int, length: int) -> None:
    """Windows are made as float64 arrays (curve, noise, inputs): refuse before making too many or too long."""
    check_memory(samples * (length + 1) * 8 * 4, f"{name}: {samples:,} windows of {length:,} steps")


def _amount(options: dict[str, Any], key: str, default: float, name: str) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e6:
        raise DataError(f"{name}: option {key!r} must be a number of at least 0; it is {value!r}")
    return float(value)


def _moons(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    from sklearn.datasets import make_moons

    n = _count(options, "samples", 1000, "moons", 2)
    x, y = make_moons(n_samples=n, noise=_amount(options, "noise", 0.1, "moons"), random_state=seed)
    return RawData("moons", x.astype(np.float32), y.astype(np.int64), "tabular", "classification", 2,
                   ["upper moon", "lower moon"], ["x", "y"])


def _spirals(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    n = _count(options, "samples", 1000, "spirals", 2)
    classes = _count(options, "classes", 2, "spirals", 2)
    noise = _amount(options, "noise", 0.05, "spirals")
    rng = np.random.default_rng(seed)
    y = np.arange(n) % classes
    t = rng.uniform(0.05, 1.0, n)  # position along the arm: 0 = centre, 1 = outer end
    angle = t * 3.0 * math.pi + y * (2 * math.pi / classes)
    x = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1) + rng.normal(0, noise, (n, 2))
    order = rng.permutation(n)
    return RawData("spirals", x[order].astype(np.float32), y[order].astype(np.int64), "tabular", "classification",
                   classes, [f"arm {i + 1}" for i in range(classes)], ["x", "y"])


def _window_length(options: dict[str, Any], input_shape: TensorShape | None, name: str, tokens: bool) -> int:
    """The window length: the option, else the length of a fitting Input (tokens or sequence), else 32."""
    if "length" in options:
        return _count(options, "length", 32, name)
    fits = input_shape is not None and (input_shape.dtype == "int") == tokens and input_shape.rank in (1, 2)
    return input_shape.dims[0] if fits and input_shape is not None else 32


def _waves(name: str, components: int) -> Reader:
    def read(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
        if input_shape is not None and input_shape.rank == 2 and input_shape.dims[1] != 1:
            raise DataError(f"{name} gives one value per time step but the Input takes {input_shape.dims[1]} "
                            f"features per step — set the Input's features to 1")
        length = _window_length(options, input_shape, name, tokens=False)
        n = _count(options, "samples", 2000, name)
        _check_windows(name, n, length)
        noise = _amount(options, "noise", 0.1, name)
        rng = np.random.default_rng(seed)
        # Each sample is its own curve (random phase and frequency), so no window is shared between the
        # training and validation splits. Periods of 8 to 40 steps fit several turns in a window of 32.
        t = np.arange(length + 1, dtype=np.float64)[None, :]
        clean = np.zeros((n, length + 1))
        for _ in range(components):
            freq = rng.uniform(2 * math.pi / 40, 2 * math.pi / 8, (n, 1))
            phase = rng.uniform(0, 2 * math.pi, (n, 1))
            amp = rng.uniform(0.5, 1.0, (n, 1)) if components > 1 else np.ones((n, 1))
            clean += amp * np.sin(freq * t + phase)
        clean /= components ** 0.5  # keeps a sum of sines at about the scale of one
        x = clean[:, :length] + rng.normal(0, noise, (n, length))
        return RawData(name, x[:, :, None].astype(np.float32), clean[:, length:].astype(np.float32), "sequence",
                       "regression", prescaled=True)

    return read


def _memory(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    """Random sequences whose target is the mean of their first ``span`` values."""
    if input_shape is not None and input_shape.rank == 2 and input_shape.dims[1] != 1:
        raise DataError(f"memory gives one value per time step but the Input takes {input_shape.dims[1]} "
                        f"features per step — set the Input's features to 1")
    if "length" not in options and input_shape is not None and input_shape.dtype != "int" \
            and input_shape.rank in (1, 2):
        length = input_shape.dims[0]  # the Input's length, unless the options say otherwise
    else:
        length = _count(options, "length", 60, "memory")
    n = _count(options, "samples", 2000, "memory")
    span = _count(options, "span", 3, "memory")
    _check_windows("memory", n, length)
    if span > length:
        raise DataError(f"memory: option 'span' ({span}) must not exceed the sequence length ({length})")
    rng = np.random.default_rng(seed)
    # Every step is uniform noise in [-1, 1]; only the first `span` steps decide the target, so the
    # answer must survive the whole sequence inside the recurrent state (the vanishing-gradient lesson).
    x = rng.uniform(-1.0, 1.0, (n, length))
    y = x[:, :span].mean(axis=1, keepdims=True)
    return RawData("memory", x[:, :, None].astype(np.float32), y.astype(np.float32), "sequence", "regression",
                   prescaled=True)


def read_text() -> str:
    """The shipped text snippet for next-character prediction."""
    # Package data: resources/ in the repository installs as netbuilder.resources.
    name = "netbuilder.resources/text/snippet.txt"
    try:
        return (files("netbuilder.resources") / "text" / "snippet.txt").read_text(encoding="utf-8")
    except ModuleNotFoundError:
        raise DataError(f"{name}: the built-in text is not installed — reinstall netbuilder") from None
    except OSError as e:
        raise DataError(f"{name}: the built-in text cannot be read ({e.strerror}) — reinstall netbuilder") from None


def _text(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    text = read_text()
    length = _window_length(options, input_shape, "text", tokens=True)
    if length >= len(text):
        raise DataError(f"text: windows of {length} characters are longer than the text ({len(text)} characters) "
                        f"— choose a shorter length")
    chars = sorted(set(text))
    lookup = {c: i for i, c in enumerate(chars)}
    ids = np.array([lookup[c] for c in text], dtype=np.int64)
    starts = np.arange(len(ids) - length)
    x = ids[starts[:, None] + np.arange(length)[None, :]]
    y = ids[starts + length]
    names = [{"\n": "⏎", " ": "␣"}.get(c, c) for c in chars]  # visible names for the UI
    return RawData("text", x, y, "tokens", "classification", len(chars), names, ordered=True)


def _shapes(name: str) -> Reader:
    """The generated shapes: what shape (``shapes``), where the shapes are (``shape_masks``), how many."""

    def read(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
        from netbuilder.data.shapes import COUNT_NAMES, SHAPE_NAMES, SIZE, make_shapes

        n = _count(options, "samples", 3000, name, 2)
        # Float32 images and masks, and the generator's per-shape boolean masks beside them.
        check_memory(n * SIZE * SIZE * (4 * 3 * 3 + 4 * 2 + 8), f"{name}: {n:,} images")
        made = make_shapes(n, seed, per_image=len(COUNT_NAMES) if name == "shape_counts" else 1,
                           noise=_amount(options, "noise", 0.08, name))
        if name == "shape_masks":  # a value per pixel: 1 inside a shape, 0 outside
            return RawData(name, made.images, made.masks, "image", "regression", pixel_max=1.0)
        labels, names = (made.counts - 1, COUNT_NAMES) if name == "shape_counts" else (made.kinds, SHAPE_NAMES)
        return RawData(name, made.images, labels, "image", "classification", len(names), list(names), pixel_max=1.0)

    return read


def _topics(options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    from netbuilder.data.topics import MIN_LENGTH, TOPICS, make_topics

    length = _window_length(options, input_shape, "topics", tokens=True)
    if length < MIN_LENGTH:
        raise DataError(f"topics: sentences need at least {MIN_LENGTH} words; the length is {length}")
    n = _count(options, "samples", 4000, "topics", 2)
    check_memory(n * length * 8 * 2, f"topics: {n:,} sentences of {length:,} words")
    x, y = make_topics(n, length, seed)
    return RawData("topics", x, y, "tokens", "classification", len(TOPICS), list(TOPICS))


Reader = Callable[[dict[str, Any], "TensorShape | None", int], RawData]

READERS: dict[str, Reader] = {
    "digits": _digits,
    "iris": lambda o, s, seed: _sklearn("iris"),
    "wine": lambda o, s, seed: _sklearn("wine"),
    "breast_cancer": lambda o, s, seed: _sklearn("breast_cancer"),
    "moons": _moons,
    "spirals": _spirals,
    "sine": _waves("sine", 1),
    "sines": _waves("sines", 3),
    "memory": _memory,
    "text": _text,
    "shapes": _shapes("shapes"),
    "shape_masks": _shapes("shape_masks"),
    "shape_counts": _shapes("shape_counts"),
    "topics": _topics,
}


def read_builtin(name: str, options: dict[str, Any], input_shape: TensorShape | None, seed: int) -> RawData:
    """Read the built-in data set ``name``."""
    return READERS[name](options, input_shape, seed)


def text_vocabulary() -> list[str]:
    """The characters of the text snippet in id order (to decode generated text)."""
    return sorted(set(read_text()))
