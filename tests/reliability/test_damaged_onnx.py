"""Damaged ONNX files given to "import ONNX": an OnnxImportError naming the file, or a working project.

A small ONNX model (Gemm, Relu, Gemm with weights) is truncated, bit-flipped,
overwritten with random bytes or cut and spliced; `import_onnx` must raise
OnnxImportError or return a project whose graph analyses without errors, and
never let another exception out.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from netbuilder.export.errors import OnnxImportError  # noqa: E402
from netbuilder.export.onnx_in import import_onnx  # noqa: E402
from netbuilder.graph import analyze  # noqa: E402

CASES = 80


def small_model(path: Path) -> bytes:
    rng = np.random.default_rng(0)
    weights = [numpy_helper.from_array(rng.standard_normal((8, 4)).astype(np.float32), "fc1.weight"),
               numpy_helper.from_array(np.zeros(8, np.float32), "fc1.bias"),
               numpy_helper.from_array(rng.standard_normal((3, 8)).astype(np.float32), "fc2.weight"),
               numpy_helper.from_array(np.zeros(3, np.float32), "fc2.bias")]
    nodes = [helper.make_node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h"], transB=1, name="fc1"),
             helper.make_node("Relu", ["h"], ["r"], name="act"),
             helper.make_node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["y"], transB=1, name="fc2")]
    graph = helper.make_graph(nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path.read_bytes()


def _mutate(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return data[:rng.randrange(1, len(data))]
    b = bytearray(data)
    if kind == 1:
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    elif kind == 2:
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    else:
        i, j = sorted(rng.randrange(len(b)) for _ in range(2))
        b = b[:i] + b[j:] + b[i:j]
    return bytes(b)


def test_the_intact_model_imports(tmp_path) -> None:
    small_model(tmp_path / "small.onnx")
    project, state = import_onnx(tmp_path / "small.onnx")
    assert [n.type for n in project.main_graph.nodes.values()].count("Linear") == 2 and state


def test_damaged_onnx_files_raise_onnx_import_errors_naming_the_file(tmp_path) -> None:
    source = small_model(tmp_path / "small.onnx")
    refused = 0
    for seed in range(CASES):
        path = tmp_path / f"case{seed}.onnx"
        path.write_bytes(_mutate(random.Random(seed), source))
        try:
            imported = import_onnx(path)
        except OnnxImportError as exc:
            refused += 1
            assert path.name in str(exc), f"seed {seed}: the error does not name the file: {exc}"
        except Exception as exc:
            pytest.fail(f"seed {seed}: {type(exc).__name__} escaped from import_onnx: {exc}")
        else:  # a flipped weight bit can leave a valid model: then it must be a usable project
            assert analyze(imported.project.main_graph, "inference").ok, f"seed {seed}"
    assert refused > CASES // 2


def test_an_onnx_file_with_a_name_that_is_not_utf8_is_an_import_error(tmp_path) -> None:
    data = small_model(tmp_path / "small.onnx")
    path = tmp_path / "latin1.onnx"
    path.write_bytes(_mutate(random.Random(3), data))  # three flipped bits; one makes a string invalid UTF-8
    with pytest.raises(OnnxImportError, match="latin1.onnx"):
        import_onnx(path)
