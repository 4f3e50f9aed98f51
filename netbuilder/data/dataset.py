"""The records a loaded data set is made of, and the seeded split and normalisation.

A source (built-in or user file) returns a `RawData`: numpy arrays exactly as
read. `load_dataset` then fits it to the Input, splits it and normalises it
into a `Dataset` of torch tensors, the one thing the Trainer sees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from netbuilder.graph.catalog import INPUT_KINDS, InputKind

TASKS = ("classification", "regression", "reconstruction-only")
KINDS = INPUT_KINDS  # what one sample is: the Input kinds


class DataError(ValueError):
    """A data set cannot be read or does not fit the network; the message says where and what to do."""


def check_memory(need: int, what: str) -> None:
    """`DataError` before allocating when ``need`` bytes for ``what`` exceed what this process can still have
    (see `netbuilder.graph.memory.allocation_budget_bytes`): a header announcing terabytes, a bomb."""
    from netbuilder.graph.memory import TooLarge, check_allocation

    try:
        check_allocation(need, what)
    except TooLarge as exc:
        raise DataError(f"{exc} — use a smaller data set, or stream it from disk (option streaming=disk)") from None


@dataclass
class RawData:
    """What a source read, before fitting to the Input, splitting and normalising.

    ``x`` is (N, *sample dims): float values, or int64 token ids when ``kind`` is
    ``"tokens"``. ``y`` is (N,) int class ids, (N, *shape) float values, or None
    when the source has no targets (an autoencoder or GAN only needs ``x``).
    """

    name: str
    x: np.ndarray
    y: np.ndarray | None
    kind: InputKind  # what one sample naturally is
    task: str  # one of TASKS
    num_classes: int = 0
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    # Images: the largest possible raw value (16 for digits, 255 for 8-bit pixels), so a "unit"
    # or "tanh" range maps the full pixel scale rather than whatever this sample happens to hold.
    pixel_max: float | None = None
    # Samples are overlapping windows of one series: a random split would put nearly identical
    # windows on both sides, so validation is taken from the end instead.
    ordered: bool = False
    # Values already lie in a small range around zero (generated sequences): standardising the
    # inputs but not the next-value target would only make the task harder, so it is skipped.
    prescaled: bool = False


@dataclass
class Normalization:
    """How raw inputs became network inputs: ``x = (raw / scale - mean) / std``.

    ``mean`` and ``std`` hold one value per feature (``axis="feature"``), per
    channel (``axis="channel"``) or a single value (``axis="all"``). They are
    computed on the training split only. ``kind`` is ``"none"``, ``"standardize"``
    (mean/std), ``"unit"`` (to [0, 1]) or ``"tanh"`` (to [-1, 1]).
    """

    kind: str = "none"
    axis: str = "all"
    scale: float = 1.0
    mean: list[float] = field(default_factory=lambda: [0.0])
    std: list[float] = field(default_factory=lambda: [1.0])

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise a batch of raw samples (N, *dims) the same way the training data was."""
        if self.kind == "none" and self.scale == 1.0:
            return x
        mean, std = self._broadcast(x)
        return (x / self.scale - mean) / std

    def invert(self, x: torch.Tensor) -> torch.Tensor:
        """Map network-scale values back to raw values (to show generated or rebuilt images)."""
        if self.kind == "none" and self.scale == 1.0:
            return x
        mean, std = self._broadcast(x)
        return (x * std + mean) * self.scale

    def _broadcast(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device)
        if self.axis == "channel":  # (N, C, H, W): one value per channel
            shape = (1, -1) + (1,) * (x.dim() - 2)
        elif self.axis == "feature":  # (N, F) or (N, L, F): one value per last-axis feature
            shape = (1,) * (x.dim() - 1) + (-1,)
        else:
            shape = (1,) * x.dim()
        return mean.reshape(shape), std.reshape(shape)

    def describe(self) -> str:
        scale = f"raw / {_num(self.scale)}" if self.scale != 1.0 else "raw"
        if self.kind == "none":
            return "none" if self.scale == 1.0 else f"x = {scale}"
        if self.kind in ("unit", "tanh"):
            target = "[0, 1]" if self.kind == "unit" else "[-1, 1]"
            return f"scaled to {target}: x = ({scale} - mean) / std, per {self.axis}"
        return f"x = ({scale} - mean) / std with the training split's mean and std per {self.axis}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "axis": self.axis, "scale": self.scale, "mean": list(self.mean),
                "std": list(self.std)}


