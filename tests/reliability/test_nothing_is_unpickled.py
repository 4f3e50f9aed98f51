"""Security: nothing loaded from disk is unpickled or evaluated.

A checkpoint crafted to run code when unpickled (its data.pkl calls
``builtins.open(marker, "w")`` on load) is refused by every loader in the
project without creating the marker; and a static scan of the sources proves
that every ``torch.load`` passes ``weights_only=True``, every ``np.load``
passes ``allow_pickle=False``, and no module imports pickle (or its
relatives) or calls eval/exec.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "netbuilder"


def malicious_pickle(marker: Path) -> bytes:
    """Pickle opcodes (protocol 2) for ``builtins.open(str(marker), "w")``: unpickling it creates ``marker``.

    Written opcode by opcode so that building it runs nothing.
    """
    def unicode(text: str) -> bytes:
        data = text.encode("utf-8")
        return b"X" + len(data).to_bytes(4, "little") + data  # BINUNICODE

    return (b"\x80\x02"  # PROTO 2
            + b"cbuiltins\nopen\n"  # GLOBAL builtins.open
            + unicode(str(marker)) + unicode("w")
            + b"\x86"  # TUPLE2
            + b"R"  # REDUCE: call open(marker, "w")
            + b".")  # STOP


def crafted_checkpoint(path: Path, marker: Path) -> Path:
    """A real torch.save zip checkpoint whose data.pkl was swapped for the malicious pickle."""
    import torch

    buffer = io.BytesIO()
    torch.save({"fc.weight": torch.zeros(2, 2)}, buffer)
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename.endswith("data.pkl"):
                data = malicious_pickle(marker)
            out.writestr(info, data)
    return path


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "pwned"


def test_the_crafted_file_really_runs_code_when_unpickled(tmp_path, marker) -> None:
    # The control: plain pickle (in a throwaway process) does run the payload, so the refusals below mean something.
    payload = tmp_path / "payload.pkl"
    payload.write_bytes(malicious_pickle(marker))
    subprocess.run([sys.executable, "-c", f"import pickle; pickle.load(open({str(payload)!r}, 'rb'))"], check=True)
    assert marker.exists()


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".safetensors", ".ckpt"])
def test_the_training_checkpoint_loader_refuses_a_code_running_checkpoint(tmp_path, marker, suffix) -> None:
    from netbuilder.train.checkpoint import CheckpointError, read_checkpoint

    path = crafted_checkpoint(tmp_path / f"evil{suffix}", marker)
    with pytest.raises(CheckpointError, match="evil"):
        read_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".safetensors"])
def test_the_export_weight_loader_refuses_a_code_running_checkpoint(tmp_path, marker, suffix) -> None:
    from netbuilder.export.errors import ExportError
    from netbuilder.export.weights import load_weights

    path = crafted_checkpoint(tmp_path / f"evil{suffix}", marker)
    with pytest.raises(ExportError, match="evil"):
        load_weights(path)
    assert not marker.exists()


def test_a_bare_pickle_is_refused_by_torch_loading_as_the_project_does(tmp_path, marker) -> None:
    import pickle

    import torch

    path = tmp_path / "legacy.pt"
    path.write_bytes(malicious_pickle(marker))
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, map_location="cpu", weights_only=True)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["evil.nbproj", "evil.pkl"])
def test_the_project_loader_refuses_a_pickle(tmp_path, marker, name) -> None:
    from netbuilder.graph import ProjectFileError, load_project

    path = tmp_path / name
    path.write_bytes(malicious_pickle(marker))
    with pytest.raises(ProjectFileError, match=name):
        load_project(path)
    assert not marker.exists()


def test_the_data_loader_refuses_an_npz_of_python_objects(tmp_path, marker) -> None:
    from netbuilder.data import DataError
    from netbuilder.data.files import read_npz

    # An .npz whose 'x' is an object array: numpy stores it pickled, with our payload inside.
    npy = (b"\x93NUMPY\x01\x00" + _npy_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }")
           + malicious_pickle(marker))
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.npy", npy)
    with pytest.raises(DataError, match="evil.npz"):
        read_npz(path, {})
    assert not marker.exists()


def _npy_header(text: str) -> bytes:
    header = text.encode("latin1")
    pad = 64 - (10 + len(header) + 1) % 64
    header += b" " * pad + b"\n"
    return len(header).to_bytes(2, "little") + header


# ---- static: the sources never unpickle or evaluate ------------------------------------------------
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "marshal", "shelve", "joblib"}
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


def _keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name and isinstance(kw.value, ast.Constant):
            return kw.value.value
    return None


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_the_scan_sees_the_whole_package() -> None:
    assert len(SOURCES) > 40 and any(p.name == "checkpoint.py" for p in SOURCES)


def test_every_torch_load_passes_weights_only_true() -> None:
    bad = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _calls(tree):
            name = _dotted(call.func)
            # TorchScript archives are unpickled with no allow-list.
            if name.endswith("jit.load") or name == "torch.load" and _keyword(call, "weights_only") is not True:
                bad.append(_where(path, call))
        # Generated code (code export, training script) is our output too: its torch.load lines count.
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"torch\.load\(", line) and "weights_only=True" not in line:
                bad.append(f"{path.relative_to(ROOT)}:{i}")
    assert not bad, f"torch.load without weights_only=True at {sorted(set(bad))}"


def test_every_numpy_load_refuses_pickles() -> None:
    bad = [_where(path, call) for path in SOURCES for call in _calls(ast.parse(path.read_text(encoding="utf-8")))
           if _dotted(call.func) in ("np.load", "numpy.load") and _keyword(call, "allow_pickle") is not False]
    assert not bad, f"np.load without allow_pickle=False at {bad}"


def test_no_module_imports_pickle_or_its_relatives() -> None:
    bad = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] in FORBIDDEN_MODULES for n in names):
                bad.append(_where(path, node))
    assert not bad, f"pickle-like imports at {bad}"


def test_nothing_calls_eval_or_exec() -> None:
    # Qt's app.exec() is a method, not the builtin; only bare eval/exec/compile names are the builtins.
    bad = [_where(path, call) for path in SOURCES for call in _calls(ast.parse(path.read_text(encoding="utf-8")))
           if isinstance(call.func, ast.Name) and call.func.id in ("eval", "exec", "__import__")]
    assert not bad, f"eval/exec at {bad}"


def test_no_yaml_or_torch_unsafe_loading_switch_is_used() -> None:
    text = {p: p.read_text(encoding="utf-8") for p in SOURCES}
    bad = [str(p.relative_to(ROOT)) for p, t in text.items()
           if "weights_only=False" in t or "yaml.load(" in t or "allow_pickle=True" in t]
    assert not bad, f"unsafe loading switches in {bad}"
