"""`ExportDialog`: ONNX (with its parity figure), weights (safetensors) or PyTorch code, errors shown in full.

torch and onnx are imported when Export is clicked, not when the dialog opens. An ONNX export takes
5–12 s (export, onnx.checker, a parity run in onnxruntime), so it runs in a thread of its own: the
dialog shows a busy bar and the seconds going by, and the window keeps painting. The dialog never
overwrites a file without asking, suggests the project's folder, and exports trained weights whenever
it can see some: the session's run, else the project's recorded run (`graph.runs.trained_weights`).
"""

from __future__ import annotations

import shutil
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton, QVBoxLayout,
                               QWidget)

from netbuilder.graph.error_text import describe
from netbuilder.graph.files import OverwriteRefused, protected_files, refuse_overwrite
from netbuilder.graph.project import Project, project_from_dict
from netbuilder.graph.runs import trained_weights
from netbuilder.ui.background import BackgroundJob, Outcome, run_in_background
from netbuilder.ui.errors import failure_text

FORMATS = {  # key -> (label, suffix, file filter)
    "onnx": ("ONNX model (checked, parity-tested)", ".onnx", "ONNX model (*.onnx)"),
    "weights": ("Weights (safetensors)", ".safetensors", "safetensors weights (*.safetensors)"),
    "code": ("PyTorch code (.py)", ".py", "Python source (*.py)"),
}
OK_COLOUR = "#2e9e48"
ERROR_COLOUR = "#d93025"


def usable_weights(project: Project, checkpoint: Path | None) -> Path | None:
    """The weights an export of ``project`` uses: ``checkpoint`` (the session's run) when it still exists,
    else those recorded with the saved project; None when no trained weights can be seen."""
    if checkpoint is not None and Path(checkpoint).is_file():
        return Path(checkpoint)
    return trained_weights(project.path) if project.path is not None else None


def default_folder(project: Project) -> Path:
    """The project's folder; for a project with no file yet, the user's documents (never the working folder)."""
    if project.path is not None:
        return project.path.parent
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents) if documents and Path(documents).is_dir() else Path.home()


@dataclass
class ExportJob:
    """One export, fixed when Export is clicked: it runs in a worker thread and touches no widget."""

    kind: str
    project: Project  # a copy: edits made while it runs cannot reach it
    graph: str
    path: Path
    checkpoint: Path | None


@dataclass
class ExportOutcome:
    message: str = ""
    error: str = ""
    details: str = ""  # a traceback for unexpected failures
    report: Any = None  # the ExportReport of an ONNX export
    parity: str = ""


def run_job(job: ExportJob) -> ExportOutcome:
    """Do the export (any thread); every failure becomes an outcome with its message."""
    try:
        return {"onnx": _onnx, "weights": _weights, "code": _code}[job.kind](job)
    except Exception as exc:  # shown in the dialog; a bug (no message for it) with the details for a report
        known = describe(exc)  # the words `netbuilder export` prints for the same failure
        if known is not None:
            return ExportOutcome(error=known.message)
        return ExportOutcome(error=f"Export failed: {exc}", details=traceback.format_exc())


def _used(job: ExportJob) -> str:
    return (f"with the trained weights of {job.checkpoint}" if job.checkpoint is not None
            else "with the initial (untrained) weights")


def _onnx(job: ExportJob) -> ExportOutcome:
    from netbuilder.export import export_onnx
    from netbuilder.export.parity import TOLERANCE

    # The window exports in a background thread, where the dynamo exporter is not safe: its frame-evaluation
    # hooks crashed the process (a segfault in the Qt thread) in one CI run of 2. TorchScript tracing is
    # thread-safe, faster, and checked against onnxruntime all the same; the CLI keeps dynamo first.
    report = export_onnx(job.project, job.path, weights=job.checkpoint, graph_name=job.graph, exporter="torchscript")
    diffs = ", ".join(f"batch {b}: {d:.2e}" for b, d in report.max_abs_diff.items())
    message = (f"Wrote {report.path} {_used(job)} — opset {report.opset}, {report.exporter} exporter, "
               f"onnx.checker passed, {report.seconds:.1f} s."
               + (f"\nDynamo failed: {report.fallback_reason}" if report.fallback_reason else ""))
    parity = f"Parity with PyTorch (onnxruntime, max |difference|): {diffs} — limit {TOLERANCE:g} ✔"
    return ExportOutcome(message, report=report, parity=parity)


def _weights(job: ExportJob) -> ExportOutcome:
    if job.checkpoint is not None:
        shutil.copyfile(job.checkpoint, job.path)
        return ExportOutcome(f"Wrote the trained weights ({job.checkpoint}) to {job.path}.")
    from netbuilder.compile import build
    from netbuilder.export.weights import save_weights

    compiled = build(job.project.graphs[job.graph], job.project.purpose(job.graph))
    save_weights(compiled.state_dict(), job.path, {job.graph: dict(compiled.node_for_module)})
    return ExportOutcome(f"Wrote the initial (untrained) weights to {job.path}.")


def _code(job: ExportJob) -> ExportOutcome:
    from netbuilder.compile.codegen import generate_code

    source = generate_code(job.project.graphs[job.graph], purpose=job.project.purpose(job.graph),
                           title=job.project.name)
    job.path.write_text(source, encoding="utf-8")
    return ExportOutcome(f"Wrote a standalone PyTorch module to {job.path} ({len(source.splitlines())} lines).")


