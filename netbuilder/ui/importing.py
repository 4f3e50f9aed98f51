"""File › Import: an ONNX model or a PyTorch module becomes a new, editable project with its weights.

Both run off the UI thread (`netbuilder.ui.background`): importing torch, exporting
and checking against onnxruntime take seconds. An ONNX model is imported in this
process, as `netbuilder import-onnx` does. A PyTorch module is imported by running
`netbuilder import-torch` itself in a child process: the user's file is Python that
must run to build the module, and torch's exporter (dynamo) is not safe on a
thread beside Qt's (it crashed the window's process once, see the export dialog);
a child process keeps both away from the window, and its messages are the
command's own.

The imported weights stay with the window (`imported_weights`) until the project
is first saved; then they are written beside it as ``<stem>.safetensors``, where
Export and the training panel's "trained weights" look (`graph.runs.trained_weights`).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit,
                               QMainWindow, QWidget)

from netbuilder.graph.project import Project, load_project
from netbuilder.ui.background import BackgroundJob, Outcome, run_in_background

if TYPE_CHECKING:
    from netbuilder.ui.opening import BusyBar, OpenedProject

ONNX_FILTER = "ONNX models (*.onnx)"
PYTHON_FILTER = "Python files (*.py)"
TORCH_IMPORT_SECONDS = 900  # a child import that runs longer is stopped (a module that never finishes building)


@dataclass
class ImportedProject:
    """What an import gives the window: the project, its weights (a safetensors file's bytes) and notes."""

    source: str  # the file (and class) imported, for the messages
    project: Project
    weights: bytes
    summary: list[str] = field(default_factory=list)  # how well the rebuilt network matches, notes


def import_onnx_file(path: str | Path) -> ImportedProject:
    """Import an ONNX model with its weights (any thread); raises OnnxImportError with the refusals."""
    from netbuilder.compile.builder import attribute_names
    from netbuilder.export.onnx_in import import_onnx
    from netbuilder.export.weights import weights_bytes

    result = import_onnx(path)
    graph = result.project.graphs["model"]
    nodes = {"model": {attr: graph.nodes[nid].name for nid, attr in attribute_names(graph).items()}}
    summary = [f"it gives onnxruntime's outputs (largest difference {max(result.max_abs_diff.values()):.1e})"
               ] if result.max_abs_diff else []
    summary += [f"note: {n}" for n in result.notes]
    return ImportedProject(Path(path).name, result.project, weights_bytes(result.state, nodes), summary)


class ImportFailed(Exception):
    """The import command refused the module; the message is its own one line (shown as it is)."""


def import_torch_module(file: str | Path, class_name: str, shapes: list[str]) -> ImportedProject:
    """``netbuilder import-torch FILE:CLASS --input-shape ...`` in a child process (any thread); the project
    and weights it writes, or ImportFailed with the command's message."""
    source = f"{file}:{class_name}"
    with tempfile.TemporaryDirectory(prefix="netbuilder-import-") as folder:
        out = Path(folder) / f"{class_name}.nbproj"
        command = [sys.executable, "-m", "netbuilder", "import-torch", source, "-o", str(out)]
        for shape in shapes:
            command += ["--input-shape", shape]
        try:
            done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=TORCH_IMPORT_SECONDS, errors="replace")
        except subprocess.TimeoutExpired:
            raise ImportFailed(f"{source}: the import took more than {TORCH_IMPORT_SECONDS // 60} minutes and was "
                               "stopped") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise ImportFailed(lines[-1].removeprefix("netbuilder import-torch: ") if lines else
                               f"{source}: the import failed (exit code {done.returncode})")
        project = load_project(out)
        weights = out.with_suffix(".safetensors").read_bytes()
    project.path = None  # a new project: saving asks where
    summary = [line.strip() for line in done.stdout.splitlines()[1:] if line.strip() and "wrote" not in line]
    return ImportedProject(source, project, weights, summary)


