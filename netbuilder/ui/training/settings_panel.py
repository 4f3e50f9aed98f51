"""`TrainingSettingsPanel`: a form over the project's DatasetSettings and TrainingSettings.

Light at start-up (Qt only): the list of built-in data sets and the device
detection need torch, so they are filled in when the user opens those lists
or presses Train (`load_choices`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from netbuilder.graph.edits import ChangeSettings, SettingsState
from netbuilder.graph.project import Project
from netbuilder.graph.schemes import SCHEMES, scheme_names
from netbuilder.graph.settings import Augmentation, DatasetSettings, TrainingSettings, choices_for, range_for
from netbuilder.ui.commands import EditCommand
from netbuilder.ui.training.start_from_row import StartFromRow
from netbuilder.ui.training.fields import (COMPILE_TIP, COMPILE_WORDS, PRECISION_TIP, PRECISION_WORDS,
                                           BoundedDoubleSpinBox, BoundedSpinBox, LazyCombo, ScientificSpinBox,
                                           format_options, parse_options, words)

USER_SOURCES = ("csv", "images", "npz", "idx")  # read from a file or folder chosen with Browse
DEVICE_WORDS = {"auto": "auto (best available)", "cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)", "mps": "MPS (Apple GPU)"}
# The data-set settings declare no ranges of their own (DatasetSettings / Augmentation have no RANGES);
# until they do, these bound the fields. A range the settings model declares always wins.
FORM_RANGES: dict[tuple[type, str], tuple[float, float]] = {
    (DatasetSettings, "validation_split"): (0.0, 0.9), (Augmentation, "rotation"): (0.0, 180.0),
    (Augmentation, "scale"): (0.0, 0.9), (Augmentation, "noise"): (0.0, 5.0)}


def setting_range(cls: type, key: str) -> tuple[float, float]:
    """The range a field offers for setting ``key`` of ``cls``: the settings model's, else the form's own."""
    declared = range_for(cls, key) or FORM_RANGES.get((cls, key))
    if declared is None:
        raise KeyError(f"{cls.__name__}.{key} has no range")
    return declared


def setting_choices(cls: type, key: str) -> tuple[str, ...]:
    choices = choices_for(cls, key)
    if choices is None:
        raise KeyError(f"{cls.__name__}.{key} is not a choice")
    return choices


def detect_devices() -> dict[str, str]:
    """Device key -> what this machine has (imports torch): CUDA's name, MPS, or "not available"."""
    import torch

    found = {"cpu": f"CPU ({torch.get_num_threads()} threads)"}
    found["cuda"] = (f"CUDA: {torch.cuda.get_device_name(0)}" if torch.cuda.is_available()
                     else "CUDA — not available here")
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    found["mps"] = "MPS (Apple GPU)" if mps else "MPS — not available here"
    best = "cuda" if torch.cuda.is_available() else "mps" if mps else "cpu"
    found["auto"] = f"auto → {found[best]}"
    return found


