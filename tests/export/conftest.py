"""Shared fixtures for the export tests: few threads, example projects, each example exported once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from netbuilder.graph import Project, load_project

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"
EXAMPLES = ("mlp_iris", "cnn_digits", "lstm_sine", "autoencoder_digits", "gan_digits", "residual_wine", "rnn_vs_lstm")


@pytest.fixture(autouse=True, scope="session")
def _few_threads():
    torch.set_num_threads(2)  # the machine is shared


def example(name: str) -> Project:
    return load_project(EXAMPLES_DIR / f"{name}.nbproj")


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """name -> (ONNX path, ExportReport) for every example project, exported once for all tests."""
    from netbuilder.export.onnx_out import export_onnx

    folder = tmp_path_factory.mktemp("examples_onnx")
    torch.manual_seed(0)
    return {name: (folder / f"{name}.onnx", export_onnx(example(name), folder / f"{name}.onnx"))
            for name in EXAMPLES}


def ort_run(path, *arrays: np.ndarray) -> list[np.ndarray]:
    """Outputs of the ONNX file at ``path`` in onnxruntime."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, dict(zip(names, arrays)))


def random_batch(path, batch: int, seed: int = 0) -> list[np.ndarray]:
    """Random float inputs of the file's per-sample shapes."""
    import onnx

    rng = np.random.default_rng(seed)
    model = onnx.load(str(path))
    return [rng.normal(size=(batch, *[d.dim_value for d in i.type.tensor_type.shape.dim[1:]])).astype(np.float32)
            for i in model.graph.input]
