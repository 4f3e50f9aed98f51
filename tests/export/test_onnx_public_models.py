"""Models no one here wrote: PyTorch's operator tests as shipped in the onnx package (opset 6).

One per family the catalog gained layers for; each must import and give the expected output stored beside
it. bench/onnx_import_coverage.py runs all of them (and the model zoo) and exports them again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from onnx import numpy_helper

from netbuilder.compile import build
from netbuilder.export.onnx_in import import_onnx

CONVERTED = Path(onnx.__file__).parent / "backend" / "test" / "data" / "pytorch-converted"

CASES = {
    "Conv2d": "Conv2d",  # a 3×2 kernel, 3×1 strides
    "Conv2d_depthwise_with_multiplier": "Conv2d",
    "ConvTranspose2d": "ConvTranspose2d",  # strides 3×2
    "AvgPool1d": "AvgPool2d",  # written as Unsqueeze, a k×1 pool, Squeeze
    "MaxPool2d_stride_padding_dilation": "MaxPool2d",
    "GLU_dim": "Split",
    "PixelShuffle": "Permute",  # written as Reshape, Transpose, Reshape
    "PReLU_1d_multiparam": "PReLU",
    "ReflectionPad2d": "ReflectionPad2d",
    "Softsign": "Divide",  # written as x / (1 + |x|)
    "SELU": "SELU",
    "Softmin": "Negate",
}


def _read(path: Path) -> np.ndarray:
    tensor = onnx.TensorProto()
    tensor.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(tensor)


@pytest.mark.parametrize("name", CASES)
def test_a_pytorch_operator_test_model_imports_and_gives_its_expected_output(name):
    folder = CONVERTED / f"test_{name}"
    project, state = import_onnx(folder / "model.onnx")
    graph = project.graphs["model"]
    assert CASES[name] in {n.type for n in graph.nodes.values()}
    compiled = build(graph, "inference")
    compiled.load_state_dict(state)
    compiled.eval()
    x = torch.from_numpy(np.array(_read(folder / "test_data_set_0" / "input_0.pb")))  # writable
    expected = _read(folder / "test_data_set_0" / "output_0.pb")
    with torch.no_grad():
        got = compiled.model(x).numpy()
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() <= 1e-4
