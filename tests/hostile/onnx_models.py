"""Hostile ONNX models given to ``import-onnx``: initializers claiming 10^12 values, huge sparse tensors,
external data outside the model's folder or larger than memory, opset 1, files that are not files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.hostile.builders import fifo, sparse_file
from tests.hostile.harness import Case, Invocation

SURFACE = "onnx"


def model(initializers: list[Any] | None = None, *, opset: int = 17, sparse: list[Any] | None = None,
          extra_nodes: list[Any] | None = None, weight: Any = None) -> Any:
    """x (N×4) -> Gemm with W (3×4) and b -> y: a valid model unless the arguments make it otherwise."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    w = weight if weight is not None else numpy_helper.from_array(np.ones((3, 4), np.float32), "W")
    b = numpy_helper.from_array(np.zeros(3, np.float32), "b")
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["y"], transB=1, name="fc"), *(extra_nodes or [])]
    graph = helper.make_graph(nodes, "hostile", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])],
                              [w, b, *(initializers or [])], sparse_initializer=sparse or [])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def _claiming(name: str, count: int) -> Any:
    """A float tensor whose dims say count×count but whose raw data holds 48 bytes (helper.make_tensor refuses)."""
    from onnx import TensorProto

    t = TensorProto()
    t.name, t.data_type, t.raw_data = name, TensorProto.FLOAT, b"\x00" * 48
    t.dims.extend([count, count])
    return t


def _huge_sparse() -> list[Any]:
    """A sparse initializer of 10^6×10^6 values with one of them set (4 TB when made dense)."""
    import numpy as np
    from onnx import helper, numpy_helper

    values = numpy_helper.from_array(np.ones(1, np.float32), "big")
    indices = numpy_helper.from_array(np.zeros(1, np.int64), "big_indices")
    return [helper.make_sparse_tensor(values, indices, [10 ** 6, 10 ** 6])]


def _external(location: str, length: int) -> Any:
    """W stored as external data at ``location`` (relative to the model's folder)."""
    from onnx import TensorProto

    t = TensorProto()
    t.name, t.data_type = "W", TensorProto.FLOAT
    t.dims.extend([3, 4])
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(length))):
        entry = t.external_data.add()
        entry.key, entry.value = key, value
    return t


def _save(m: Any) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        import onnx

        onnx.save(m() if callable(m) else m, str(folder / "m.onnx"))
        return "m.onnx"
    return write


def _bytes(content: bytes | Callable[[Path], bytes]) -> Callable[[Path], str]:
    def write(folder: Path) -> str:
        (folder / "m.onnx").write_bytes(content(folder) if callable(content) else content)
        return "m.onnx"
    return write


def _case(name: str, write: Callable[[Path], str], mention: str | None = None, subprocess_only: bool = False,
          setup: Callable[[Path], object] | None = None) -> Case:
    def make(folder: Path) -> Invocation:
        if setup is not None:
            setup(folder)
        path = write(folder)
        return Invocation(["import-onnx", path, "-o", "imported.nbproj"], mention if mention is not None else path)
    return Case(SURFACE, name, make, subprocess_only)


def _option(name: str, value: str) -> Case:
    """A valid model imported for fine-tuning with a hostile ``--dataset-option``."""
    def make(folder: Path) -> Invocation:
        path = _save(model)(folder)
        return Invocation(["import-onnx", path, "-o", "imported.nbproj", "--new-classes", "3", "--dataset", "iris",
                           "--dataset-option", value], "--dataset-option")
    return Case(SURFACE, name, make)


def _valid_bytes(folder: Path) -> bytes:
    return model().SerializeToString()


def _secret(folder: Path) -> None:
    (folder / "outside").mkdir()
    (folder / "outside" / "secret.bin").write_bytes(b"\x00" * 48)


def _in_sub(folder: Path) -> str:
    import onnx

    (folder / "models").mkdir(exist_ok=True)
    onnx.save(model(weight=_external("../outside/secret.bin", 48)), str(folder / "models" / "m.onnx"))
    return "models/m.onnx"


def _constant_claiming() -> Any:
    from onnx import helper

    return model(extra_nodes=[helper.make_node("Constant", [], ["c"], value=_claiming("c", 10 ** 6), name="const")])


def cases() -> Iterator[Case]:
    yield _case("initializer-claims-10^12", _save(lambda: model(weight=_claiming("W", 10 ** 6))))
    yield _case("sparse-initializer-10^12", _save(lambda: model(sparse=_huge_sparse())))
    yield _case("constant-claims-10^12", _save(_constant_claiming))
    yield _case("external-data-outside-the-folder", _in_sub, mention="models/m.onnx", setup=_secret)
    yield _case("external-data-missing", _save(lambda: model(weight=_external("nothing.bin", 48))))
    yield _case("external-data-a-fifo", _save(lambda: model(weight=_external("w.bin", 48))),
                setup=lambda f: fifo(f, "w.bin"))
    yield _case("external-data-sparse-64GiB", _save(lambda: model(weight=_external("w.bin", 64 * 1024 ** 3))),
                setup=lambda f: sparse_file(f, "w.bin", 64 * 1024 ** 3))
    yield _case("opset-1", _save(lambda: model(opset=1)))
    yield _case("empty", _bytes(b""))
    yield _case("garbage", _bytes(b"\x08\x07garbage" * 64))
    yield _case("truncated", _bytes(lambda f: _valid_bytes(f)[:-20]))
    yield _case("a-project-file", _bytes(b'{"format_version": 1}'))
    yield _case("fifo", lambda f: fifo(f, "m.onnx"))
    yield _case("dev-zero", lambda f: "/dev/zero")
    yield _case("folder", lambda f: ".")
    yield _case("missing", lambda f: "nothing.onnx")
    yield _case("sparse-3GiB-file", lambda f: sparse_file(f, "m.onnx", 3 * 1024 ** 3))
    yield _option("dataset-option-nested-100000", "a=" + "[" * 100_000 + "]" * 100_000)
    yield _option("dataset-option-nested-100", "a=" + "[" * 100 + "]" * 100)
    yield _option("dataset-option-5000-digits", "a=" + "9" * 5000)
    yield _option("dataset-option-no-value", "novalue")
