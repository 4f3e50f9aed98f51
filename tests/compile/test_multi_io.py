"""Several inputs, outputs and losses: argument and result order, and the summed training loss."""

from __future__ import annotations

import subprocess
import sys

import torch
from torch import nn

from netbuilder.compile import build
from netbuilder.graph import Graph
from tests.compile.graphs import add, chain, output


def _two_headed() -> Graph:
    """Two inputs merged by Add and Multiply; a class head and a value head, each with an Output and a loss."""
    g = Graph("two_heads")
    a = chain(g, add(g, "Input", "a", kind="tabular", features=4), ("Linear", {"out_features": 8, "name": "fa"}))
    b = chain(g, add(g, "Input", "b", kind="tabular", features=6), ("Linear", {"out_features": 8, "name": "fb"}))
    both, gate = g.add_node("Add", name="both"), g.add_node("Multiply", name="gate")
    for merge in (both, gate):
        g.connect(a.id, "out", merge.id, "a")
        g.connect(b.id, "out", merge.id, "b")
    classes = chain(g, both, ("Linear", {"out_features": 3, "name": "classes"}))
    value = chain(g, gate, ("Linear", {"out_features": 1, "name": "value"}))
    output(g, classes, "class_scores")
    output(g, value, "estimate")
    t1 = g.add_node("Target", name="label", params={"kind": "classes", "classes": 3})
    t2 = g.add_node("Target", name="amount", params={"kind": "values", "shape": [1]})
    for loss_type, name, pred, target in (("CrossEntropyLoss", "ce", classes, t1), ("MSELoss", "mse", value, t2)):
        loss = g.add_node(loss_type, name=name)
        g.connect(pred.id, "out", loss.id, "pred")
        g.connect(target.id, "out", loss.id, "target")
    return g


def test_inference_takes_inputs_and_returns_outputs_in_drawing_order():
    compiled = build(_two_headed())
    assert compiled.input_names == ["a", "b"] and compiled.output_names == ["class_scores", "estimate"]
    scores, estimate = compiled.model(torch.randn(5, 4), torch.randn(5, 6))
    assert scores.shape == (5, 3) and estimate.shape == (5, 1)


def test_training_loss_is_the_sum_of_the_loss_nodes():
    compiled = build(_two_headed())
    a, b, label, amount = torch.randn(5, 4), torch.randn(5, 6), torch.randint(0, 3, (5,)), torch.randn(5, 1)
    total, (scores, estimate) = compiled.training(a, b, label, amount)
    expected = nn.functional.cross_entropy(scores, label) + nn.functional.mse_loss(estimate, amount)
    assert torch.allclose(total, expected, atol=1e-6)
    assert compiled.target_names == ["label", "amount"] and compiled.loss_names == ["ce", "mse"]


def test_importing_the_compile_cli_does_not_import_torch_or_qt():
    code = ("import sys, netbuilder.cli.code; "
            "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_compiling_and_exporting_code_does_not_import_qt():
    code = ("import sys; from netbuilder.compile.codegen import generate_code; "
            "print('PySide6' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
