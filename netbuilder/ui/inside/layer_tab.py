"""`LayerTab`: the output of the node selected on the canvas for a chosen validation sample, and its weight and
gradient histograms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from netbuilder.ui.inside.views import HistogramView, LayerOutputView


class LayerTab(QWidget):
    """Shows ``node`` (a node name of the graph the data feeds) for validation sample ``sample_box``."""

    def __init__(self, network: Callable[[], Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = network  # returns the TrainedNetwork, or None (the panel says why)
        self.node: str | None = None
        self._outputs: dict[str, Any] = {}
        self._outputs_key: tuple[int, int] | None = None  # (id of the network, sample)
        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("Which validation sample flows through the network")
        self.sample_box.valueChanged.connect(lambda _=0: self.redraw())
        self.truth = QLabel("")
        self.title = QLabel("Select a layer on the canvas to see what it outputs.")
        self.title.setWordWrap(True)
        self.output = LayerOutputView()
        self.histograms = HistogramView()
        row = QHBoxLayout()
        row.addWidget(QLabel("Validation sample"))
        row.addWidget(self.sample_box)
        row.addWidget(self.truth, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.title)
        layout.addWidget(self.output, 3)
        layout.addWidget(self.histograms, 1)

    def show_node(self, name: str | None) -> None:
        self.node = name
        self.redraw()

    def redraw(self) -> None:
        net = self.network()
        if net is None:
            self.output.clear()
            self.histograms.show_histograms(None, None)
            return
        self.sample_box.setMaximum(max(0, net.sample_count - 1))
        index = self.sample_box.value()
        x, label = net.sample(index)
        self.truth.setText(f"true class: {net.class_names[label]}" if label is not None and net.is_classifier
                           else "")
        key = (id(net), index)
        if key != self._outputs_key:
            self._outputs, self._outputs_key = net.activations(x), key
        if self.node is None:
            self.output.clear("Select a layer on the canvas to see what it outputs.")
            self.histograms.show_histograms(None, None)
            return
        output = self._outputs.get(self.node)
        if output is None:
            self.output.clear(f"{self.node} has no output of its own in the trained network (a target, a loss, "
                              "or a layer of another graph).")
        else:
            self.output.show_output(self.node, output[0].float().cpu().numpy())
        weights = net.weight_histograms().get(self.node)
        gradients = net.gradient_histograms().get(self.node)
        self.histograms.show_histograms((weights.counts, weights.edges) if weights else None,
                                        (gradients.counts, gradients.edges) if gradients else None)
        self.title.setText(f"{self.node}: output for validation sample {index}"
                           + ("" if weights else " (it has no weights)"))
