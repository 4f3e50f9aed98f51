"""`TrainingSettingsPanel`: a form over the project's DatasetSettings and TrainingSettings.

Light at start-up (Qt only): the list of built-in data sets and the device
detection need torch, so they are filled in when the user opens those lists
or presses Train (`load_choices`).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from netbuilder.graph.project import Project
from netbuilder.graph.schemes import scheme_names
from netbuilder.graph.settings import OPTIMIZERS, SCHEDULES, TrainingSettings
from netbuilder.ui.training.settings_command import ChangeSettings, SettingsState

USER_SOURCES = ("csv", "images", "npz", "idx")  # read from a file or folder chosen with Browse
DEVICE_WORDS = {"auto": "auto (best available)", "cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)", "mps": "MPS (Apple GPU)"}


class LazyCombo(QComboBox):
    """A combo box that asks for its full list the first time it opens."""

    def __init__(self, on_first_open: Callable[[], None]) -> None:
        super().__init__()
        self._on_first_open: Callable[[], None] | None = on_first_open

    def showPopup(self) -> None:
        if self._on_first_open is not None:
            fill, self._on_first_open = self._on_first_open, None
            fill()
        super().showPopup()


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

    With ``submit`` set (the window's undo stack push), each edit is handed over as an undoable
    `ChangeSettings` command; without it, edits apply directly.
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.submit: Callable[[ChangeSettings], None] | None = None
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
        self.split = self._double(0.0, 0.9, 0.05, 2, "Share of the data held out to measure generalisation")
        self.flip = QCheckBox("flip")
        self.rotation = self._double(0.0, 180.0, 5.0, 0, "Random rotation, ± degrees")
        self.scale = self._double(0.0, 0.9, 0.05, 2, "Random zoom, ± fraction")
        self.noise = self._double(0.0, 5.0, 0.05, 2, "Gaussian noise std added to inputs")
        aug = QGridLayout()
        aug.setContentsMargins(0, 0, 0, 0)
        aug.addWidget(self.flip, 0, 0)
        extras = (("rotate °", self.rotation), ("zoom ±", self.scale), ("noise σ", self.noise))
        for i, (label, w) in enumerate(extras, start=1):
            aug.addWidget(QLabel(label), i // 2, 2 * (i % 2))
            aug.addWidget(w, i // 2, 2 * (i % 2) + 1)

        self.scheme = QComboBox()
        self.scheme.addItems(scheme_names())
        self.optimizer = QComboBox()
        self.optimizer.addItems(OPTIMIZERS)
        self.learning_rate = self._double(1e-6, 10.0, 1e-4, 6, "Step size; lower it if the loss jumps or becomes NaN")
        self.batch_size = self._int(1, 65536, "Samples per step")
        self.epochs = self._int(1, 100000, "Passes over the training data")
        self.weight_decay = self._double(0.0, 10.0, 1e-4, 5, "L2 penalty: pulls weights toward zero (against "
                                         "overfitting)")
        self.schedule = QComboBox()
        self.schedule.addItems(SCHEDULES)
        self.grad_clip = self._double(0.0, 1e6, 0.5, 2, "Clip the gradient norm to this (0 = off)")
        self.early_stopping = self._int(0, 100000, "Stop after this many epochs without validation improvement "
                                        "(0 = off)")
        self.device = LazyCombo(self.load_choices)
        for key, words in DEVICE_WORDS.items():
            self.device.addItem(words, key)
        self.device.setToolTip("Where to train; open the list to see what this machine has")

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
        for combo in (self.dataset, self.scheme, self.optimizer, self.schedule, self.device):
            # Long entries ("digits — Handwritten digits (8×8)") must not widen the dock past the window.
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(data_box)
        layout.addWidget(train_box)
        layout.addStretch(1)

        for w in (self.split, self.rotation, self.scale, self.noise, self.learning_rate, self.weight_decay,
                  self.grad_clip):
            w.valueChanged.connect(self._store)
        for w in (self.batch_size, self.epochs, self.early_stopping):
            w.valueChanged.connect(self._store)
        for w in (self.dataset, self.scheme, self.optimizer, self.schedule, self.device):
            w.currentIndexChanged.connect(self._store)
        self.flip.toggled.connect(self._store)
        self.path.editingFinished.connect(self._store)
        self.options.editingFinished.connect(self._store)
        # Which setting a widget edits: consecutive edits of one setting merge into one undo step.
        self._fields = {self.dataset: "data set", self.path: "data file", self.options: "data options",
                        self.split: "validation split",
                        self.flip: "augmentation", self.rotation: "augmentation", self.scale: "augmentation",
                        self.noise: "augmentation", self.scheme: "scheme", self.optimizer: "optimiser",
                        self.learning_rate: "learning rate", self.batch_size: "batch size", self.epochs: "epochs",
                        self.weight_decay: "weight decay", self.schedule: "schedule", self.grad_clip: "gradient clip",
                        self.early_stopping: "early stopping", self.device: "device"}

    @staticmethod
    def _double(lo: float, hi: float, step: float, decimals: int, tip: str) -> QDoubleSpinBox:
        w = QDoubleSpinBox()
        w.setRange(lo, hi)
        w.setSingleStep(step)
        w.setDecimals(decimals)
        w.setToolTip(tip)
        return w

    @staticmethod
    def _int(lo: int, hi: int, tip: str) -> QSpinBox:
        w = QSpinBox()
        w.setRange(lo, hi)
        w.setToolTip(tip)
        return w

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

            self.options_known = {k: (*i.options, *GENERAL_OPTIONS) for k, i in {**BUILTIN_DATASETS, **SOURCES}.items()}
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
            self.scheme.setCurrentText(s.scheme)
            self.optimizer.setCurrentText(s.optimizer)
            self.learning_rate.setValue(s.learning_rate)
            self.batch_size.setValue(s.batch_size)
            self.epochs.setValue(s.epochs)
            self.weight_decay.setValue(s.weight_decay)
            self.schedule.setCurrentText(s.schedule)
            self.grad_clip.setValue(s.grad_clip)
            self.early_stopping.setValue(s.early_stopping)
            self._select(self.device, s.device)
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
            return self._options_problem(str(exc))
        known = self.options_known.get(dataset)
        unknown = sorted(set(options) - set(known)) if known is not None else []
        if unknown:
            return self._options_problem(f"{dataset} has no option {', '.join(unknown)}; it reads "
                                         f"{', '.join(known) or 'none'}")
        self.options_error = ""
        self.options.setStyleSheet("")
        self.options.setToolTip(f"Options of {dataset}: {', '.join(known)}" if known else "")
        return options

    def _options_problem(self, message: str) -> None:
        self.options_error = message
        self.options.setStyleSheet("border: 1px solid #d93025;")
        self.options.setToolTip(message)
        return None

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
        s.scheme = self.scheme.currentText()
        s.optimizer = self.optimizer.currentText()
        s.learning_rate = self.learning_rate.value()
        s.batch_size = self.batch_size.value()
        s.epochs = self.epochs.value()
        s.weight_decay = self.weight_decay.value()
        s.schedule = self.schedule.currentText()
        s.grad_clip = self.grad_clip.value()
        s.early_stopping = self.early_stopping.value()
        s.device = self.device.currentData() or "auto"
        self._update_path_state()
        if after == before:
            return
        field = self._fields.get(self.sender(), "settings")
        if self.submit is not None:
            self.submit(ChangeSettings(self.project, before, after, field, self.refresh))
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



def parse_options(text: str) -> dict[str, Any]:
    """``"target=species; samples=200; features=[0, 1]"`` -> a dict (JSON values, else plain text)."""
    options: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key:
            raise ValueError(f"'{part}' is not key=value — write options as key=value; key=value")
        try:
            options[key] = json.loads(raw)
        except json.JSONDecodeError:
            options[key] = raw
    return options


def format_options(options: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in options.items())
