"""Checkpoints: safetensors files of the compiled graphs' state dicts, keyed by node name.

A single-graph project stores ``<module>.<param>`` keys exactly as
``CompiledGraph.modules.state_dict()`` gives them; a project with several
graphs (a GAN) prefixes each key with ``<graph>/``. The metadata records which
node each module belongs to, so `load_matching` can match by node name. Nothing
is unpickled: safetensors holds plain tensors only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import TYPE_CHECKING

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from netbuilder.compile import CompiledGraph
from netbuilder.graph.files import json_safe, write_atomically
from netbuilder.graph.memory import TooLarge, check_allocation
from netbuilder.graph.reading import not_a_file
from netbuilder.graph.start_from import LABEL as START_FROM_LABEL
from netbuilder.graph.start_from import SETTING as START_FROM_SETTING
from netbuilder.graph.start_from import StartFromError
from netbuilder.graph.start_from import resolve as resolve_start_from

if TYPE_CHECKING:  # both import this module
    from netbuilder.graph.project import Project
    from netbuilder.train.config import InitFrom
    from netbuilder.train.schemes import Scheme

GRAPH_SEPARATOR = "/"


class CheckpointError(ValueError):
    """A checkpoint cannot be read or does not fit; the message names the file and what to do."""


class NonFiniteWeights(CheckpointError):
    """Weights holding NaN or infinity: never saved as a checkpoint, never loaded into a network."""


def non_finite(state: Mapping[str, torch.Tensor]) -> list[str]:
    """The names of the floating-point tensors in ``state`` that hold NaN or ±inf."""
    return [k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]


def _listed(names: list[str]) -> str:
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def collect_state(graphs: Mapping[str, CompiledGraph]) -> dict[str, torch.Tensor]:
    """One flat state dict for all graphs (graph prefixes only when there are several)."""
    if len(graphs) == 1:
        return dict(next(iter(graphs.values())).state_dict())
    return {f"{name}{GRAPH_SEPARATOR}{key}": value
            for name, g in graphs.items() for key, value in g.state_dict().items()}


class Snapshots:
    """On-device copies of the weights: ``last`` (the last good epoch end) and ``best``.

    The buffers are allocated once and refreshed with one fused copy, so keeping
    them every epoch costs next to nothing and never waits for the device.
    """

    def __init__(self, graphs: Mapping[str, CompiledGraph]) -> None:
        state = collect_state(graphs)  # views of the live parameters and buffers
        self.keys = list(state)
        self.live = [state[k] for k in self.keys]
        self.last = [t.detach().clone() for t in self.live]
        self.best: list[torch.Tensor] | None = None

    def take_last(self) -> None:
        torch._foreach_copy_(self.last, self.live)

    def keep_best(self) -> None:
        """The last snapshot is also the best so far."""
        if self.best is None:
            self.best = [t.clone() for t in self.last]
        else:
            torch._foreach_copy_(self.best, self.last)

    def restore_last(self) -> None:
        """Put the last good weights back into the network (after a NaN, for instance)."""
        with torch.no_grad():
            torch._foreach_copy_(self.live, self.last)

    def state(self, best: bool = False) -> dict[str, torch.Tensor]:
        tensors = self.best if best and self.best is not None else self.last
        return dict(zip(self.keys, tensors))


def save_checkpoint(path: str | os.PathLike, state: Mapping[str, torch.Tensor],
                    graphs: Mapping[str, CompiledGraph], info: Mapping[str, object] | None = None) -> Path:
    """Write ``state`` atomically as safetensors, with node names and ``info`` in the metadata.

    Weights with NaN or infinity are refused (`NonFiniteWeights`, nothing written): a
    checkpoint is what a run falls back to, so it must always hold usable weights.
    """
    bad = non_finite(state)
    if bad:
        raise NonFiniteWeights(f"{path}: not written — the weights {_listed(bad)} hold NaN or infinity")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    nodes = {name: g.node_for_module for name, g in graphs.items()}
    metadata = {"format": "netbuilder", "graphs": json.dumps(list(graphs)), "nodes": json.dumps(nodes),
                "info": json.dumps(json_safe(dict(info or {})), default=str, allow_nan=False)}
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in state.items()}
    return write_atomically(target, lambda tmp: save_file(tensors, str(tmp), metadata=metadata))


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors and metadata of a safetensors checkpoint (CPU), or CheckpointError."""
    p = Path(path)
    if not p.is_file():
        if p.exists():  # a folder, a FIFO, a device: reading it would fail or never end
            kind = (not_a_file(p) or "").split(",")[0]  # "is a folder", "is a named pipe (FIFO)"
            raise CheckpointError(f"{p}: not a regular file (it {kind}) — give the path of a "
                                  ".safetensors checkpoint")
        raise CheckpointError(f"{p}: no such checkpoint file — train the project first or check the path")
    try:
        check_allocation(p.stat().st_size, f"{p}: loading the checkpoint")  # its tensors are read whole
    except TooLarge as exc:
        raise CheckpointError(str(exc)) from None
    try:
        from safetensors import safe_open

        with safe_open(str(p), framework="pt") as f:
            metadata = dict(f.metadata() or {})
        return load_file(str(p)), metadata
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{p}: not a readable safetensors checkpoint ({exc})") from None


