"""A look inside a trained network (torch, no Qt): each layer's output for one sample, weight and gradient
histograms, the prediction with class probabilities, and saliency / Grad-CAM maps (captum) for images.

`load_trained` builds the project's graphs afresh and loads a run's checkpoint
into them (``netbuilder.train.checkpoint``). Layer outputs are read by running
the inference graph node by node (a torch.fx interpreter), so every node the
user drew has its output, including the ones without a module of their own
(Flatten, Add, Concatenate). Everything runs on the CPU in eval mode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import fx

from netbuilder.compile import CompiledGraph, build
from netbuilder.compile.builder import NODE_META
from netbuilder.data import Dataset, load_for
from netbuilder.graph.project import Project
from netbuilder.graph.trial_edit import copy_project
from netbuilder.train.checkpoint import load_checkpoint
from netbuilder.train.loading import image_shape

HISTOGRAM_BINS = 30
GRADIENT_BATCH = 64  # validation samples the gradient histograms are measured on


@dataclass
class Histogram:
    """Counts over equal bins from ``edges[0]`` to ``edges[-1]``."""

    counts: list[int]
    edges: list[float]

    @classmethod
    def of(cls, values: torch.Tensor, bins: int = HISTOGRAM_BINS) -> Histogram:
        data = values.detach().float().reshape(-1).cpu().numpy()
        data = data[np.isfinite(data)]
        if data.size == 0:
            return cls([], [])
        counts, edges = np.histogram(data, bins=bins)
        return cls(counts.tolist(), edges.tolist())


@dataclass
class Prediction:
    """What the network says about one sample: the class it picks and each class's probability."""

    predicted: int
    probabilities: list[float]
    class_names: list[str]

    @property
    def label(self) -> str:
        return self.class_names[self.predicted] if self.predicted < len(self.class_names) else str(self.predicted)


