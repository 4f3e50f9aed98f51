"""Supervised training: a loss node fed by the network's prediction and a Target from the data's labels."""

from __future__ import annotations

import copy

import torch
from torch import fx

from netbuilder.train.metrics import ClassificationMeter, Meter, RegressionMeter
from netbuilder.train.schemes.base import Scheme, SchemeContext, SchemeError, _explain_with, _single, training_scheme


@training_scheme("supervised")
class Supervised(Scheme):
    """A loss node fed by a prediction and a Target: classification or regression."""

    compile_targets = ("gm",)

    def __init__(self, context: SchemeContext) -> None:
        super().__init__(context)
        compiled = self._build("model")
        if compiled.training is None:
            raise SchemeError("the graph 'model' has no loss node — add one (e.g. CrossEntropyLoss) fed by the "
                              "prediction and a Target")
        _single(compiled.input_names, "Input", "model")
        _single(compiled.target_names, "Target", "model")
        self.compiled = compiled
        self.graphs = {"model": compiled}
        self.gm = compiled.training
        target = compiled.target_shapes[compiled.target_names[0]]
        self.task = "classification" if target.dtype == "int" else "regression"
        self.num_classes = context.dataset.num_classes or compiled._classes(compiled.target_names[0])
        calls = [n for n in self.gm.graph.nodes
                 if n.op == "call_module" and compiled.node_for_module.get(str(n.target)) in compiled.loss_names]
        losses = [compiled.node_for_module[str(n.target)] for n in calls]
        self.part_names: tuple[str, ...] = ()
        if len(losses) > 1:
            # The training graph returns the summed loss and each loss's prediction; the meter scores the
            # first prediction only, so say which one the metrics describe. Each loss is reported on its
            # own too, so two networks drawn side by side (rnn_vs_lstm) can be compared.
            metric = "accuracy is" if self.task == "classification" else "mse and mae are"
            self.notes.append(f"the graph has {len(losses)} losses ({', '.join(losses)}): 'loss' is their sum; "
                              f"{metric} those of the prediction fed to '{losses[0]}'")
            self.gm = with_loss_parts(self.gm, [str(n.target) for n in calls])
            self.part_names = tuple(loss_part_name(name) for name in losses)
        self.make_steppers()

    def make_meter(self, validation: bool) -> Meter:
        meter: Meter
        if self.task == "classification":
            meter = ClassificationMeter(self.device, self.num_classes, confusion=validation)
        else:
            meter = RegressionMeter(self.device)
        return meter.track_parts(self.part_names)

    def _forward(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> torch.Tensor:
        with self.autocast():
            out = self.gm(x, y)
        loss, predictions = out[0], out[1]
        meter.update(loss, predictions[0], y)
        if self.part_names:
            meter.add_loss_parts(torch.stack([part.detach().float() for part in out[2]]))
        return loss

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        loss = self._forward(x, y, meter)
        self.steppers[0].step(loss)
        if self.probe is not None:
            self.probe.record_grads("model")

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        self._forward(x, y, meter)

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        return _explain_with(self.compiled, self.gm, (x, y), exc)


def loss_part_name(node_name: str) -> str:
    """The metric name of one loss node's value: its name, made to end in ``loss`` (``rnn_loss``, ``mse_loss``)."""
    return node_name if node_name.endswith("_loss") else f"{node_name}_loss"


def with_loss_parts(gm: fx.GraphModule, loss_modules: list[str]) -> fx.GraphModule:
    """The training graph returning each loss too: ``(total, predictions, (loss_1, loss_2, ...))``, losses in
    the order of ``loss_modules`` (the graph's own order). The sum and its gradients are unchanged."""
    graph = copy.deepcopy(gm.graph)
    by_module = {str(n.target): n for n in graph.nodes if n.op == "call_module"}
    output = next(n for n in graph.nodes if n.op == "output")
    total, predictions = output.args[0]  # the builder's (total, predictions) pair
    output.args = ((total, predictions, tuple(by_module[m] for m in loss_modules)),)
    graph.lint()
    return fx.GraphModule(gm, graph, class_name=type(gm).__name__)
