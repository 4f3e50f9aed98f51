"""An imported CNN gets a new head and fine-tunes one epoch through the Trainer: the body stays bit-identical
(weights and BatchNorm running statistics), only the head learns. Heads on Linear and on a 1×1 Conv (SqueezeNet,
DenseNet style) both work."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import onnx
import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.transfer import find_classifier_head, retarget
from netbuilder.graph import DatasetSettings
from netbuilder.train import InitFrom, Trainer

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"


class LinearHead(nn.Module):
    """Conv → BatchNorm → ReLU → global pool → Flatten → Linear → Softmax, as torchvision classifiers end."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.head(self.body(x)), dim=1)


class ConvHead(nn.Module):
    """SqueezeNet's ending: the class scores come from a 1×1 Conv, then ReLU and a global pool, no Flatten."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Conv2d(8, 10, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(nn.functional.adaptive_avg_pool2d(torch.relu(self.head(self.body(x))), 1), dim=1)


def _import(path: Path):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return import_onnx(path)


def _fine_tune_one_epoch(project, state, folder: Path, classes: int, dataset: DatasetSettings, batch: int):
    """retarget + `netbuilder train --init-from BODY --freeze-loaded`, as the CLI does; returns (trainer, the
    state before the epoch, the head module)."""
    project, body = retarget(project, state, classes)
    head_name = find_classifier_head(project.graphs["model"]).layer.name
    project.dataset = dataset
    project.training.batch_size = batch
    save_file({k: v.contiguous() for k, v in body.items()}, str(folder / "body.safetensors"))
    trainer = Trainer(project, device="cpu", out_dir=folder / "run", epochs=1, save=False, layer_stats=False,
                      init_from=InitFrom(folder / "body.safetensors"))
    compiled = trainer.prepare().scheme.graphs["model"]
    before = {k: v.clone() for k, v in compiled.state_dict().items()}
    head = compiled.modules[next(m for m, n in compiled.node_for_module.items() if n == head_name)]
    result = trainer.run()
    assert result.reason.value == "completed", result.message
    return compiled, before, head


def _assert_only_head_moved(compiled, before, head) -> None:
    head_tensors = {id(t) for t in [*head.parameters(), *head.buffers()]}
    live = compiled.modules.state_dict(keep_vars=True)
    body_keys = [k for k, v in live.items() if id(v) not in head_tensors]
    changed_body = [k for k in body_keys if not torch.equal(live[k].detach(), before[k])]
    assert not changed_body  # weights and BatchNorm running statistics alike
    assert any("running_mean" in k for k in body_keys)  # the check above did cover BatchNorm statistics
    assert any(not torch.equal(live[k].detach(), before[k]) for k in set(live) - set(body_keys))
    assert all(not p.requires_grad for k, p in compiled.modules.named_parameters() if id(p) not in head_tensors)


@pytest.mark.parametrize("net", [LinearHead, ConvHead], ids=["linear_head", "conv_head"])
def test_torch_exported_cnn_fine_tunes_one_epoch_with_its_body_bit_identical(net, tmp_path):
    torch.manual_seed(0)
    model = net().eval()
    # Without constant folding the exporter keeps each BatchNormalization (rather than folding it into its Conv).
    torch.onnx.export(model, (torch.randn(1, 3, 32, 32),), str(tmp_path / "cnn.onnx"), dynamo=False,
                      do_constant_folding=False, input_names=["image"], dynamic_axes={"image": {0: "batch"}})
    project, state = _import(tmp_path / "cnn.onnx")
    compiled, before, head = _fine_tune_one_epoch(
        project, state, tmp_path, 6, DatasetSettings("shapes", options={"samples": 64}), batch=16)
    assert next(p for p in head.parameters()).shape[0] == 6  # one score per shape kind
    _assert_only_head_moved(compiled, before, head)


def test_conv_head_scores_reach_the_loss_flattened(tmp_path):
    torch.manual_seed(0)
    torch.onnx.export(ConvHead().eval(), (torch.randn(1, 3, 32, 32),), str(tmp_path / "cnn.onnx"), dynamo=False)
    project, state = _import(tmp_path / "cnn.onnx")
    project, _ = retarget(project, state, 4)
    graph = project.graphs["model"]
    loss = next(n for n in graph.nodes.values() if n.type == "CrossEntropyLoss")
    fed_by = graph.nodes[graph.edge_into(loss.id, "pred").source]
    assert fed_by.type == "Flatten"  # C×1×1 scores become C: what a class-id target needs
    assert graph.nodes[graph.edge_into(fed_by.id, "in").source].type != "Softmax"  # raw scores, not probabilities


@pytest.mark.slow
def test_squeezenet_from_the_model_zoo_fine_tunes_one_epoch(tmp_path):
    import numpy as np
    from PIL import Image

    from netbuilder.data.shapes import make_shapes

    project, state = _import(LIGHT / "light_squeezenet.onnx")
    made = make_shapes(16, 0, size=224)
    for i, (picture, kind) in enumerate(zip(made.images, made.kinds)):
        (tmp_path / "images" / f"k{kind % 2}").mkdir(parents=True, exist_ok=True)
        Image.fromarray((picture.transpose(1, 2, 0) * 255).astype(np.uint8)).save(
            tmp_path / "images" / f"k{kind % 2}" / f"{i}.png")
    compiled, before, head = _fine_tune_one_epoch(
        project, state, tmp_path, 2, DatasetSettings("images", path=str(tmp_path / "images")), batch=8)
    assert next(p for p in head.parameters()).shape[0] == 2
    frozen = sum(p.numel() for p in compiled.modules.parameters() if not p.requires_grad)
    assert frozen > 700_000  # SqueezeNet's whole body, the head's 1×1 Conv excepted
    head_tensors = {id(t) for t in head.parameters()}
    live = compiled.modules.state_dict(keep_vars=True)
    assert all(torch.equal(v.detach(), before[k]) for k, v in live.items() if id(v) not in head_tensors)