class ExportDialog(QDialog):
    """Pick what to export and where; `export()` starts it and the dialog shows the outcome."""

    exported = Signal(bool)  # after each export: True when the file was written

    def __init__(self, project: Project, checkpoint: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.project = project
        self.checkpoint = usable_weights(project, checkpoint)
        self.report: Any = None  # the last ExportReport (ONNX)
        self.error = ""
        self.busy = False
        self._confirmed = ""  # a path the user already agreed to replace (in the file chooser)
        self._close_with: int | None = None  # closed while exporting: close once it is done
        self._job: BackgroundJob | None = None  # held until its outcome arrives
        self._started = 0.0

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
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: an export does not say how far along it is
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = self._label()
        self.parity = self._label()
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(140)
        self.details.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        buttons.rejected.connect(self.reject)
        self.clock = QTimer(self)
        self.clock.setInterval(500)
        self.clock.timeout.connect(self._tick)

        form = QFormLayout()
        form.addRow("Export", self.format)
        form.addRow("Graph", self.graph)
        form.addRow("Weights", self.weights_note)
        form.addRow("File", row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.parity)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.format.currentIndexChanged.connect(self._suggest_path)
        self.graph.currentIndexChanged.connect(self._suggest_path)
        self._suggest_path()

    @staticmethod
    def _label() -> QLabel:
        # Wrapped: a result line is long (path, opset, exporter, seconds; parity per batch size).
        label = QLabel("")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _suggest_path(self, *_: object) -> None:
        suffix = FORMATS[self.format.currentData()][1]
        stem = self.project.path.stem if self.project.path else (self.project.name.replace(" ", "_") or "model")
        graph = self.graph.currentText()
        name = stem if graph == self.project.main_graph.name else f"{stem}_{graph}"
        current = self.path.text().strip()
        if not current or Path(current).suffix in {f[1] for f in FORMATS.values()}:
            base = Path(current).with_suffix("") if current else default_folder(self.project) / name
            self.path.setText(str(base.with_suffix(suffix)))

    def _browse(self) -> None:
        kind = self.format.currentData()
        # The file chooser asks before choosing an existing file: that answer counts, Export does not ask again.
        path = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), FORMATS[kind][2])[0]
        if path:
            self.path.setText(path)
            self._confirmed = path

    def set_format(self, key: str) -> None:
        self.format.setCurrentIndex(self.format.findData(key))

    def ask_overwrite(self, path: Path) -> bool:
        """Whether to replace the existing ``path`` (tests replace this)."""
        b = QMessageBox.StandardButton
        answer = QMessageBox.question(self, "Replace the file?", f"{path} already exists. Replace it with this "
                                      f"export?", b.Yes | b.No, b.No)
        return answer == b.Yes

    # ---- exporting -----------------------------------------------------------------------------------
    def export(self) -> bool:
        """Start the export as chosen (False when it did not start: the dialog says why). `exported` follows."""
        if self.busy:
            return False
        self.report, self.error = None, ""
        self.parity.setText("")
        self.details.hide()
        text = self.path.text().strip()
        if not text:
            return self._fail("Choose a file to export to.")
        path = Path(text)
        if not path.parent.is_dir():
            return self._fail(f"The folder {path.parent} does not exist — choose another place.")
        try:  # a folder, a device, the project's own files: refused in the words `netbuilder export` uses
            refuse_overwrite(path, force=True, protected=protected_files(self.project))
        except OverwriteRefused as exc:
            return self._fail(failure_text(exc))
        if path.exists() and text != self._confirmed and not self.ask_overwrite(path):
            self._show(f"Not exported: {path} was left as it was.", "")
            return False
        job = ExportJob(self.format.currentData(), project_from_dict(self.project.to_dict()),
                        self.graph.currentText(), path, self.checkpoint)
        self._set_busy(True)
        # No parent: a dialog closed meanwhile cannot delete the job while its thread still runs.
        self._job = run_in_background(lambda: run_job(job), self._finished)
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.progress.setVisible(busy)
        for widget in (self.export_button, self.format, self.graph, self.path, self.browse):
            widget.setEnabled(not busy)
        if busy:
            self._started = time.perf_counter()
            self._tick()
            self.clock.start()
        else:
            self.clock.stop()

    def _tick(self) -> None:
        seconds = time.perf_counter() - self._started
        what = "ONNX: exporting, checking and comparing with PyTorch — 5 to 15 s" \
            if self.format.currentData() == "onnx" else "writing"
        self._show(f"Exporting ({what})… {seconds:.0f} s", "")

    def _finished(self, done: Outcome) -> None:
        self._job = None
        # run_job turns every Exception into an outcome; only a BaseException (SystemExit…) arrives as an error.
        outcome: ExportOutcome = done.value if done.error is None else ExportOutcome(
            error=f"Export failed: {done.error!r}",
            details="".join(traceback.format_exception(done.error)))
        self._set_busy(False)
        if outcome.error:
            self._fail(outcome.error, outcome.details)
        else:
            self.report = outcome.report
            self._show(outcome.message, OK_COLOUR)
            if outcome.parity:
                self.parity.setText(outcome.parity)
                self.parity.setStyleSheet(f"color: {OK_COLOUR}; font-weight: bold;")
            self._confirmed = ""  # the next export over this file asks again
        self.exported.emit(not outcome.error)
        if self._close_with is not None:
            super().done(self._close_with)

    def done(self, result: int) -> None:
        if self.busy:  # closing while an export runs: hide now, close (and be deleted) when it is done
            self._close_with = result
            self.hide()
            return
        super().done(result)

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
