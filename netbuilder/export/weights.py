"""Reading and writing checkpoints: safetensors of ``compiled.modules.state_dict()``.

Nothing is unpickled: ``.safetensors`` is read with safetensors, and a legacy
``.pt``/``.pth`` state dict only with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from netbuilder.export.errors import ExportError


def load_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The state dict stored in ``path``; any problem is an ExportError naming the file."""
    p = Path(path)
    if not p.is_file():
        raise ExportError(f"{p}: no such checkpoint file")
    try:
        if p.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(p)))
        state = torch.load(str(p), map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt files raise many different errors
        raise ExportError(f"{p}: cannot read the checkpoint ({exc}) — it may be truncated or not a checkpoint") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ExportError(f"{p}: the file does not hold a state dict of tensors")
    return state


def save_weights(state: dict[str, torch.Tensor], path: str | os.PathLike,
                 nodes: dict[str, dict[str, str]] | None = None) -> Path:
    """Write ``state`` as safetensors (tensors made contiguous and unshared first).

    ``nodes`` (graph -> module name -> node name) goes into the metadata as the
    training checkpoints record it, so ``--init-from`` can match layers by node name.
    """
    import json

    from safetensors.torch import save_file

    p = Path(path)
    metadata = {"format": "netbuilder", "graphs": json.dumps(list(nodes or {})), "nodes": json.dumps(nodes or {})}
    save_file({k: v.detach().contiguous().clone() for k, v in state.items()}, str(p), metadata=metadata)
    return p


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
