"""Which device to train on: CUDA, then Apple's MPS, then the CPU, unless the user says."""

from __future__ import annotations

import torch


class DeviceError(RuntimeError):
    """The requested device is not available on this machine."""


def pick_device(requested: str | torch.device | None = "auto") -> torch.device:
    """``auto`` picks CUDA, then MPS, then CPU; a named device must exist or DeviceError says why."""
    if isinstance(requested, torch.device):
        return requested
    name = (requested or "auto").lower()
    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    if name == "auto":
        return torch.device("cuda" if cuda else "mps" if mps else "cpu")
    if name.startswith("cuda") and not cuda:
        raise DeviceError("CUDA was asked for but this PyTorch sees no NVIDIA GPU — use --device cpu "
                          "(or auto), or install a CUDA build of PyTorch")
    if name == "mps" and not mps:
        raise DeviceError("MPS (Apple GPU) was asked for but is not available here — use --device cpu or auto")
    try:
        return torch.device(name)
    except RuntimeError:
        raise DeviceError(f"unknown device {requested!r}: use auto, cpu, cuda or mps") from None


def describe_device(device: torch.device) -> str:
    """``cuda:0 (NVIDIA H100)`` / ``cpu (4 threads)`` for progress lines."""
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return str(device)


def synchronize(device: torch.device) -> None:
    """Wait for queued device work (for honest timings); a no-op on the CPU."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
