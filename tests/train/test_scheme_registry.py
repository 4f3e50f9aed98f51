"""A training scheme is one descriptor (graph) + one class (train): a fourth scheme, added here, is read by all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch

from netbuilder.graph import Graph, Project
from netbuilder.graph.diagnostics import ERROR, Diagnostic
from netbuilder.graph.schemes import SCHEMES, SchemeSpec, register_scheme, scheme_names
from netbuilder.graph.settings import DatasetSettings, TrainingSettings
from netbuilder.train import Trainer
from netbuilder.train.metrics import Meter, RegressionMeter
from netbuilder.train.schemes import TRAINING_SCHEMES, Scheme, SchemeContext, training_scheme


def _needs_four_features(project: Project, results: dict) -> list[Diagnostic]:
    graph = project.graphs["net"]
    return [Diagnostic(ERROR, "scheme", f"Input '{n.name}': the toy scheme reads 4 features", n.id, graph="net")
            for n in graph.nodes.values() if n.spec.role == "input" and n.values()["features"] != 4]


class SumOfFeatures(Scheme):
    """Toy self-supervised task: predict the sum of the input's features (no labels, no loss node)."""

    def __init__(self, context: SchemeContext) -> None:
        super().__init__(context)
        self.compiled = self._build("net")
        self.graphs = {"net": self.compiled}
        self.make_steppers()

    def make_meter(self, validation: bool) -> Meter:
        return RegressionMeter(self.device)

    def _loss(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        prediction = self.compiled.model(x)
        target = x.sum(dim=1, keepdim=True)
        return torch.nn.functional.mse_loss(prediction, target), prediction, target

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        loss, prediction, target = self._loss(x)
        self.steppers[0].step(loss)
        meter.update(loss, prediction, target)

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        loss, prediction, target = self._loss(x)
        meter.update(loss, prediction, target)


@pytest.fixture
def toy_scheme() -> Iterator[str]:
    register_scheme(SchemeSpec("sum_of_features", "Sum of features (toy)", "predict the sum of the inputs",
                               {"net": "inference"}, data_graph="net", checks=(_needs_four_features,)))
    training_scheme("sum_of_features")(SumOfFeatures)
    yield "sum_of_features"
    SCHEMES.pop("sum_of_features", None)
    TRAINING_SCHEMES.pop("sum_of_features", None)


def _toy_project(features: int = 4) -> Project:
    graph = Graph("net")
    x = graph.add_node("Input", name="x", params={"kind": "tabular", "features": features})
    fc = graph.add_node("Linear", name="fc", params={"out_features": 1})
    out = graph.add_node("Output", name="sum")
    graph.connect(x.id, "out", fc.id, "in")
    graph.connect(fc.id, "out", out.id, "in")
    return Project("toy", {"net": graph}, DatasetSettings("iris"),
                   TrainingSettings(scheme="sum_of_features", epochs=30, batch_size=16, learning_rate=0.05))


def test_a_registered_scheme_is_a_choice_of_the_project_file_and_the_window(toy_scheme):
    assert toy_scheme in scheme_names()
    project = _toy_project()
    assert project.main_graph_name == "net" and project.data_graph_name == "net"
    assert project.purpose("net") == "inference"


def test_a_registered_schemes_checks_run_with_the_projects_analysis(toy_scheme):
    assert not any(d.is_error for a in _toy_project().analyze().values() for d in a.diagnostics)
    errors = [d for a in _toy_project(features=3).analyze().values() for d in a.diagnostics if d.is_error]
    assert [d.message for d in errors] == ["Input 'x': the toy scheme reads 4 features"]


def test_the_trainer_trains_a_registered_scheme_without_knowing_its_name(toy_scheme, tmp_path):
    torch.manual_seed(0)
    result = Trainer(_toy_project(), out_dir=tmp_path, layer_stats=False).run()
    assert result.reason == "completed", result.message
    first, last = result.history[0].val["loss"], result.history[-1].val["loss"]
    assert last < 0.1 * first  # a linear layer learns a sum
    assert (tmp_path / "best.safetensors").is_file()


def test_an_unknown_scheme_is_refused_with_the_known_ones_named(tmp_path):
    project = _toy_project()
    project.training.scheme = "nonexistent"
    result = Trainer(project, out_dir=tmp_path).run()
    assert result.reason == "error"
    assert "unknown training scheme 'nonexistent'" in result.message and "supervised" in result.message
