"""A user's nn.Module (FILE.py:ClassName) becomes an editable project with its weights."""

from __future__ import annotations

import textwrap
from collections import Counter

import numpy as np
import pytest
import torch

from netbuilder.compile import build
from netbuilder.export.errors import OnnxImportError
from netbuilder.export.torch_in import InputSpec, import_torch

MODULES = textwrap.dedent('''
    import torch
    from torch import nn


    class InvertedResidual(nn.Module):
        def __init__(self, c=8, expand=3):
            super().__init__()
            h = c * expand
            self.block = nn.Sequential(
                nn.Conv2d(c, h, 1, bias=False), nn.BatchNorm2d(h), nn.ReLU6(),
                nn.Conv2d(h, h, 3, padding=1, groups=h, bias=False), nn.BatchNorm2d(h), nn.ReLU6(),
                nn.Conv2d(h, c, 1, bias=False), nn.BatchNorm2d(c))

        def forward(self, x):
            return x + self.block(x)


    class MobileNetish(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU6(), InvertedResidual())
            self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))

        def forward(self, x):
            return self.classifier(self.features(x))


    class Tagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(30, 8)
            self.rnn = nn.RNN(8, 6, batch_first=True)
            self.head = nn.Linear(6, 3)

        def forward(self, tokens):
            return self.head(self.rnn(self.embed(tokens))[0])


    class NeedsArguments(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.fc = nn.Linear(width, width)


    class Sorts(nn.Module):
        def forward(self, x):
            return torch.sort(x, dim=-1)[0]
''')


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "models.py"
    path.write_text(MODULES)
    return path


def _types(result) -> Counter:
    return Counter(n.type for n in result.project.graphs["model"].nodes.values() if n.spec.role == "layer")


def test_a_mobilenet_style_module_imports_with_depthwise_convolutions_and_relu6(model_file):
    result = import_torch(f"{model_file}:MobileNetish", [InputSpec.parse("3,16,16")])
    types = _types(result)
    assert types["ReLU6"] == 3 and types["Linear"] == 1 and types["Add"] == 1
    convs = [n for n in result.project.graphs["model"].nodes.values() if n.type == "Conv2d"]
    assert any(n.params.get("groups", 1) == 24 for n in convs)  # the depthwise one
    assert result.project.name == "MobileNetish"


def test_the_imported_module_computes_what_the_module_computes_with_its_weights(model_file, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("user_models", model_file)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    torch.manual_seed(3)
    original = module.MobileNetish().eval()
    torch.save(original.state_dict(), tmp_path / "weights.pt")
    result = import_torch(f"{model_file}:MobileNetish", [InputSpec.parse("3x16x16")], weights=tmp_path / "weights.pt")
    compiled = build(result.project.graphs["model"], "inference")
    compiled.load_state_dict(result.state)
    compiled.eval()
    x = torch.randn(4, 3, 16, 16)
    with torch.no_grad():
        assert np.abs((compiled.model(x) - original(x)).numpy()).max() <= 1e-5


def test_token_inputs_and_a_plain_rnn_import_as_embedding_and_rnn(model_file):
    result = import_torch(f"{model_file}:Tagger", [InputSpec.parse("7:int")])
    assert _types(result) == Counter({"Embedding": 1, "RNN": 1, "Linear": 1})


@pytest.mark.parametrize("target,message", [
    ("models.py", "give FILE.py:ClassName"),
    ("missing.py:Net", "no such file"),
    ("{file}:Nope", "no nn.Module class 'Nope' (its modules: InvertedResidual, MobileNetish, NeedsArguments"),
    ("{file}:NeedsArguments", "cannot be built without arguments"),
])
def test_a_target_that_is_not_a_buildable_module_is_refused_with_the_reason(model_file, target, message):
    with pytest.raises(OnnxImportError, match=message.replace("(", r"\(")):
        import_torch(target.format(file=model_file), [InputSpec.parse("4")])


def test_an_operation_with_no_layer_is_refused_naming_it(model_file):
    with pytest.raises(OnnxImportError, match="TopK"):
        import_torch(f"{model_file}:Sorts", [InputSpec.parse("6")])


@pytest.mark.parametrize("text", ["", "3,,0", "a,b", "3:float64"])
def test_an_input_shape_that_is_not_positive_sizes_is_refused(text):
    with pytest.raises(ValueError):
        InputSpec.parse(text)


def test_the_command_writes_the_project_and_its_weights(model_file, tmp_path, capsys):
    from netbuilder.cli import main
    from netbuilder.graph import load_project

    out = tmp_path / "mobile.nbproj"
    assert main(["import-torch", f"{model_file}:MobileNetish", "--input-shape", "3,16,16", "-o", str(out)]) == 0
    assert "imported" in capsys.readouterr().out
    project = load_project(out)
    assert (tmp_path / "mobile.safetensors").exists()
    assert build(project.graphs["model"], "inference").input_shapes["x"].dims == (3, 16, 16)


def test_the_command_writes_nothing_when_the_module_is_refused(model_file, tmp_path, capsys):
    from netbuilder.cli import main

    out = tmp_path / "sorts.nbproj"
    assert main(["import-torch", f"{model_file}:Sorts", "--input-shape", "6", "-o", str(out)]) == 1
    assert "TopK" in capsys.readouterr().err and not out.exists()