@dataclass
class TrainedNetwork:
    """A project's graphs with a run's weights, and the data set they were trained on (CPU)."""

    project: Project
    graphs: dict[str, CompiledGraph]
    dataset: Dataset
    checkpoint: Path
    _weights: dict[str, Histogram] | None = field(default=None, repr=False)
    _gradients: dict[str, Histogram] | None = field(default=None, repr=False)

    @property
    def compiled(self) -> CompiledGraph:
        """The graph the data feeds (a classifier, an autoencoder, a GAN's discriminator)."""
        return self.graphs[self.project.data_graph_name]

    @property
    def is_classifier(self) -> bool:
        return self.dataset.task == "classification" and self.dataset.num_classes > 0

    @property
    def class_names(self) -> list[str]:
        names = self.dataset.class_names or []
        return list(names) if names else [str(i) for i in range(self.dataset.num_classes)]

    @property
    def image_shape(self) -> tuple[int, ...] | None:
        """(C, H, W) when a sample is an image (as drawn or loaded from a file)."""
        return image_shape(self.dataset)

    @property
    def sample_count(self) -> int:
        return self.dataset.val_size or self.dataset.train_size

    def sample(self, index: int) -> tuple[torch.Tensor, int | None]:
        """Validation sample ``index`` (a batch of one) and its true class, if it has one."""
        use_val = self.dataset.val_size > 0
        x = (self.dataset.x_val if use_val else self.dataset.x_train)[index:index + 1]
        y = self.dataset.y_val if use_val else self.dataset.y_train
        label = int(y[index]) if y is not None and y.dim() == 1 and not y.is_floating_point() else None
        return x, label

    # ---- layer outputs -------------------------------------------------------------------------
    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every node's output for the batch ``x``, by node name (the batch dimension kept)."""
        compiled = self.compiled
        compiled.eval()
        recorder = _Outputs(compiled.model)
        with torch.no_grad():
            recorder.run(x)
        return recorder.outputs

    def weight_histograms(self) -> dict[str, Histogram]:
        """The values of each node's weights (every parameter of its layer together), by node name."""
        if self._weights is None:
            self._weights = {node: Histogram.of(torch.cat([p.detach().reshape(-1) for p in params]))
                             for node, params in self._parameters().items()}
        return self._weights

    def gradient_histograms(self) -> dict[str, Histogram]:
        """Each node's weight gradients for one batch of validation samples, by node name (measured once)."""
        if self._gradients is None:
            self._gradients = self._measure_gradients()
        return self._gradients

    def _parameters(self) -> dict[str, list[torch.nn.Parameter]]:
        compiled = self.compiled
        out: dict[str, list[torch.nn.Parameter]] = {}
        for module_name, module in compiled.modules.items():
            params = list(module.parameters())
            if params:
                out[compiled.node_for_module.get(module_name, module_name)] = params
        return out

    def _measure_gradients(self) -> dict[str, Histogram]:
        compiled = self.compiled
        if compiled.training is None:
            return {}
        ds = self.dataset
        use_val = ds.val_size > 0
        x = (ds.x_val if use_val else ds.x_train)[:GRADIENT_BATCH]
        y = (ds.y_val if use_val else ds.y_train)
        args = [x] + ([y[:GRADIENT_BATCH]] if compiled.target_names and y is not None else [])
        compiled.eval()  # the trained statistics, no dropout: the gradient of the network as it predicts
        compiled.modules.zero_grad(set_to_none=True)
        with torch.enable_grad():
            loss, _ = compiled.training(*args)
            loss.backward()
        params = self._parameters()
        out = {node: Histogram.of(torch.cat([p.grad.reshape(-1) for p in ps if p.grad is not None]))
               for node, ps in params.items() if any(p.grad is not None for p in ps)}
        compiled.modules.zero_grad(set_to_none=True)
        return out

    # ---- predictions ---------------------------------------------------------------------------
    def scores(self, x: torch.Tensor) -> torch.Tensor:
        compiled = self.compiled
        compiled.eval()
        out = compiled.model(x)
        return out[0] if isinstance(out, (tuple, list)) else out

    def predict(self, x: torch.Tensor) -> Prediction | None:
        """The class and the class probabilities for one sample (None unless the network is a classifier)."""
        if not self.is_classifier:
            return None
        with torch.no_grad():
            scores = self.scores(x).float().reshape(x.shape[0], -1)[0]
        return Prediction(*_probabilities(scores), self.class_names)

    def attribution(self, x: torch.Tensor, target: int, method: str = "gradcam") -> np.ndarray:
        """Where in the input the network looked for class ``target``: an (H, W) map scaled to [0, 1].

        ``gradcam`` weighs the last convolution's feature maps by their gradient (captum's LayerGradCam),
        upsampled to the input; ``saliency`` is the gradient's size at each pixel (captum's Saliency).
        Grad-CAM needs a convolution; without one the saliency map is given.
        """
        from captum.attr import LayerAttribution, LayerGradCam, Saliency  # captum loads matplotlib: only here

        compiled = self.compiled
        compiled.eval()
        wrapper = _FirstOutput(compiled.model)
        x = x.detach().clone().requires_grad_(True)
        conv = self._last_convolution()
        with torch.enable_grad():
            if method == "gradcam" and conv is not None:
                cam = LayerGradCam(wrapper, conv).attribute(x, target=target, relu_attributions=True)
                result = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), "bilinear")[0].sum(dim=0)
            else:
                result = Saliency(wrapper).attribute(x, target=target, abs=True)[0]
                result = result.sum(dim=0) if result.dim() == 3 else result
        heat = result.detach().float().cpu().numpy()
        top = float(heat.max()) if heat.size else 0.0
        return heat / top if top > 0 else np.zeros_like(heat)

    def _last_convolution(self) -> torch.nn.Module | None:
        last = None
        for module in self.compiled.modules.values():
            if isinstance(module, torch.nn.Conv2d):
                last = module
        return last

    # ---- inputs from outside the data set ------------------------------------------------------
    def image_input(self, picture: np.ndarray) -> torch.Tensor:
        """A batch of one for the network from a picture: (H, W) or (H, W, 3) values in [0, 1], 1 = ink.

        The picture is resized to the input's size, given the input's channels, brought to the raw data's
        scale and normalised exactly as the training data was.
        """
        shape = self.image_shape
        if shape is None:
            raise ValueError("this network's input is not an image")
        channels, height, width = shape
        t = torch.as_tensor(np.asarray(picture, dtype=np.float32))
        t = t.permute(2, 0, 1) if t.dim() == 3 else t.unsqueeze(0)
        t = t.mean(dim=0, keepdim=True) if channels == 1 and t.shape[0] != 1 else t
        t = t.expand(channels, *t.shape[1:]) if t.shape[0] == 1 else t[:channels]
        t = torch.nn.functional.interpolate(t.unsqueeze(0), size=(height, width), mode="area")
        norm = self.dataset.normalization
        if norm.scale != 1.0 or norm.kind != "none":
            x = norm.apply(t * norm.scale)
        else:  # raw values of unknown scale: span the training inputs' range
            lo, hi = float(self.dataset.x_train.min()), float(self.dataset.x_train.max())
            x = lo + t * (hi - lo)
        return x.reshape(1, *self.dataset.input_shape).float()


