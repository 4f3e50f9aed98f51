"""Per-layer statistics for the canvas overlay, gathered only on report batches.

Forward hooks exist only for the one batch being measured (`attach` before it,
`detach` after), so ordinary batches run the graph without any hook. Values stay
on the device until `events` reads them all with one transfer per graph.

Recurrent layers also get their memory measured: how much gradient reaches each
time step of the layer's input sequence. A plain RNN's gradient shrinks step by
step going back in time, an LSTM's or GRU's much less — the mean gradient of
their weights looks alike, this profile does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from netbuilder.compile import CompiledGraph
from netbuilder.train.events import LayerStats

# Activations whose output is zero, with zero gradient, at or below zero: a unit that never goes above
# zero over a whole batch passes no signal and cannot learn — a dead unit. LeakyReLU, PReLU, ELU, CELU,
# SELU, GELU and SiLU pass a (small) signal and gradient for negative inputs: their units never die.
GATING = (nn.ReLU, nn.ReLU6)
PROFILE_POINTS = 32  # the per-step gradient profile is thinned to at most this many steps (plenty for a sparkline)


def memory_figures(step_norms: torch.Tensor) -> tuple[float, list[float]] | None:
    """``g_first / g_last`` and the profile (≤ PROFILE_POINTS values) from per-step gradient norms (T,).

    None when the last step receives no gradient at all: there is nothing to compare the first step with.
    """
    values = step_norms.tolist()
    if not values or not values[-1] > 0:
        return None
    if len(values) > PROFILE_POINTS:
        # Evenly spaced steps, always including the first and the last (the two the figure compares).
        picks = [round(i * (len(values) - 1) / (PROFILE_POINTS - 1)) for i in range(PROFILE_POINTS)]
        profile = [values[i] for i in picks]
    else:
        profile = values
    return values[0] / values[-1], profile


class LayerProbe:
    """Mean |grad| of each node's weights, the dead-unit fraction of each gating activation, and for each
    recurrent layer the gradient reaching each step of its input sequence."""

    def __init__(self, graphs: Mapping[str, CompiledGraph]) -> None:
        self.graphs = dict(graphs)
        self._handles: list[torch.utils.hooks.RemovableHandle] = []
        self._dead: dict[str, dict[str, torch.Tensor]] = {name: {} for name in graphs}
        self._grads: dict[str, tuple[list[str], torch.Tensor] | None] = {name: None for name in graphs}
        self._steps: dict[str, dict[str, torch.Tensor]] = {name: {} for name in graphs}  # node -> (T,) norms

    def _node(self, graph: str, module_name: str) -> str:
        return self.graphs[graph].node_for_module.get(module_name, module_name)

    def attach(self) -> None:
        """Hook the activations for the next forward pass only."""
        for graph, compiled in self.graphs.items():
            self._dead[graph] = {}
            self._steps[graph] = {}
            for module_name, module in compiled.modules.items():
                if isinstance(module, GATING):
                    self._handles.append(module.register_forward_hook(
                        self._hook(graph, self._node(graph, module_name))))
                elif isinstance(module, nn.RNNBase):  # RNN, LSTM and GRU
                    self._handles.append(module.register_forward_pre_hook(
                        self._sequence_hook(graph, self._node(graph, module_name))))

    def _hook(self, graph: str, node: str) -> Callable[[nn.Module, Any, Any], None]:
        store = self._dead[graph]

        def hook(module: nn.Module, args: Any, output: Any) -> None:
            # A GAN's discriminator runs several times per step: keep the first (real data) pass.
            if node not in store and isinstance(output, torch.Tensor) and output.dim() >= 2:
                store[node] = (output.detach() <= 0).flatten(1).all(dim=0).float().mean()
        return hook

    def _sequence_hook(self, graph: str, node: str) -> Callable[[nn.Module, tuple[Any, ...]], Any]:
        store = self._steps[graph]
        taken: set[str] = set()

        def hook(module: nn.Module, args: tuple[Any, ...]) -> Any:
            x = args[0] if args else None
            # Keep the first pass only (a GAN runs a graph several times per step); batch_first
            # layers only: that is how the compiler builds them, (batch, T, features).
            if node in taken or not isinstance(x, torch.Tensor) or x.dim() != 3 \
                    or not getattr(module, "batch_first", False) or not torch.is_grad_enabled():
                return None
            taken.add(node)
            if x.requires_grad:
                # A view of its own, so the hook sees only the gradient flowing through this layer even
                # when the same sequence also feeds other layers.
                x = x.view_as(x)
            else:
                # Straight from the data: nothing upstream trains, so a fresh leaf cuts no gradient.
                x = x.detach().requires_grad_(True)

            def capture(grad: torch.Tensor) -> None:
                # ||dL/dx_t|| per sample, averaged over the batch: (T,), still on the device.
                store[node] = grad.detach().float().norm(dim=2).mean(dim=0)

            x.register_hook(capture)
            return (x, *args[1:])
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
            memory: dict[str, float] = {}
            profiles: dict[str, list[float]] = {}
            steps = self._steps.get(graph, {})
            if steps:
                # One transfer for every recurrent layer of the graph, split again on the CPU.
                flat = torch.cat(list(steps.values())).cpu()
                for node, part in zip(steps, flat.split([len(t) for t in steps.values()])):
                    figures = memory_figures(part)
                    if figures is not None:
                        memory[node], profiles[node] = figures
            out.append(LayerStats(graph, epoch, step, grad_values, dead_values, memory, profiles))
            self._grads[graph] = None
            self._dead[graph] = {}
            self._steps[graph] = {}
        return out