def module_classes(path: str | Path) -> list[str]:
    """The classes in a Python file that derive from nn.Module (directly or through another class of the
    file), read without running the file. Raises OSError or SyntaxError."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"), str(path))
    found: list[str] = []
    classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    changed = True
    while changed:  # a class deriving from a class of the file found earlier is a module too
        changed = False
        for node in classes:
            if node.name not in found and any(_is_module(base, found) for base in node.bases):
                found.append(node.name)
                changed = True
    return sorted(found)


def _is_module(base: ast.expr, local: list[str]) -> bool:
    dotted = ast.unparse(base)
    return (dotted in local or dotted.split(".")[-1] == "Module" or dotted.startswith(("nn.", "torch.nn.")))


class TorchImportDialog(QDialog):
    """File › Import › PyTorch module: which class of the file, and the shape of one sample per input."""

    def __init__(self, file: Path, classes: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.file = file
        self.setWindowTitle("Import a PyTorch module")
        form = QFormLayout(self)
        form.addRow("File:", QLabel(str(file)))
        self.classes = QComboBox()
        self.classes.addItems(classes)
        form.addRow("nn.Module class:", self.classes)
        self.shapes = QLineEdit()
        self.shapes.setPlaceholderText("3,32,32   (several inputs: 3,32,32; 10 — token ids: 16:int)")
        self.shapes.setToolTip("The shape of one sample, without the batch; one per argument of forward(), "
                               "separated by ';'")
        form.addRow("Input shape:", self.shapes)
        form.addRow(QLabel("The class is built with no arguments; the file is run, as Python would import it."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.shapes.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        self.ok_button.setEnabled(False)

    def chosen(self) -> tuple[str, list[str]]:
        """(class name, one shape text per input)."""
        return self.classes.currentText(), [s.strip() for s in self.shapes.text().split(";") if s.strip()]


class ModelImports(QMainWindow):
    """The import half of `MainWindow`; what it uses of the rest of the window is declared here."""

    busy: BusyBar
    imported_weights: bytes | None
    import_job: BackgroundJob | None  # the import running, if any
    torch_dialog: TorchImportDialog | None  # File › Import › PyTorch module's questions, while open
    _dirty: bool  # changes the undo stack does not know about

    if TYPE_CHECKING:  # provided by MainWindow and its other parts
        def maybe_save(self) -> bool: ...

        def set_project(self, project: Project, opened: OpenedProject | None = None) -> None: ...

        def show_message(self, text: str, timeout_ms: int = 8000) -> None: ...

        def show_error(self, title: str, text: str) -> None: ...

        def show_failure(self, title: str, exc: BaseException) -> None: ...

        def _update_title(self, *_: object) -> None: ...

    def ask_import_path(self, title: str, file_filter: str) -> str:
        return QFileDialog.getOpenFileName(self, title, "", file_filter)[0]

    def import_onnx(self, path: str | Path | None = None) -> None:
        """File › Import › ONNX model (and File › Open of an .onnx): a new project with the model's weights."""
        path = path or self.ask_import_path("Import an ONNX model", ONNX_FILTER)
        if path:
            self._start_import(Path(path).name, lambda: import_onnx_file(path))

    def import_torch(self, path: str | Path | None = None) -> None:
        """File › Import › PyTorch module: pick the file, then its class and input shape in a dialog."""
        path = path or self.ask_import_path("Import a PyTorch module", PYTHON_FILTER)
        if not path:
            return
        try:
            classes = module_classes(path)
        except SyntaxError as exc:
            self.show_error("Cannot import the PyTorch module", f"{path}: line {exc.lineno}: not valid Python "
                            f"({exc.msg})")
            return
        except OSError as exc:
            self.show_failure("Cannot import the PyTorch module", exc)
            return
        if not classes:
            self.show_error("Cannot import the PyTorch module", f"{path}: no class deriving from nn.Module found")
            return
        dialog = TorchImportDialog(Path(path), classes, self)
        dialog.accepted.connect(lambda: self._import_chosen(dialog))
        dialog.finished.connect(lambda _result: setattr(self, "torch_dialog", None))
        self.torch_dialog = dialog
        dialog.open()

    def _import_chosen(self, dialog: TorchImportDialog) -> None:
        class_name, shapes = dialog.chosen()
        self._start_import(f"{dialog.file.name}:{class_name}",
                           lambda: import_torch_module(dialog.file, class_name, shapes))

    def _start_import(self, what: str, work: Callable[[], ImportedProject]) -> None:
        if self.import_job is not None:
            self.show_message("An import is still running — wait for it to finish")
            return
        note = f"Importing {what}…"
        self.busy.start(note)
        self.import_job = run_in_background(work, lambda outcome: self._imported(note, outcome), self)

    def _imported(self, note: str, outcome: Outcome) -> None:
        self.import_job = None
        self.busy.stop(note)
        if isinstance(outcome.error, ImportFailed):
            self.show_error("Cannot import the model", str(outcome.error))
            return
        if outcome.error is not None:
            self.show_failure("Cannot import the model", outcome.error)
            return
        imported: ImportedProject = outcome.value
        if not self.maybe_save():
            return
        self.set_project(imported.project)
        self.imported_weights = imported.weights
        self._dirty = True  # an imported model is unsaved work: closing asks to save it
        self._update_title()
        graphs = imported.project.graphs.values()
        layers = sum(n.spec.role == "layer" for g in graphs for n in g.nodes.values())
        said = f"; {'; '.join(imported.summary)}" if imported.summary else ""
        self.show_message(f"Imported {layers} layers with their weights from {imported.source}{said}. It is a new "
                          "project: save it to keep it (its weights are saved beside it).", 0)