def check_checkpoint(path: str | os.PathLike) -> None:
    """CheckpointError unless ``path`` is a readable checkpoint whose weights are all finite.

    Cheap enough to run before a training run starts (``--init-from``), so a bad file is
    one clear message rather than a run that fails, or one whose loss is NaN from the start.
    """
    tensors, metadata = read_checkpoint(path)
    checkpoint_nodes(metadata, path)
    bad = non_finite(tensors)
    if bad:
        raise NonFiniteWeights(f"{path}: the weights {_listed(bad)} hold NaN or infinity — this checkpoint cannot "
                               "start a network; use one saved before the values went bad")


def checkpoint_nodes(metadata: Mapping[str, str], path: str | os.PathLike) -> dict[str, dict[str, str]]:
    """The metadata's ``nodes``: graph -> {module name: node name}, as `save_checkpoint` writes it.

    Absent, it is empty (a checkpoint from elsewhere: modules are matched by their own names). Text that
    is not JSON, nested too deeply, or of another shape is a CheckpointError naming the field.
    """
    text = metadata.get("nodes")
    if text is None:
        return {}
    expected = ('should be JSON of the form {"graph": {"module": "node name"}} (as netbuilder writes it) — the '
                "checkpoint is damaged; remove the 'nodes' entry or save the weights again")
    try:
        nodes = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise CheckpointError(f"{path}: the metadata field 'nodes' is not readable JSON; it {expected}") from None
    if not (isinstance(nodes, dict) and all(isinstance(g, str) and isinstance(m, dict) and
                                            all(isinstance(k, str) and isinstance(v, str) for k, v in m.items())
                                            for g, m in nodes.items())):
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise CheckpointError(f"{path}: the metadata field 'nodes' holds {shown}; it {expected}")
    return nodes


def load_checkpoint(graphs: Mapping[str, CompiledGraph], path: str | os.PathLike) -> None:
    """Load a checkpoint written for these graphs, every key required (a run's best or last file)."""
    tensors, _ = read_checkpoint(path)
    bad = non_finite(tensors)
    if bad:
        raise NonFiniteWeights(f"{path}: the weights {_listed(bad)} hold NaN or infinity — the checkpoint cannot "
                               "be used")
    for name, g in graphs.items():
        prefix = "" if len(graphs) == 1 else f"{name}{GRAPH_SEPARATOR}"
        own = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            g.load_state_dict(own, strict=True)
        except RuntimeError as exc:
            raise CheckpointError(f"{path}: does not fit the graph '{name}' ({exc}) — was it saved from another "
                                  "version of the network? Use transfer learning to load the matching layers") from None


@dataclass
class LoadReport:
    """What `load_matching` did, by node name."""

    matched: list[str] = field(default_factory=list)  # nodes whose every weight was loaded
    missing: list[str] = field(default_factory=list)  # nodes with weights that the checkpoint lacks
    mismatched: list[str] = field(default_factory=list)  # "node: param checkpoint shape vs network shape"
    unused: list[str] = field(default_factory=list)  # checkpoint nodes with no node of that name here

    def describe(self) -> str:
        parts = [f"loaded {len(self.matched)} layer(s): {', '.join(self.matched) or 'none'}"]
        if self.mismatched:
            parts.append(f"skipped {len(self.mismatched)} with other shapes: {'; '.join(self.mismatched)}")
        if self.missing:
            parts.append(f"{len(self.missing)} layer(s) start fresh: {', '.join(self.missing)}")
        if self.unused:
            parts.append(f"unused in the checkpoint: {', '.join(self.unused)}")
        return "; ".join(parts)


