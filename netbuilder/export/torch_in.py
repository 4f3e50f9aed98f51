"""A user's PyTorch ``nn.Module`` -> an editable netbuilder project with its weights, through ONNX.

The class is loaded from the user's Python file (which runs that file's code: the
user asked for exactly that), built with no arguments, optionally given a state
dict, and exported with torch's ONNX exporter (dynamo, then TorchScript if dynamo
fails) to a temporary file that `import_onnx` reads like any other model. So a
module imports exactly when its ONNX form does, with the same mapping table and
the same refusals; layers keep their module paths as names (``features.0``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from netbuilder.export.quiet import quiet_exporters
from netbuilder.export.errors import OnnxImportError
from netbuilder.export.onnx_in import ImportedModel, import_onnx
from netbuilder.export.onnx_rnn_out import translations


@dataclass(frozen=True)
class InputSpec:
    """One input of the module: the shape of a sample (without the batch) and whether it holds token ids."""

    dims: tuple[int, ...]
    tokens: bool = False

    @staticmethod
    def parse(text: str) -> InputSpec:
        """``3,32,32`` (floats) or ``16:int`` (token ids); ``x`` and ``×`` separate sizes too."""
        shape, _, kind = text.partition(":")
        if kind not in ("", "int", "float"):
            raise ValueError(f"input shape {text!r}: the type after ':' is int (token ids) or float")
        try:
            dims = tuple(int(d) for d in shape.replace("×", ",").replace("x", ",").split(",") if d.strip())
        except ValueError:
            raise ValueError(f"input shape {text!r} is not whole numbers such as 3,32,32") from None
        if not dims or any(d < 1 for d in dims):
            raise ValueError(f"input shape {text!r} needs positive sizes, one per axis of a sample, e.g. 3,32,32")
        return InputSpec(dims, kind == "int")


def load_module_class(target: str) -> type[nn.Module]:
    """``path/to/file.py:ClassName`` -> the class (running the file, as ``python file.py`` would import it)."""
    file, sep, class_name = target.rpartition(":")
    if not sep or not file or not class_name:
        raise OnnxImportError(f"{target!r}: give FILE.py:ClassName, e.g. model.py:Net")
    path = Path(file)
    if not path.is_file():
        raise OnnxImportError("no such file", file=str(path))
    name = f"_netbuilder_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise OnnxImportError("not a Python file that can be imported", file=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))  # the file may import its neighbours
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's code failed: say where, keep the reason
        raise OnnxImportError(f"running the file failed: {type(exc).__name__}: {exc}", file=str(path)) from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    cls = getattr(module, class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        found = sorted(k for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, nn.Module)
                       and v.__module__ == name)
        raise OnnxImportError(f"it has no nn.Module class {class_name!r} (its modules: "
                              f"{', '.join(found) or 'none'})", file=str(path))
    return cls


def import_torch(target: str, inputs: Sequence[InputSpec], *, weights: str | os.PathLike[str] | None = None,
                 name: str | None = None, verify: bool = True) -> ImportedModel:
    """Import the ``nn.Module`` class ``FILE.py:ClassName`` (built with no arguments) with its weights.

    ``inputs`` gives each forward argument's sample shape; ``weights`` a state dict file (``torch.save``,
    read with ``weights_only=True``) to load first. Raises OnnxImportError when the class cannot be built,
    exported or imported, listing every unsupported operation as ONNX import does.
    """
    cls = load_module_class(target)
    file = target.rpartition(":")[0]
    try:
        model = cls()
    except TypeError as exc:
        raise OnnxImportError(f"{cls.__name__}() cannot be built without arguments ({exc}) — give its "
                              "constructor defaults", file=file) from None
    if weights is not None:
        try:
            state = torch.load(str(weights), map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        except Exception as exc:  # unreadable or not this model's: both refuse the import with the reason
            raise OnnxImportError(f"the weights {weights} do not load into {cls.__name__}: {exc}",
                                  file=file) from None
    model.eval()
    args = tuple(torch.randint(0, 2, (2, *i.dims)) if i.tokens else torch.randn(2, *i.dims) for i in inputs)
    names = [f"input_{i}" if len(inputs) > 1 else "x" for i in range(len(inputs))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{cls.__name__}.onnx"
        _export(model, args, names, path, file)
        return import_onnx(path, name=name or cls.__name__, verify=verify)


def _export(model: nn.Module, args: tuple[torch.Tensor, ...], names: list[str], path: Path, file: str) -> None:
    """ONNX of ``model`` with a dynamic batch axis: the dynamo exporter, else the TorchScript one."""
    reason = ""
    with quiet_exporters():
        try:
            batch = torch.export.Dim("batch")
            torch.onnx.export(model, args, str(path), dynamo=True, dynamic_shapes=tuple({0: batch} for _ in args),
                              input_names=names, external_data=False, custom_translation_table=translations())
            return
        except Exception as exc:  # the fallback below says why if it fails too
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        try:
            torch.onnx.export(model, args, str(path), dynamo=False, input_names=names,
                              dynamic_axes={n: {0: "batch"} for n in names}, opset_version=17)
        except Exception as exc:
            raise OnnxImportError(f"torch cannot export the module to ONNX: dynamo ({reason[:200]}); TorchScript "
                                  f"({type(exc).__name__}: {str(exc).strip()[:200]})", file=file) from None


