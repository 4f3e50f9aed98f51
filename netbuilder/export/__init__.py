"""ONNX out (verified export) and ONNX in (models from elsewhere as editable graphs).

Imports torch and onnx, never Qt. The command-line entry points live in
`netbuilder.cli.export`; the work is done by `export_onnx` and `import_onnx`.
"""

from typing import Any

from netbuilder.export.errors import ExportError, OnnxImportError

__all__ = ["ExportError", "OnnxImportError", "export_onnx", "import_onnx"]


def __getattr__(name: str) -> Any:
    # Lazy so that `import netbuilder.export` (the CLI parser) does not pull in torch and onnx.
    if name == "export_onnx":
        from netbuilder.export.onnx_out import export_onnx
        return export_onnx
    if name == "import_onnx":
        from netbuilder.export.onnx_in import import_onnx
        return import_onnx
    raise AttributeError(name)
