"""Reading and writing checkpoints: safetensors of ``compiled.modules.state_dict()``.

Nothing is unpickled: ``.safetensors`` is read with safetensors, and a legacy
``.pt``/``.pth`` state dict only with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from netbuilder.export.errors import ExportError
from netbuilder.graph.files import atomic_write_bytes


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__)[:300]


def load_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The state dict stored in ``path``; any problem is an ExportError naming the file."""
    p = Path(path)
    if not p.is_file():
        if p.exists():  # a folder, a FIFO, a device: reading it would fail or never end
            raise ExportError(f"{p}: not a regular file — give the path of a checkpoint (.safetensors)")
        raise ExportError(f"{p}: no such checkpoint file")
    try:
        if p.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(p)))
        state = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt files raise many different errors
        raise ExportError(_unreadable(p, exc)) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ExportError(f"{p}: the file does not hold a state dict of tensors")
    return state


def _unreadable(p: Path, exc: Exception) -> str:
    """Why a checkpoint cannot be read; never PyTorch's advice to load it unsafely."""
    if type(exc).__name__ == "UnpicklingError":  # the weights-only loader met a Python object
        return (f"{p}: the file holds Python objects besides tensors, and netbuilder never unpickles those (they "
                "could run code) — save a plain state dict of tensors (model.state_dict()) or a .safetensors file")
    return f"{p}: cannot read the checkpoint ({_first_line(exc)}) — it may be truncated or not a checkpoint"


def save_weights(state: dict[str, torch.Tensor], path: str | os.PathLike,
                 nodes: dict[str, dict[str, str]] | None = None) -> Path:
    """Write ``state`` as safetensors (tensors made contiguous and unshared first).

    ``nodes`` (graph -> module name -> node name) goes into the metadata as the
    training checkpoints record it, so ``--init-from`` can match layers by node name.
    The file is written atomically (a unique temporary, then renamed).
    """
    return atomic_write_bytes(path, weights_bytes(state, nodes))  # whole or not at all: a full disk leaves the old


def weights_bytes(state: dict[str, torch.Tensor], nodes: dict[str, dict[str, str]] | None = None) -> bytes:
    """The safetensors file `save_weights` writes, as bytes (to write with other files as a unit)."""
    import json

    from safetensors.torch import save

    metadata = {"format": "netbuilder", "graphs": json.dumps(list(nodes or {})), "nodes": json.dumps(nodes or {})}
    return save({k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}, metadata=metadata)


def match_state(state: dict[str, torch.Tensor], wanted: list[str], graph_name: str,
                source: str = "the checkpoint") -> dict[str, torch.Tensor]:
    """The entries of ``state`` for the keys ``wanted``.

    Accepts keys as saved for the graph itself, or prefixed with the graph's
    name (``generator/g_fc1.weight`` as training checkpoints of a GAN hold
    them, or ``generator.g_fc1.weight``). Extra keys are ignored (an encoder is
    a part of the checkpoint); missing ones are an ExportError that lists them.
    """
    prefixes = ("", f"{graph_name}/", f"{graph_name}.")
    out: dict[str, torch.Tensor] = {}
    missing: list[str] = []
    for key in wanted:
        found = next((prefix + key for prefix in prefixes if prefix + key in state), None)
        if found is None:
            missing.append(key)
        else:
            out[key] = state[found]
    if missing:
        shown = ", ".join(missing[:8]) + (" …" if len(missing) > 8 else "")
        raise ExportError(f"{source} has no weights for {shown} — was it saved from this project's "
                          f"'{graph_name}' graph?")
    return out
