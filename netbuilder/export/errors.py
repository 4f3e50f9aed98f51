"""Why an export or an import was refused, in the user's words."""

from __future__ import annotations


class ExportError(RuntimeError):
    """The ONNX file could not be written, or failed its check or the parity run."""


class OnnxImportError(ValueError):
    """An ONNX model cannot become a netbuilder graph; the message says which nodes and why.

    ``unsupported`` maps each offending ONNX node name to the reason, so a UI
    can list them; the message already lists them all at once.
    """

    def __init__(self, message: str, unsupported: dict[str, str] | None = None, file: str = "") -> None:
        self.unsupported = dict(unsupported or {})
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)