@dataclass
class Dataset:
    """A data set ready for training: tensors split, normalised and shaped for the Input.

    ``x_*`` are float32 (N, *input_shape), or int64 token ids for a tokens Input.
    ``y_*`` are int64 (N,) class ids, float32 (N, *target_shape) values, or None
    when ``task`` is ``"reconstruction-only"``.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor | None
    x_val: torch.Tensor
    y_val: torch.Tensor | None
    task: str
    input_kind: InputKind
    input_shape: tuple[int, ...]
    target_shape: tuple[int, ...]
    num_classes: int = 0
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    normalization: Normalization = field(default_factory=Normalization)

    @property
    def train_size(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def val_size(self) -> int:
        return int(self.x_val.shape[0])

    def to(self, device: torch.device | str) -> Dataset:
        """A copy with every tensor on ``device`` (moved once, not per batch)."""
        def move(t: torch.Tensor) -> torch.Tensor:
            return t.to(device, non_blocking=True)

        return replace(self, x_train=move(self.x_train), x_val=move(self.x_val),
                       y_train=None if self.y_train is None else move(self.y_train),
                       y_val=None if self.y_val is None else move(self.y_val))

    def describe(self) -> str:
        """One line for the UI: ``digits: 1,437 train / 360 validation samples, 1×8×8 images, 10 classes``."""
        dims = "×".join(map(str, self.input_shape))
        sample = {
            "image": f"{dims} images",
            "tabular": f"{self.input_shape[0] if self.input_shape else 1} features",
            "sequence": f"sequences of {dims}",
            "tokens": f"windows of {self.input_shape[0] if self.input_shape else 1} tokens",
        }.get(self.input_kind, dims)
        if self.task == "classification":
            what = f"{self.num_classes} classes"
        elif self.task == "regression":
            what = "targets of shape " + ("×".join(map(str, self.target_shape)) or "()")
        else:
            what = "no targets"
        return f"{self.name}: {self.train_size:,} train / {self.val_size:,} validation samples, {sample}, {what}"


def split_indices(n: int, validation_split: float, seed: int, labels: np.ndarray | None = None,
                  ordered: bool = False, gap: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded train/validation indices.

    The validation part has ``ceil(n * validation_split)`` samples. Class ids in
    ``labels`` make the split stratified (every class on both sides in
    proportion) when each class has at least two samples. ``ordered`` takes
    validation from the end and leaves ``gap`` samples out between the parts,
    for overlapping windows of one series.
    """
    if not 0.0 <= validation_split < 1.0:
        raise DataError(f"validation split must be at least 0 and below 1; it is {validation_split}")
    n_val = math.ceil(n * validation_split) if validation_split > 0 else 0
    if n_val and n - n_val < 1:
        raise DataError(f"{n} samples are too few to keep {validation_split:.0%} for validation")
    if n_val == 0:
        return np.random.default_rng(seed).permutation(n) if not ordered else np.arange(n), np.arange(0)
    if ordered:
        n_train = max(1, n - n_val - gap)
        return np.arange(n_train), np.arange(n - n_val, n)
    if labels is not None:
        _, counts = np.unique(labels, return_counts=True)
        if counts.min() >= 2 and n_val >= len(counts) and n - n_val >= len(counts):
            from sklearn.model_selection import train_test_split

            train, val = train_test_split(np.arange(n), test_size=n_val, random_state=seed, stratify=labels)
            return np.asarray(train), np.asarray(val)
    order = np.random.default_rng(seed).permutation(n)
    return order[n_val:], order[:n_val]


def fit_normalization(x_train: np.ndarray, kind: str, sample_kind: str, value_range: str | None,
                      pixel_max: float | None) -> Normalization:
    """Work out the normalisation from the training split only.

    ``value_range`` ("unit" or "tanh") wins over mean/std: autoencoders and GANs
    with a Sigmoid or Tanh output need inputs in that output's range.
    """
    if sample_kind == "tokens":
        return Normalization()
    axis = "channel" if sample_kind == "image" and x_train.ndim == 4 else "feature" if x_train.ndim >= 2 else "all"
    reduce = (0, 2, 3) if axis == "channel" else tuple(range(x_train.ndim - 1)) if axis == "feature" else None
    if value_range in ("unit", "tanh"):
        if pixel_max is not None:  # images: the full pixel scale, one value for all channels
            scale, lo, hi, axis = float(pixel_max), np.zeros(1), np.ones(1), "all"
        else:
            scale = 1.0
            lo = np.asarray(x_train.min(axis=reduce) if x_train.size else 0.0, dtype=np.float64).reshape(-1)
            hi = np.asarray(x_train.max(axis=reduce) if x_train.size else 1.0, dtype=np.float64).reshape(-1)
        width = np.where(hi - lo > 1e-12, hi - lo, 1.0)
        if value_range == "unit":
            return Normalization("unit", axis, scale, lo.tolist(), width.tolist())
        return Normalization("tanh", axis, scale, ((lo + hi) / 2).tolist(), (width / 2).tolist())
    if kind == "none":  # the user asked for the raw values
        return Normalization()
    # Pixels are first brought to [0, 1] so the recorded mean/std read the same for any bit depth.
    scale = float(pixel_max) if pixel_max else 1.0
    values = x_train.astype(np.float64) / scale
    mean = np.asarray(values.mean(axis=reduce), dtype=np.float64).reshape(-1)
    std = np.asarray(values.std(axis=reduce), dtype=np.float64).reshape(-1)
    # A constant feature (digits' blank corner pixels) has std 0: leave it unscaled, not divided by 0.
    std = np.where(std > 1e-8, std, 1.0)
    return Normalization("standardize", axis, scale, mean.tolist(), std.tolist())


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
