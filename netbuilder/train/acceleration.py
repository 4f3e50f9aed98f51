"""How a run uses its device: precision (bf16/fp16 autocast), TF32, channels-last and torch.compile.

Chosen once per run from the settings and the device, so the Trainer, the
window and ``netbuilder train`` make the same choices (and the training-script
export writes them down).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from netbuilder.compile import CompiledGraph


@dataclass(frozen=True)
class Acceleration:
    """The speed choices of one run."""

    amp_dtype: torch.dtype | None = None  # autocast dtype; None trains in float32
    channels_last: bool = False  # 4-D activations in NHWC: faster convolutions on tensor cores
    compile_mode: str = "off"  # torch.compile mode, or "off"
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_scaler(self) -> bool:
        """float16 overflows without a gradient scaler; bfloat16 has float32's range and needs none."""
        return self.amp_dtype == torch.float16

    @property
    def precision_name(self) -> str:
        return {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(self.amp_dtype, "fp32") \
            if self.amp_dtype is not None else "fp32"


def amp_dtype_for(precision: str, device: torch.device) -> torch.dtype | None:
    """``auto``: bf16 where the GPU has it, fp16 where it does not, float32 on the CPU/MPS; ``fp32``: None."""
    if precision != "auto" or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def has_convolutions(graphs: Mapping[str, CompiledGraph]) -> bool:
    return any(isinstance(m, nn.Conv2d) for g in graphs.values() for m in g.modules.modules())


def choose(precision: str, compile_mode: str, device: torch.device,
           graphs: Mapping[str, CompiledGraph]) -> Acceleration:
    """The acceleration for a run of ``graphs`` on ``device`` with the user's settings."""
    notes: list[str] = []
    amp = amp_dtype_for(precision, device)
    if device.type == "cuda":
        # TF32 matmuls/convolutions on GPUs that have them: float32 range, ~10 bits of mantissa.
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    if amp is not None:
        notes.append(f"mixed precision: {'bf16' if amp == torch.bfloat16 else 'fp16 with a gradient scaler'} "
                     "autocast; losses and metrics in float32")
    channels_last = device.type == "cuda" and has_convolutions(graphs)
    return Acceleration(amp, channels_last, compile_mode, tuple(notes))


def to_channels_last(graphs: Mapping[str, CompiledGraph]) -> None:
    """Store 4-D weights in channels-last order (outputs are the same; convolutions run faster on GPUs)."""
    for compiled in graphs.values():
        compiled.modules.to(memory_format=torch.channels_last)  # type: ignore[call-overload]  # stubs lack it


def as_channels_last(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x


def compile_mode(mode: str) -> str | None:
    """torch.compile's ``mode`` for a setting (``default`` is torch's own default, None)."""
    return None if mode == "default" else mode
