"""`ExportDialog`: ONNX (with its parity figure), weights (safetensors) or PyTorch code, errors shown in full.

torch and onnx are imported when Export is clicked, not when the dialog opens.
"""

from __future__ import annotations

import shutil
import traceback
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from netbuilder.graph.project import Project

FORMATS = {  # key -> (label, suffix, file filter)
    "onnx": ("ONNX model (checked, parity-tested)", ".onnx", "ONNX model (*.onnx)"),
    "weights": ("Weights (safetensors)", ".safetensors", "safetensors weights (*.safetensors)"),
    "code": ("PyTorch code (.py)", ".py", "Python source (*.py)"),
}
OK_COLOUR = "#2e9e48"
ERROR_COLOUR = "#d93025"


class ExportDialog(QDialog):
    """Pick what to export and where; `export()` does it and shows the outcome in the dialog."""

    def __init__(self, project: Project, checkpoint: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.project = project
        self.checkpoint = checkpoint if checkpoint is not None and Path(checkpoint).is_file() else None
        self.report = None  # the last ExportReport (ONNX)
        self.error = ""

        self.format = QComboBox()
        for key, (label, _, _) in FORMATS.items():
            self.format.addItem(label, key)
        self.graph = QComboBox()
        self.graph.addItems(list(project.graphs))
        self.graph.setCurrentText(project.main_graph.name if project.main_graph.name in project.graphs
                                  else next(iter(project.graphs)))
        self.weights_note = QLabel(f"Trained weights: {self.checkpoint}" if self.checkpoint else
                                   "No trained weights yet: the initial (untrained) weights are exported. "
                                   "Train first to export what the network learned.")
        self.weights_note.setWordWrap(True)
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.parity = QLabel("")
        self.parity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(140)
        self.details.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Export", self.format)
        form.addRow("Graph", self.graph)
        form.addRow("Weights", self.weights_note)
        form.addRow("File", row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.parity)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._suggest_path)
        self.graph.currentIndexChanged.connect(self._suggest_path)
        self._suggest_path()

    def _suggest_path(self, *_: object) -> None:
        suffix = FORMATS[self.format.currentData()][1]
        folder = self.project.path.parent if self.project.path else Path.cwd()
        stem = self.project.path.stem if self.project.path else (self.project.name.replace(" ", "_") or "model")
        graph = self.graph.currentText()
        name = stem if graph == self.project.main_graph.name else f"{stem}_{graph}"
        current = self.path.text().strip()
        if not current or Path(current).suffix in {f[1] for f in FORMATS.values()}:
            base = Path(current).with_suffix("") if current else folder / name
            self.path.setText(str(base.with_suffix(suffix)))

    def _browse(self) -> None:
        kind = self.format.currentData()
        path = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), FORMATS[kind][2])[0]
        if path:
            self.path.setText(path)

    def set_format(self, key: str) -> None:
        self.format.setCurrentIndex(self.format.findData(key))

    # ---- exporting -----------------------------------------------------------------------------------
    def export(self) -> bool:
        """Export as chosen; the dialog shows what was written or why not (never a silent failure)."""
        self.report, self.error = None, ""
        self.parity.setText("")
        self.details.hide()
        text = self.path.text().strip()
        if not text:
            return self._fail("Choose a file to export to.")
        path = Path(text)
        if not path.parent.is_dir():
            return self._fail(f"The folder {path.parent} does not exist — choose another place.")
        self._show("Exporting…", "")
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            kind = self.format.currentData()
            message = {"onnx": self._onnx, "weights": self._weights, "code": self._code}[kind](path)
        except Exception as exc:  # every failure is shown, with the details for a bug report
            from netbuilder.export.errors import ExportError

            known = isinstance(exc, (ExportError, OSError, ValueError))
            return self._fail(f"Export failed: {exc}", "" if known else traceback.format_exc())
        finally:
            QGuiApplication.restoreOverrideCursor()
        self._show(message, OK_COLOUR)
        return True

    def _onnx(self, path: Path) -> str:
        from netbuilder.export import export_onnx
        from netbuilder.export.parity import TOLERANCE

        report = export_onnx(self.project, path, weights=self.checkpoint, graph_name=self.graph.currentText())
        self.report = report
        diffs = ", ".join(f"batch {b}: {d:.2e}" for b, d in report.max_abs_diff.items())
        self.parity.setText(f"Parity with PyTorch (onnxruntime, max |difference|): {diffs} — limit {TOLERANCE:g} ✔")
        self.parity.setStyleSheet(f"color: {OK_COLOUR}; font-weight: bold;")
        return (f"Wrote {report.path} — opset {report.opset}, {report.exporter} exporter, onnx.checker passed, "
                f"{report.seconds:.1f} s." + (f"\nDynamo failed: {report.fallback_reason}"
                                              if report.fallback_reason else ""))

    def _weights(self, path: Path) -> str:
        if self.checkpoint is not None:
            shutil.copyfile(self.checkpoint, path)
            return f"Wrote the trained weights ({self.checkpoint.name}) to {path}."
        from netbuilder.compile import build
        from netbuilder.export.weights import save_weights

        name = self.graph.currentText()
        compiled = build(self.project.graphs[name], self.project.purpose(name))
        save_weights(compiled.state_dict(), path, {name: dict(compiled.node_for_module)})
        return f"Wrote the initial (untrained) weights to {path}."

    def _code(self, path: Path) -> str:
        from netbuilder.compile.codegen import generate_code

        name = self.graph.currentText()
        source = generate_code(self.project.graphs[name], purpose=self.project.purpose(name), title=self.project.name)
        path.write_text(source, encoding="utf-8")
        return f"Wrote a standalone PyTorch module to {path} ({len(source.splitlines())} lines)."

    def _show(self, text: str, colour: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};" if colour else "")

    def _fail(self, message: str, details: str = "") -> bool:
        self.error = message
        self._show(message, ERROR_COLOUR)
        if details:
            self.details.setPlainText(details)
            self.details.show()
        return False
