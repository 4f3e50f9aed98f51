"""Random image changes for training batches, run on the device with kornia.

Augmentation only makes sense for images (N, C, H, W): the Trainer asks
`Augmenter.applies_to(input_shape)` first and leaves other data alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from netbuilder.data.dataset import DataError
from netbuilder.graph.settings import Augmentation


class Augmenter:
    """A callable that changes a batch of images at random: flip, rotate, zoom, add noise.

    Rotation and zoom are one affine warp (one resampling, not two). It is the
    identity when nothing is switched on. With ``seed`` every call is
    reproducible on its own (call ``k`` uses ``seed + k``); without it the
    calls follow torch's global generator, which the Trainer seeds per run.
    """

    def __init__(self, settings: Augmentation, seed: int | None = None) -> None:
        self.settings = settings
        self.seed = seed
        self.calls = 0
        self._pipeline: torch.nn.Module | None = None
        problem = self.check_settings(settings)
        if problem:
            raise DataError(problem)

    @staticmethod
    def check_settings(settings: Augmentation) -> str | None:
        """Why the settings cannot be used, or None."""
        if not 0 <= settings.rotation <= 180:
            return f"augmentation rotation must be between 0 and 180 degrees; it is {settings.rotation:g}"
        if not 0 <= settings.scale < 1:
            return ("augmentation scale must be at least 0 and below 1 (a fraction of the size); "
                    f"it is {settings.scale:g}")
        if settings.noise < 0:
            return f"augmentation noise must be at least 0; it is {settings.noise:g}"
        return None

    @property
    def active(self) -> bool:
        return self.settings.active

    @staticmethod
    def applies_to(input_shape: Sequence[int] | object) -> bool:
        """True for image samples (C, H, W); takes a tuple of dims or a TensorShape."""
        dims = getattr(input_shape, "dims", input_shape)
        dtype = getattr(input_shape, "dtype", "float")
        return dtype == "float" and len(tuple(dims)) == 3  # type: ignore[arg-type]

    def describe(self) -> str:
        s = self.settings
        parts = (["horizontal flips"] if s.flip else []) + ([f"rotation ±{s.rotation:g}°"] if s.rotation else []) \
            + ([f"zoom ±{s.scale:.0%}"] if s.scale else []) + ([f"noise σ={s.noise:g}"] if s.noise else [])
        return ", ".join(parts) if parts else "none"

    def _build(self) -> torch.nn.Module:
        import kornia.augmentation as K

        s = self.settings
        steps: list[torch.nn.Module] = []
        if s.flip:
            steps.append(K.RandomHorizontalFlip(p=0.5))
        if s.rotation > 0 or s.scale > 0:
            steps.append(K.RandomAffine(degrees=s.rotation, scale=(1 - s.scale, 1 + s.scale) if s.scale else None,
                                        p=1.0))
        if s.noise > 0:
            steps.append(K.RandomGaussianNoise(mean=0.0, std=s.noise, p=1.0))
        return torch.nn.Sequential(*steps)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """The batch (N, C, H, W) changed at random; same shape, dtype and device."""
        if not self.active:
            return x
        if x.dim() != 4 or not x.is_floating_point():
            shape = "×".join(["N", *map(str, x.shape[1:])])
            raise DataError(f"augmentation works on batches of images (N×C×H×W); this batch is {shape} — switch "
                            f"augmentation off or use an image Input")
        if self._pipeline is None:
            self._pipeline = self._build()
        self._pipeline.to(x.device)
        if self.seed is None:
            return self._pipeline(x)
        devices = [x.device] if x.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self.seed + self.calls)
            self.calls += 1
            return self._pipeline(x)
