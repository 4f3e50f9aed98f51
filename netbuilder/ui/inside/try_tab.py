"""`TryTab`: give the trained network one input — a validation sample, an image file, or a drawing — and see its
prediction, the class probabilities and (for image classifiers) where it looked: Grad-CAM or a saliency map."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from netbuilder.ui.inside.draw_pad import DrawPad
from netbuilder.ui.inside.views import OverlayImage, ProbabilityView

METHODS = {"Grad-CAM": "gradcam", "Saliency": "saliency", "No overlay": ""}
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"


def read_picture(path: str | Path) -> np.ndarray:
    """An image file as (H, W, 3) values in [0, 1] (Qt reads it: no other library needed)."""
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{Path(path).name}: not an image Qt can read")
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, line = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=line * height).reshape(height, line)
    return raw[:, :width * 3].reshape(height, width, 3).astype(np.float32) / 255.0


class TryTab(QWidget):
    """One input at a time; `source` says where the current one came from (sample, file or drawing)."""

    def __init__(self, network: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = network
        self.source = "sample"
        self.picture: np.ndarray | None = None  # the file's or drawing's picture, before fitting to the input
        self.prediction: Any = None
        self.sample_box = QSpinBox()
        self.sample_box.valueChanged.connect(lambda _=0: self.use_sample())
        self.load_button = QPushButton("Load image…")
        self.load_button.clicked.connect(self._ask_image)
        self.invert_box = QCheckBox("Invert (dark ink on light paper)")
        self.invert_box.toggled.connect(lambda _=False: self.run())
        self.pad = DrawPad()
        self.pad.drawn.connect(self.use_drawing)
        self.clear_button = QPushButton("Clear drawing")
        self.clear_button.clicked.connect(self.pad.clear)
        self.method_box = QComboBox()
        for text, key in METHODS.items():
            self.method_box.addItem(text, key)
        self.method_box.setToolTip("Grad-CAM: which regions the last convolution used for the predicted class; "
                                   "saliency: which pixels change the prediction most")
        self.method_box.currentIndexChanged.connect(lambda _=0: self.run())
        self.image = OverlayImage()
        self.answer = QLabel("")
        self.answer.setWordWrap(True)
        self.probabilities = ProbabilityView()

        sources = QGridLayout()
        sources.addWidget(QLabel("Validation sample"), 0, 0)
        sources.addWidget(self.sample_box, 0, 1)
        sources.addWidget(self.load_button, 1, 0)
        sources.addWidget(self.invert_box, 1, 1)
        sources.addWidget(self.pad, 2, 0, 1, 2)
        sources.addWidget(self.clear_button, 3, 0)
        sources.addWidget(self.method_box, 3, 1)
        source_box = QWidget()
        source_box.setLayout(sources)
        source_box.setMaximumWidth(330)  # the picture gets the rest of the width
        self.image.setMinimumSize(180, 180)
        top = QHBoxLayout()
        top.addWidget(source_box)
        top.addWidget(self.image, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 2)
        layout.addWidget(self.answer)
        layout.addWidget(self.probabilities, 2)

    def refresh(self) -> None:
        """Fit the controls to the network (image inputs can be drawn or loaded), and run the input again."""
        net = self.network()
        images = net is not None and net.image_shape is not None
        for widget in (self.load_button, self.invert_box, self.pad, self.clear_button, self.method_box):
            widget.setEnabled(images)
        if net is not None:
            self.sample_box.setMaximum(max(0, net.sample_count - 1))
        self.run()

    # ---- choosing the input ----------------------------------------------------------------------
    def use_sample(self, index: int | None = None) -> None:
        if index is not None and index != self.sample_box.value():
            self.sample_box.setValue(index)  # comes back here through valueChanged
            return
        self.source = "sample"
        self.run()

    def use_drawing(self) -> None:
        self.source, self.picture = "drawing", self.pad.picture()
        self.run()

    def load_image(self, path: str | Path) -> bool:
        try:
            picture = read_picture(path)
        except ValueError as exc:
            self.answer.setText(f"✖ {exc}")
            return False
        border = np.concatenate([picture[0], picture[-1], picture[:, 0], picture[:, -1]])
        self.invert_box.blockSignals(True)
        self.invert_box.setChecked(float(border.mean()) > 0.5)  # light paper: the data sets' ink is bright
        self.invert_box.blockSignals(False)
        self.source, self.picture = "file", picture
        self.run()
        return True

    def _ask_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Try an image", "", IMAGE_FILTER)
        if path:
            self.load_image(path)

    def current_input(self, net: Any) -> Any:
        """The network input (a batch of one) for the chosen source, and its true class when it has one."""
        if self.source in ("drawing", "file") and self.picture is not None and net.image_shape is not None:
            picture = 1.0 - self.picture if self.invert_box.isChecked() and self.source == "file" else self.picture
            return net.image_input(picture), None
        return net.sample(self.sample_box.value())

    # ---- the answer ------------------------------------------------------------------------------
    def run(self) -> None:
        net = self.network()
        if net is None:
            self.prediction = None
            return
        x, label = self.current_input(net)
        self.prediction = net.predict(x)
        shown = x[0].float().cpu().numpy()
        picture = shown.mean(axis=0) if shown.ndim == 3 and shown.shape[0] != 3 else (
            shown.transpose(1, 2, 0) if shown.ndim == 3 else shown)
        if self.prediction is None:
            with _no_grad():
                values = net.scores(x).reshape(-1).tolist()
            self.answer.setText("The network gives " + ", ".join(f"{v:.4g}" for v in values[:12]))
            self.image.show_picture(np.atleast_2d(picture))
            return
        p = self.prediction
        truth = f" — true class: {net.class_names[label]}" if label is not None else ""
        where = {"sample": f"validation sample {self.sample_box.value()}", "file": "the image file",
                 "drawing": "your drawing"}[self.source]
        self.answer.setText(f"Prediction for {where}: <b>{p.label}</b> ({p.probabilities[p.predicted]:.1%}){truth}")
        self.probabilities.show_probabilities(p.probabilities, p.class_names, p.predicted)
        method = self.method_box.currentData()
        heat = None
        if method and net.image_shape is not None and picture.ndim >= 2:
            heat = net.attribution(x, p.predicted, method)
        self.image.show_picture(np.atleast_2d(picture), heat)


def _no_grad() -> Any:
    import torch

    return torch.no_grad()
