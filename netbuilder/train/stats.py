"""Per-layer statistics for the canvas overlay, gathered only on report batches.

Forward hooks exist only for the one batch being measured (`attach` before it,
`detach` after), so ordinary batches run the graph without any hook. Values stay
on the device until `events` reads them all with one transfer per graph.
"""

from __future__ import annotations

from typing import Mapping

import torch
from torch import nn

from netbuilder.compile import CompiledGraph
from netbuilder.train.events import LayerStats

# Activations whose output is "off" at or below zero: a unit that never goes above zero over a
# whole batch passes no signal (and for ReLU no gradient) — a dead unit.
GATING = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.GELU, nn.SiLU, nn.CELU, nn.SELU)


class LayerProbe:
    """Mean |grad| of each node's weights and the dead-unit fraction of each gating activation."""

    def __init__(self, graphs: Mapping[str, CompiledGraph]) -> None:
        self.graphs = dict(graphs)
        self._handles: list[torch.utils.hooks.RemovableHandle] = []
        self._dead: dict[str, dict[str, torch.Tensor]] = {name: {} for name in graphs}
        self._grads: dict[str, tuple[list[str], torch.Tensor] | None] = {name: None for name in graphs}

    def _node(self, graph: str, module_name: str) -> str:
        return self.graphs[graph].node_for_module.get(module_name, module_name)

    def attach(self) -> None:
        """Hook the activations for the next forward pass only."""
        for graph, compiled in self.graphs.items():
            self._dead[graph] = {}
            for module_name, module in compiled.modules.items():
                if isinstance(module, GATING):
                    hook = self._hook(graph, self._node(graph, module_name))
                    self._handles.append(module.register_forward_hook(hook))

    def _hook(self, graph: str, node: str):
        store = self._dead[graph]

        def hook(module: nn.Module, args, output) -> None:
            # A GAN's discriminator runs several times per step: keep the first (real data) pass.
            if node not in store and isinstance(output, torch.Tensor) and output.dim() >= 2:
                store[node] = (output.detach() <= 0).flatten(1).all(dim=0).float().mean()
        return hook

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def record_grads(self, graph: str) -> None:
        """Read the gradients of ``graph`` now (right after its backward pass), still on the device."""
        names: list[str] = []
        grads: list[torch.Tensor] = []
        owners: list[int] = []
        sizes: list[int] = []
        for module_name, module in self.graphs[graph].modules.items():
            own = [p.grad for p in module.parameters() if p.grad is not None]
            if not own:
                continue
            names.append(self._node(graph, module_name))
            grads.extend(g.detach() for g in own)
            owners.extend([len(names) - 1] * len(own))
            sizes.append(sum(g.numel() for g in own))
        if not grads:
            self._grads[graph] = None
            return
        # One fused L1-norm over every gradient, then summed per node: a handful of kernels in all.
        norms = torch.stack(torch._foreach_norm(grads, 1)).float()
        per_node = torch.zeros(len(names), device=norms.device).index_add_(
            0, torch.tensor(owners, device=norms.device), norms)
        self._grads[graph] = (names, per_node / torch.tensor(sizes, device=norms.device, dtype=torch.float32))

    def events(self, epoch: int, step: int) -> list[LayerStats]:
        """The measured batch's statistics, one LayerStats per graph, then cleared."""
        out = []
        for graph in self.graphs:
            grads = self._grads.get(graph)
            dead = self._dead.get(graph, {})
            grad_values = dict(zip(grads[0], grads[1].tolist())) if grads else {}
            dead_values = dict(zip(dead, torch.stack(list(dead.values())).tolist())) if dead else {}
            out.append(LayerStats(graph, epoch, step, grad_values, dead_values))
            self._grads[graph] = None
            self._dead[graph] = {}
        return out