def _probabilities(scores: torch.Tensor) -> tuple[int, list[float]]:
    """The class picked and the probabilities, from what the last layer gives: scores (logits), probabilities
    (a Softmax at the end), log-probabilities (LogSoftmax), or one logit of a yes/no question."""
    if scores.numel() == 1:
        p = float(torch.sigmoid(scores[0]))
        return int(p >= 0.5), [1.0 - p, p]
    if bool((scores >= 0).all()) and math.isclose(float(scores.sum()), 1.0, rel_tol=1e-3):
        probabilities = scores
    elif bool((scores <= 0).all()) and math.isclose(float(scores.exp().sum()), 1.0, rel_tol=1e-3):
        probabilities = scores.exp()
    else:
        probabilities = torch.softmax(scores, dim=0)
    return int(probabilities.argmax()), probabilities.tolist()


class _FirstOutput(torch.nn.Module):
    """The model's first output, flattened to (N, classes): what captum attributes."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(x)
        out = out[0] if isinstance(out, (tuple, list)) else out
        return out.reshape(out.shape[0], -1)


class _Outputs(fx.Interpreter):
    """Runs a GraphModule node by node, keeping the output of every node the user drew."""

    def __init__(self, gm: fx.GraphModule) -> None:
        super().__init__(gm)
        self.outputs: dict[str, torch.Tensor] = {}

    def run_node(self, n: fx.Node) -> Any:
        result = super().run_node(n)
        if isinstance(result, torch.Tensor) and NODE_META in n.meta:
            self.outputs[n.meta[NODE_META]] = result.detach()
        return result


def load_trained(project: Project, checkpoint: str | Path, dataset: Dataset | None = None) -> TrainedNetwork:
    """A fresh build of ``project``'s graphs with ``checkpoint``'s weights (CheckpointError when they do not fit,
    GraphCompileError when the graph has errors, DataError when the data cannot be loaded)."""
    snapshot = copy_project(project)
    graphs = {name: build(graph, snapshot.purpose(name)) for name, graph in snapshot.graphs.items()}
    load_checkpoint(graphs, checkpoint)
    for compiled in graphs.values():
        compiled.eval()
        for p in compiled.modules.parameters():
            p.requires_grad_(True)  # frozen layers too: the histograms and maps want every gradient
    data = dataset if dataset is not None else load_for(snapshot)
    return TrainedNetwork(snapshot, graphs, data.to("cpu"), Path(checkpoint))