def _by_node(tensors: dict[str, torch.Tensor], metadata: dict[str, str],
             path: str | os.PathLike) -> dict[str, dict[str, torch.Tensor]]:
    """node name -> {param: tensor}, whatever graph of the checkpoint it came from."""
    nodes = checkpoint_nodes(metadata, path)
    out: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        graph, _, rest = key.rpartition(GRAPH_SEPARATOR)
        module, _, param = rest.partition(".")
        lookup = nodes.get(graph) if graph else (next(iter(nodes.values())) if len(nodes) == 1 else None)
        node = (lookup or {}).get(module, module)
        out.setdefault(node, {})[param] = value
    return out


def load_matching(compiled: CompiledGraph, path: str | os.PathLike) -> LoadReport:
    """Copy weights from another project's checkpoint into nodes of the same name and shape.

    A node is loaded only when every one of its weights is in the checkpoint
    with the same shape; the report says which nodes matched, which were
    missing and which had other shapes.
    """
    tensors, metadata = read_checkpoint(path)
    bad = non_finite(tensors)
    if bad:  # training from them would only give a NaN loss, wrongly blamed on the learning rate
        raise NonFiniteWeights(f"{path}: the weights {_listed(bad)} hold NaN or infinity — this checkpoint cannot "
                               "start a network; use one saved before the values went bad")
    source = _by_node(tensors, metadata, path)
    report = LoadReport()
    seen: set[str] = set()
    for module_name, module in compiled.modules.items():
        node = compiled.node_for_module.get(module_name, module_name)
        own = module.state_dict()
        if not own:
            continue
        theirs = source.get(node)
        if theirs is None:
            report.missing.append(node)
            continue
        seen.add(node)
        bad = [f"{node}.{p} {tuple(theirs[p].shape)} vs {tuple(t.shape)}" for p, t in own.items()
               if p in theirs and theirs[p].shape != t.shape]
        absent = [p for p in own if p not in theirs]
        if bad:
            report.mismatched.extend(bad)
        elif absent:
            report.missing.append(node)
        else:
            with torch.no_grad():
                for p, t in own.items():
                    t.copy_(theirs[p].to(t.dtype))
            report.matched.append(node)
    report.unused = sorted(set(source) - seen)
    return report


def freeze_nodes(compiled: CompiledGraph, node_names: list[str]) -> list[str]:
    """Stop the named nodes' weights from training; returns their module names."""
    from netbuilder.compile.initialization import freeze

    wanted = set(node_names)
    frozen = []
    for module_name, module in compiled.modules.items():
        if compiled.node_for_module.get(module_name, module_name) in wanted:
            freeze(module)
            if module_name not in compiled.frozen:
                compiled.frozen.append(module_name)
            frozen.append(module_name)
    return frozen


def _load_graphs(scheme: Scheme, path: str | os.PathLike, freeze: bool) -> tuple[list[str], int]:
    """Load ``path``'s matching weights into each of the scheme's graphs (freezing them if asked): a note per
    graph, prefixed "name: " only when there are several, and the number of layers loaded in all."""
    notes, loaded = [], 0
    for name, compiled in scheme.graphs.items():
        report = load_matching(compiled, path)
        frozen = freeze and bool(report.matched)
        if frozen:
            freeze_nodes(compiled, report.matched)
        loaded += len(report.matched)
        note = report.describe() + (" (frozen)" if frozen else "")
        notes.append(note if len(scheme.graphs) == 1 else f"{name}: {note}")
    return notes, loaded


def start_from(scheme: Scheme, init_from: InitFrom) -> list[str]:
    """Load ``init_from``'s matching weights into the scheme's graphs (frozen if asked); a note per graph."""
    notes, _ = _load_graphs(scheme, init_from.checkpoint, init_from.freeze)
    scheme.make_steppers()  # the optimisers must not hold the frozen weights
    return notes


def start_from_setting(scheme: Scheme, project: Project) -> list[str]:
    """Apply the project's ``start_from`` training setting (nothing when it is off): its layers of the same name
    and shape are loaded as `start_from` loads them. Nothing is frozen here: layers marked not trainable are
    frozen already, by their flag. A file that cannot be found or read is a CheckpointError naming the file
    and the setting, raised before the first batch."""
    value = project.training.start_from
    try:
        path = resolve_start_from(value, project.path.parent if project.path else None)
    except StartFromError as exc:
        raise CheckpointError(str(exc)) from None
    if path is None:
        return []
    try:
        notes, loaded = _load_graphs(scheme, path, freeze=False)
    except CheckpointError as exc:
        raise type(exc)(f"{exc} (the training setting '{START_FROM_LABEL}', {START_FROM_SETTING})") from None
    return [f"started from {path.name}: {loaded} layers loaded", *notes]
