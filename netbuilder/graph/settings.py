"""Data-set choice and training settings as stored in a project file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from netbuilder.graph.schemes import scheme_names
from netbuilder.graph.start_from import check_value

OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop")
SCHEDULES = ("none", "step", "cosine", "plateau")
DEVICES = ("auto", "cpu", "cuda", "mps")
# auto: bf16 autocast on GPUs that have it, fp16 with a gradient scaler on those that do not, fp32 on the CPU.
PRECISIONS = ("auto", "fp32")
# torch.compile: off (eager), default, or max-autotune (longer compile, faster steps); eager when it fails.
COMPILE_MODES = ("off", "default", "max-autotune")


@dataclass
class Augmentation:
    """Random image changes applied to training batches only."""

    flip: bool = False
    rotation: float = 0.0  # degrees, ±
    scale: float = 0.0  # random resized crop: fraction of size change, ±
    noise: float = 0.0  # std of added Gaussian noise

    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "rotation": (0.0, 180.0), "scale": (0.0, 0.9), "noise": (0.0, 5.0)}

    @property
    def active(self) -> bool:
        return self.flip or self.rotation > 0 or self.scale > 0 or self.noise > 0


@dataclass
class DatasetSettings:
    """Which data feeds the Input and Target nodes.

    ``name`` is a built-in set (``digits``, ``iris``, ...) or a user source
    (``csv``, ``images``, ``npz``, ``idx``) read from ``path``; ``options`` holds
    source-specific choices (CSV columns, IDX label file, ...).
    """

    name: str = "digits"
    path: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    validation_split: float = 0.2
    seed: int = 0
    normalize: bool = True
    augmentation: Augmentation = field(default_factory=Augmentation)
    denoise: float = 0.0  # reconstruction: std of noise added to the input only (denoising autoencoder)

    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
        "validation_split": (0.0, 0.9), "seed": (0, 2**32 - 1), "denoise": (0.0, 10.0)}


@dataclass
class TrainingSettings:
    """How to train: optimiser, schedule, batch size, stopping rules, device."""

    scheme: str = "supervised"
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    batch_size: int = 32
    epochs: int = 10
    weight_decay: float = 0.0
    schedule: str = "none"
    grad_clip: float = 0.0
    early_stopping: int = 0  # epochs without validation improvement before stopping; 0 = off
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    compile: str = "off"
    report_every: int = 10  # batches between progress reports
    latent_dim: int = 16  # adversarial: size of the generator's noise input
    # A .safetensors file (relative to the project file's folder, or absolute) whose layers of the same name
    # and shape are loaded before training; "" = off. See netbuilder/graph/start_from.py.
    start_from: str = ""

    # The one definition of what each setting may hold: the project file, the window's fields and the
    # command line all read these (the schemes come from the scheme registry, so a new one is accepted).
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"optimizer": OPTIMIZERS, "schedule": SCHEDULES,
                                                     "device": DEVICES, "precision": PRECISIONS,
                                                     "compile": COMPILE_MODES}
    # Keys older files hold, and how each maps to today's setting.
    LEGACY: ClassVar[dict[str, tuple[str, dict[Any, str]]]] = {
        "mixed_precision": ("precision", {True: "auto", False: "fp32"})}
    RANGES: ClassVar[dict[str, tuple[float, float]]] = {
              "learning_rate": (1e-8, 10.0), "momentum": (0.0, 1.0), "batch_size": (1, 1_000_000),
              "epochs": (1, 100_000), "weight_decay": (0.0, 10.0), "grad_clip": (0.0, 1e6),
              "early_stopping": (0, 100_000), "report_every": (1, 1_000_000), "latent_dim": (1, 100_000),
              "seed": (0, 2**32 - 1)}


SettingsT = TypeVar("SettingsT", "Augmentation", "DatasetSettings", "TrainingSettings")


def choices_for(cls: type, key: str) -> tuple[str, ...] | None:
    """The values ``key`` of settings class ``cls`` may take, or None when it is not a choice."""
    if cls is TrainingSettings and key == "scheme":
        return scheme_names()
    choices: dict[str, tuple[str, ...]] = getattr(cls, "CHOICES", {})
    return choices.get(key)


def range_for(cls: type, key: str) -> tuple[float, float] | None:
    """The inclusive (low, high) range of a numeric setting, or None."""
    ranges: dict[str, tuple[float, float]] = getattr(cls, "RANGES", {})
    return ranges.get(key)


def to_dict(obj: Any) -> dict[str, Any]:
    return asdict(obj)


def from_dict(cls: type[SettingsT], data: Any, where: str) -> SettingsT:
    """Build settings, checking each known key's type; missing keys take their defaults."""
    from netbuilder.graph.serialize import ProjectFileError, expect, limit_depth

    expect(data, dict, where, "the settings")
    default = cls()
    values: dict[str, Any] = {}
    known = {f.name for f in fields(cls)}
    legacy: dict[str, tuple[str, dict[Any, str]]] = getattr(cls, "LEGACY", {})
    for key, value in data.items():
        if key in legacy and key not in known:
            new_key, mapping = legacy[key]
            if value not in mapping or not isinstance(value, type(next(iter(mapping)))):
                raise ProjectFileError(f"{where}.{key}", f"{key} should be one of {', '.join(map(str, mapping))}")
            if new_key not in data:
                values[new_key] = mapping[value]
            continue
        if key not in known:
            raise ProjectFileError(f"{where}.{key}", f"unknown setting {key!r}")
        current = getattr(default, key)
        at = f"{where}.{key}"
        if isinstance(current, (Augmentation,)):
            values[key] = from_dict(Augmentation, value, at)
            continue
        kind: Any = (int, float) if isinstance(current, float) else type(current)
        expect(value, kind, at, key)
        if isinstance(value, (dict, list)):
            limit_depth(value, at, key)
        if isinstance(current, float):
            try:
                value = float(value)
            except OverflowError:  # an integer past 10^308
                raise ProjectFileError(at, f"{key} is far too large") from None
        choices = choices_for(cls, key)
        if choices and value not in choices:
            raise ProjectFileError(at, f"{key} should be one of {', '.join(choices)}, not {value!r}")
        lo_hi = range_for(cls, key)
        if lo_hi and not lo_hi[0] <= value <= lo_hi[1]:
            raise ProjectFileError(at, f"{key} should be between {lo_hi[0]} and {lo_hi[1]}, not {value}")
        why = check_value(value) if cls is TrainingSettings and key == "start_from" else None
        if why:
            raise ProjectFileError(at, why)
        values[key] = value
    return cls(**values)
