"""Imported networks come in blocks named after their source and laid out in layers, so big ones stay readable."""

from __future__ import annotations

import textwrap
from pathlib import Path

import onnx
import pytest
from onnx import helper

from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.onnx_paths import module_path
from netbuilder.export.torch_in import InputSpec, import_torch

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"

RESIDUAL = textwrap.dedent('''
    import torch
    from torch import nn


    class Basic(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.relu, self.conv2 = nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            return torch.relu(x + self.conv2(self.relu(self.conv1(x))))


    class TinyResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 4, 3, padding=1)
            self.layer1 = nn.Sequential(Basic(), Basic())
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(self.layer1(self.stem(x)).mean((2, 3)))
''')


def _blocks(graph) -> dict[str, int]:
    return {g.name: len(graph.group_members(gid)) for gid, g in graph.groups.items()}


@pytest.mark.parametrize(("name", "scopes", "weight", "path"), [
    ("/layer1/layer1.0/conv1/Conv", None, "", "layer1.0.conv1"),  # TorchScript exporter
    ("/layer1/layer1.0/Add", None, "", "layer1.0"),
    ("node_conv2d_1", "['', 'layer1', 'layer1.0', 'layer1.0.conv1', 'conv2d_1']", "", "layer1.0.conv1"),  # dynamo
    ("node_add", "['', 'layer1', 'layer1.0', 'add']", "", "layer1.0"),
    ("", None, "features.3.weight", "features.3"),  # weights named after their module
    ("layer2.1.bn", None, "", "layer2.1.bn"),
    ("n12", None, "gpu_0/res2_0_branch2a_w_0", ""),  # old model-zoo files: output ids, no path
])
def test_the_module_path_is_read_from_each_place_exporters_leave_it(name, scopes, weight, path):
    node = helper.make_node("Relu", ["x"], ["y"], name=name)
    if scopes is not None:
        helper.set_metadata_props(node, {"pkg.torch.onnx.name_scopes": scopes})
    assert module_path(node, weight) == path


def test_resnet50_from_the_model_zoo_comes_in_collapsed_repeated_blocks_by_stage():
    graph = import_onnx(LIGHT / "light_resnet50.onnx", verify=False).project.graphs["model"]
    stages: dict[str, int] = {}
    for name in _blocks(graph):
        stage = name.split(".")[0]
        stages[stage] = stages.get(stage, 0) + 1
    assert stages == {"stage1": 3, "stage2": 4, "stage3": 6, "stage4": 3}  # ResNet-50's 3-4-6-3 bottlenecks
    assert all(g.collapsed for g in graph.groups.values())


def test_a_torch_module_imports_in_blocks_named_after_its_submodules(tmp_path):
    source = tmp_path / "tiny.py"
    source.write_text(RESIDUAL)
    graph = import_torch(f"{source}:TinyResNet", [InputSpec((3, 8, 8))], verify=False).project.graphs["model"]
    assert _blocks(graph) == {"layer1.0": 5, "layer1.1": 5}
    assert not any(g.collapsed for g in graph.groups.values())  # a small graph opens expanded