class TrainingSettingsPanel(QWidget):
    """Edits ``project.dataset`` and ``project.training``; `changed` after each edit.

    With ``submit`` (the window's undo stack push), each edit is handed over as an undoable
    `ChangeSettings` edit; without it, edits apply directly. Every range and list of choices comes
    from the settings model (`TrainingSettings.RANGES`, `choices_for`, the scheme registry).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None,
                 submit: Callable[[QUndoCommand], None] | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.submit = submit
        self._loading = False
        self.devices_detected: dict[str, str] = {}

        self.dataset = LazyCombo(self.load_choices)
        self.dataset.setToolTip("A built-in data set, or your own file (CSV, image folder, NPZ, IDX) chosen below")
        self.path = QLineEdit()
        self.options = QLineEdit()
        self.options.setPlaceholderText("key=value; key=value (e.g. target=species)")
        self.options_known: dict[str, tuple[str, ...]] = {}  # data set -> the option keys it reads (once loaded)
        self.options_error = ""
        self.path.setPlaceholderText("file or folder for csv / images / npz / idx")
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path, 1)
        path_row.addWidget(self.browse)
        self.limit_note = QLabel("")  # what a typed value out of range was, and the limit (fields below)
        self.limit_note.setWordWrap(True)
        self.limit_note.setStyleSheet("color: #d93025;")
        self.limit_note.hide()
        self._limit_source: QWidget | None = None
        self.split = self._double(DatasetSettings, "validation_split", 0.05, 2,
                                  "Share of the data held out to measure generalisation")
        self.flip = QCheckBox("flip")
        self.rotation = self._double(Augmentation, "rotation", 5.0, 0, "Random rotation, ± degrees")
        self.scale = self._double(Augmentation, "scale", 0.05, 2, "Random zoom, ± fraction")
        self.noise = self._double(Augmentation, "noise", 0.05, 2, "Gaussian noise std added to inputs")
        aug = QGridLayout()
        aug.setContentsMargins(0, 0, 0, 0)
        aug.addWidget(self.flip, 0, 0)
        extras = (("rotate °", self.rotation), ("zoom ±", self.scale), ("noise σ", self.noise))
        for i, (label, w) in enumerate(extras, start=1):
            aug.addWidget(QLabel(label), i // 2, 2 * (i % 2))
            aug.addWidget(w, i // 2, 2 * (i % 2) + 1)

        self.scheme = QComboBox()
        for name in scheme_names():  # the registry: a scheme registered later is offered too
            self.scheme.addItem(SCHEMES[name].title, name)
            self.scheme.setItemData(self.scheme.count() - 1, SCHEMES[name].description, 3)  # Qt.ToolTipRole
        self.optimizer = self._choice("optimizer")
        self.learning_rate = self._scientific("learning_rate", 1e-4, "Step size; lower it if the loss jumps or "
                                              "becomes NaN. Type 3e-4 or 0.0003; the arrows step 1, 2, 5 × 10ⁿ")
        self.batch_size = self._int("batch_size", "Samples per step")
        self.epochs = self._int("epochs", "Passes over the training data")
        self.weight_decay = self._scientific("weight_decay", 1e-5, "L2 penalty: pulls weights toward zero "
                                             "(against overfitting); 0 = off")
        self.schedule = self._choice("schedule")
        self.grad_clip = self._double(TrainingSettings, "grad_clip", 0.5, 2, "Clip the gradient norm to this (0 = off)")
        self.early_stopping = self._int("early_stopping", "Stop after this many epochs without validation "
                                        "improvement (0 = off)")
        self.device = LazyCombo(self.load_choices)
        for key in setting_choices(TrainingSettings, "device"):
            self.device.addItem(DEVICE_WORDS.get(key, key), key)
        self.device.setToolTip("Where to train; open the list to see what this machine has")
        self.precision = self._choice("precision", PRECISION_WORDS, PRECISION_TIP)
        self.compile = self._choice("compile", COMPILE_WORDS, COMPILE_TIP)
        self.start_from = StartFromRow(lambda: self.project.path.parent if self.project and self.project.path else None)

        data_box = QGroupBox("Data")
        data = QFormLayout(data_box)
        data.addRow("Data set", self.dataset)
        data.addRow("File", path_row)
        data.addRow("Options", self.options)
        data.addRow("Validation", self.split)
        data.addRow("Augment", aug)
        train_box = QGroupBox("Training")
        form = QFormLayout(train_box)
        form.addRow("Scheme", self.scheme)
        form.addRow("Optimiser", self.optimizer)
        form.addRow("Learning rate", self.learning_rate)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Weight decay", self.weight_decay)
        form.addRow("Schedule", self.schedule)
        form.addRow("Gradient clip", self.grad_clip)
        form.addRow("Early stopping", self.early_stopping)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Compile", self.compile)
        form.addRow("Start from", self.start_from)
        form.addRow(self.limit_note)
        for combo in (self.dataset, self.scheme, self.optimizer, self.schedule, self.device, self.precision,
                      self.compile):
            # Long entries ("digits — Handwritten digits (8×8)") must not widen the dock past the window.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(data_box)
        layout.addWidget(train_box)
        layout.addStretch(1)

        for number in (self.split, self.rotation, self.scale, self.noise, self.learning_rate, self.weight_decay,
                       self.grad_clip):
            number.valueChanged.connect(self._store)
        for count in (self.batch_size, self.epochs, self.early_stopping):
            count.valueChanged.connect(self._store)
        for combo in (self.dataset, self.scheme, self.optimizer, self.schedule, self.device, self.precision,
                      self.compile):
            combo.currentIndexChanged.connect(self._store)
        for bounded in (self.split, self.rotation, self.scale, self.noise, self.learning_rate, self.weight_decay,
                        self.grad_clip, self.batch_size, self.epochs, self.early_stopping):
            bounded.limit_hit.connect(lambda text, field=bounded: self._show_limit(field, text))
            bounded.valueChanged.connect(lambda _value, field=bounded: self._show_limit(field, ""))
        self.flip.toggled.connect(self._store)
        self.path.editingFinished.connect(self._store)
        self.options.editingFinished.connect(self._store)
        self.start_from.edited.connect(self._store)
        # Which setting a widget edits: consecutive edits of one setting merge into one undo step.
        self._fields: dict[QWidget, str] = {
                        self.dataset: "data set", self.path: "data file", self.options: "data options",
                        self.split: "validation split",
                        self.flip: "augmentation", self.rotation: "augmentation", self.scale: "augmentation",
                        self.noise: "augmentation", self.scheme: "scheme", self.optimizer: "optimiser",
                        self.learning_rate: "learning rate", self.batch_size: "batch size", self.epochs: "epochs",
                        self.weight_decay: "weight decay", self.schedule: "schedule", self.grad_clip: "gradient clip",
                        self.early_stopping: "early stopping", self.device: "device", self.precision: "precision",
                        self.compile: "compile mode", self.start_from: "start from"}

    @staticmethod
    def _double(cls: type, key: str, step: float, decimals: int, tip: str) -> BoundedDoubleSpinBox:
        lo, hi = setting_range(cls, key)
        w = BoundedDoubleSpinBox(words(key))
        w.setDecimals(decimals)  # before the range: the range is rounded to the decimals
        w.setRange(lo, hi)
        w.setSingleStep(step)
        w.setToolTip(tip)
        return w

    @staticmethod
    def _scientific(key: str, first_step: float, tip: str) -> ScientificSpinBox:
        lo, hi = setting_range(TrainingSettings, key)
        w = ScientificSpinBox(words(key), first_step)
        w.setRange(lo, hi)
        w.setToolTip(f"{tip} (from {w.textFromValue(lo)} to {w.textFromValue(hi)})")
        return w

    @staticmethod
    def _int(key: str, tip: str) -> BoundedSpinBox:
        lo, hi = setting_range(TrainingSettings, key)
        w = BoundedSpinBox(words(key))
        w.setRange(int(lo), int(hi))
        w.setToolTip(tip)
        return w

    @staticmethod
    def _choice(key: str, names: dict[str, str] | None = None, tip: str = "") -> QComboBox:
        combo = QComboBox()
        for value in setting_choices(TrainingSettings, key):
            combo.addItem((names or {}).get(value, value), value)
        combo.setToolTip(tip)
        return combo

    def _show_limit(self, field: QWidget, text: str) -> None:
        """Say what a typed value out of range was and what the limit is ("" from the field it came from, once
        that field has taken a value in range, takes it away)."""
        if not text and self._limit_source is not field:
            return
        self._limit_source = field if text else None
        self.limit_note.setText(text)
        self.limit_note.setVisible(bool(text))

    # ---- choices that need torch ---------------------------------------------------------------------
    def load_choices(self) -> None:
        """Fill the data-set list and detect the devices (imports torch; once)."""
        if self.devices_detected:
            return
        from netbuilder.data import BUILTIN_DATASETS

        self._loading = True
        try:
            current = self.dataset.currentData()
            self.dataset.clear()
            for key, info in BUILTIN_DATASETS.items():
                self.dataset.addItem(f"{key} — {info.title}", key)
                self.dataset.setItemData(self.dataset.count() - 1, info.description, 3)  # Qt.ToolTipRole
            for key in USER_SOURCES:
                self.dataset.addItem(f"{key} — your file", key)
            self._select(self.dataset, current)
            from netbuilder.data import USER_SOURCES as SOURCES
            from netbuilder.data.loading import GENERAL_OPTIONS

            self.options_known = {k: (*i.options, *GENERAL_OPTIONS) for k, i in BUILTIN_DATASETS.items()}
            self.options_known.update({k: (*i.options, *GENERAL_OPTIONS) for k, i in SOURCES.items()})
            self.devices_detected = detect_devices()
            for i in range(self.device.count()):
                key = self.device.itemData(i)
                self.device.setItemText(i, self.devices_detected.get(key, key))
        finally:
            self._loading = False

    # ---- project <-> form ----------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        self.project = project
        self._loading = True
        try:
            d, s = project.dataset, project.training
            if self.dataset.findData(d.name) < 0:
                self.dataset.addItem(d.name, d.name)
            self._select(self.dataset, d.name)
            self.path.setText(d.path)
            self.options.setText(format_options(d.options))
            self.split.setValue(d.validation_split)
            self.flip.setChecked(d.augmentation.flip)
            self.rotation.setValue(d.augmentation.rotation)
            self.scale.setValue(d.augmentation.scale)
            self.noise.setValue(d.augmentation.noise)
            self._select(self.scheme, s.scheme)
            self._select(self.optimizer, s.optimizer)
            self.learning_rate.setValue(s.learning_rate)
            self.batch_size.setValue(s.batch_size)
            self.epochs.setValue(s.epochs)
            self.weight_decay.setValue(s.weight_decay)
            self._select(self.schedule, s.schedule)
            self.grad_clip.setValue(s.grad_clip)
            self.early_stopping.setValue(s.early_stopping)
            self._select(self.device, s.device)
            self._select(self.precision, s.precision)
            self._select(self.compile, s.compile)
            self.start_from.set_value(s.start_from)
            self._update_path_state()
        finally:
            self._loading = False

    @staticmethod
    def _select(combo: QComboBox, key: str) -> None:
        i = combo.findData(key)
        if i >= 0:
            combo.setCurrentIndex(i)

    def _read_options(self, dataset: str) -> dict[str, Any] | None:
        """The options field as a dict, or None (with the reason shown on the field) when it cannot be used."""
        try:
            options = parse_options(self.options.text())
        except ValueError as exc:
            self._options_problem(str(exc))
            return None
        known = self.options_known.get(dataset)
        unknown = sorted(set(options) - set(known)) if known is not None else []
        if known is not None and unknown:
            self._options_problem(f"{dataset} has no option {', '.join(unknown)}; it reads "
                                  f"{', '.join(known) or 'none'}")
            return None
        self.options_error = ""
        self.options.setStyleSheet("")
        self.options.setToolTip(f"Options of {dataset}: {', '.join(known)}" if known else "")
        return options

    def _options_problem(self, message: str) -> None:
        self.options_error = message
        self.options.setStyleSheet("border: 1px solid #d93025;")
        self.options.setToolTip(message)

    def _update_path_state(self) -> None:
        user = self.dataset.currentData() in USER_SOURCES
        self.path.setEnabled(user)
        self.browse.setEnabled(user)

    def _store(self, *_: object) -> None:
        if self._loading or self.project is None:
            return
        before = SettingsState.of(self.project)
        after = SettingsState.of(self.project)
        d, s = after.dataset, after.training
        name = self.dataset.currentData() or d.name
        if name != d.name:
            d.options = {}  # options belong to one source; the data loader refuses keys it does not know
        d.name = name
        d.path = self.path.text().strip()
        if name == before.dataset.name:  # a new data set starts without the old one's options
            options = self._read_options(name)
            if options is None:
                return  # the field says what is wrong; nothing is stored
            d.options = options
        d.validation_split = self.split.value()
        d.augmentation.flip = self.flip.isChecked()
        d.augmentation.rotation = self.rotation.value()
        d.augmentation.scale = self.scale.value()
        d.augmentation.noise = self.noise.value()
        s.scheme = self.scheme.currentData() or s.scheme
        s.optimizer = self.optimizer.currentData() or s.optimizer
        s.learning_rate = self.learning_rate.value()
        s.batch_size = self.batch_size.value()
        s.epochs = self.epochs.value()
        s.weight_decay = self.weight_decay.value()
        s.schedule = self.schedule.currentData() or s.schedule
        s.grad_clip = self.grad_clip.value()
        s.early_stopping = self.early_stopping.value()
        s.device = self.device.currentData() or "auto"
        s.precision = self.precision.currentData() or s.precision
        s.compile = self.compile.currentData() or s.compile
        s.start_from = self.start_from.value()
        self._update_path_state()
        if after == before:
            return
        sender = self.sender()
        setting = self._fields.get(sender, "settings") if isinstance(sender, QWidget) else "settings"
        if self.submit is not None:
            self.submit(EditCommand(ChangeSettings(before, after, setting), self.project, self.refresh))
        else:
            self.project.dataset, self.project.training = after.dataset, after.training
        self.changed.emit()

    def refresh(self) -> None:
        """Show the project's settings again (after an undo or redo)."""
        if self.project is not None:
            self.set_project(self.project)

    def _browse(self) -> None:
        kind = self.dataset.currentData()
        if kind == "images":
            path = QFileDialog.getExistingDirectory(self, "Image folder (one sub-folder per class)")
        else:
            path = QFileDialog.getOpenFileName(self, f"Choose the {kind} file")[0]
        if path:
            self.path.setText(path)
            self._store()

    def settings(self) -> TrainingSettings:
        assert self.project is not None
        return self.project.training
