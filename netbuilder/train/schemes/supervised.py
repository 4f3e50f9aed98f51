"""Supervised training: a loss node fed by the network's prediction and a Target from the data's labels."""

from __future__ import annotations

import torch

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
        losses = [compiled.node_for_module[n.target] for n in self.gm.graph.nodes
                  if n.op == "call_module" and compiled.node_for_module.get(n.target) in compiled.loss_names]
        if len(losses) > 1:
            # The training graph returns the summed loss and each loss's prediction; the meter scores the
            # first prediction only, so say which one the metrics describe.
            metric = "accuracy is" if self.task == "classification" else "mse and mae are"
            self.notes.append(f"the graph has {len(losses)} losses ({', '.join(losses)}): 'loss' is their sum; "
                              f"{metric} those of the prediction fed to '{losses[0]}'")
        self.make_steppers()

    def make_meter(self, validation: bool) -> Meter:
        if self.task == "classification":
            return ClassificationMeter(self.device, self.num_classes, confusion=validation)
        return RegressionMeter(self.device)

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(x, y)
        self.steppers[0].step(loss)
        if self.probe is not None:
            self.probe.record_grads("model")
        meter.update(loss, predictions[0], y)

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(x, y)
        meter.update(loss, predictions[0], y)

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        return _explain_with(self.compiled, self.gm, (x, y), exc)
