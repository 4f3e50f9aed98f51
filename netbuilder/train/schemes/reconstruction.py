"""Autoencoders: the loss target is the input itself (with optional denoising noise on the network's input)."""

from __future__ import annotations

import copy

import torch
from torch import fx

from netbuilder.compile import CompiledGraph
from netbuilder.train.events import Samples
from netbuilder.train.loading import sample_batch
from netbuilder.train.metrics import Meter, RegressionMeter
from netbuilder.train.schemes.base import Scheme, SchemeContext, SchemeError, _explain_with, _single, training_scheme


def separate_targets(compiled: CompiledGraph) -> fx.GraphModule:
    """The training graph with each loss's target port fed by its own placeholder.

    An autoencoder's drawing wires the Input into the loss target, so the plain
    training graph compares the output with whatever went in. A denoising
    autoencoder must compare it with the clean input while feeding a noisy one:
    this variant's ``forward(x_in, x_target)`` makes that possible.
    """
    assert compiled.training is not None
    gm = compiled.training
    graph = copy.deepcopy(gm.graph)
    loss_modules = {m for m, node in compiled.node_for_module.items() if node in compiled.loss_names}
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    extra: dict[fx.Node, fx.Node] = {}
    with graph.inserting_after(placeholders[-1]):
        for ph in reversed(placeholders):
            extra[ph] = graph.placeholder(f"{ph.name}_target")
    for n in graph.nodes:
        if n.op == "call_module" and n.target in loss_modules and len(n.args) >= 2 and n.args[1] in extra:
            n.args = (n.args[0], extra[n.args[1]], *n.args[2:])
    used = [ph for ph in extra.values() if ph.users]
    for ph in extra.values():
        if ph not in used:
            graph.erase_node(ph)
    graph.lint()
    return fx.GraphModule(gm, graph, class_name=type(gm).__name__)


@training_scheme("reconstruction")
class Reconstruction(Scheme):
    """Autoencoders: the loss target is the input; with the data's ``denoise`` the network sees a noisy copy."""

    task = "reconstruction"
    compile_targets = ("gm",)

    def __init__(self, context: SchemeContext) -> None:
        super().__init__(context)
        compiled = self._build("model")
        if compiled.training is None:
            raise SchemeError("the autoencoder graph has no loss node — add MSELoss fed by the last layer and "
                              "the Input")
        _single(compiled.input_names, "Input", "model")
        if compiled.target_names:
            raise SchemeError(f"the reconstruction scheme compares the output with the input, but the graph has "
                              f"Target node(s) {', '.join(compiled.target_names)} — wire the Input into the loss's "
                              "target port and delete the Target")
        self.compiled = compiled
        self.graphs = {"model": compiled}
        self.gm = separate_targets(compiled)
        placeholders = [n for n in self.gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 2:
            raise SchemeError("the autoencoder's loss must take the Input itself as its target")
        self.denoise = float(self.project.dataset.denoise)
        self.fixed = sample_batch(context.dataset)
        self.make_steppers()

    def noisy(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.denoise * torch.randn_like(x) if self.denoise > 0 else x

    def make_meter(self, validation: bool) -> Meter:
        return RegressionMeter(self.device)

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(self.noisy(x), x)
        self.steppers[0].step(loss)
        if self.probe is not None:
            self.probe.record_grads("model")
        meter.update(loss, predictions[0], x)

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(self.noisy(x), x)
        meter.update(loss, predictions[0], x)

    def samples(self, epoch: int) -> Samples | None:
        if self.fixed is None or len(self.fixed) == 0:
            return None
        with torch.no_grad(), self.autocast():
            _, predictions = self.gm(self.noisy(self.fixed), self.fixed)
        return Samples(epoch, "reconstruction", self.displayable(predictions[0]), inputs=self.displayable(self.fixed))

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        return _explain_with(self.compiled, self.gm, (x, x), exc)
