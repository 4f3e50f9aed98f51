"""A small ViT exported by torch.onnx (either exporter) imports as an editable graph: each attention the
exporter wrote as MatMul/Softmax/Transpose chains becomes one MultiheadAttention layer, and the graph computes
what the model does."""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections import Counter

import pytest
import torch
from torch import nn

from netbuilder.compile import build
from netbuilder.export.onnx_in import import_onnx


class ViT(nn.Module):
    """Patches by a strided Conv2d, a learned position embedding, transformer encoder layers (batch first), mean
    pooling, LayerNorm and a Linear head."""

    def __init__(self, size: int = 16, patch: int = 4, dim: int = 16, heads: int = 2, depth: int = 2) -> None:
        super().__init__()
        self.embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.pos = nn.Parameter(torch.randn(1, (size // patch) ** 2, dim) * 0.1)
        self.encoder = nn.Sequential(*[nn.TransformerEncoderLayer(dim, heads, dim * 2, dropout=0.0, batch_first=True)
                                       for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x).flatten(2).transpose(1, 2)
        return self.head(self.norm(self.encoder(x + self.pos)).mean(dim=1))


class HandWrittenAttention(nn.Module):
    """Self-attention written out: separate q/k/v Linears, heads split by view/transpose, softmax(q kᵀ / √d) v."""

    def __init__(self, dim: int = 12, heads: int = 3) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.out = (nn.Linear(dim, dim) for _ in range(4))
        self.head = nn.Linear(dim, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = (f(x).view(b, t, self.heads, d // self.heads).transpose(1, 2) for f in (self.q, self.k, self.v))
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // self.heads), dim=-1)
        mixed = (weights @ v).transpose(1, 2).reshape(b, t, d)
        return self.head(x + self.out(mixed))


def _export_and_import(model: nn.Module, example: torch.Tensor, path, *, dynamo: bool):
    quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
    with warnings.catch_warnings(), quiet[0], quiet[1]:
        warnings.simplefilter("ignore")
        if dynamo:
            torch.onnx.export(model, (example,), str(path), dynamo=True,
                              dynamic_shapes=({0: torch.export.Dim("batch")},))
        else:
            torch.onnx.export(model, (example,), str(path), dynamo=False, input_names=["x"],
                              dynamic_axes={"x": {0: "batch"}})
        return import_onnx(path)


def _max_diff(project, state, model: nn.Module, x: torch.Tensor) -> float:
    compiled = build(project.graphs["model"], "inference")
    compiled.load_state_dict(state)
    compiled.eval()
    with torch.no_grad():
        got = compiled.model(x)
        got = got[0] if isinstance(got, (tuple, list)) else got
        return float((got - model(x)).abs().max())


@pytest.fixture(scope="module", params=[True, False], ids=["dynamo", "torchscript"])
def vit_import(request, tmp_path_factory):
    """The ViT exported by torch.onnx's default (dynamo) exporter and by the TorchScript one, then imported."""
    torch.manual_seed(0)
    model = ViT().eval()
    imported = _export_and_import(model, torch.randn(2, 3, 16, 16), tmp_path_factory.mktemp("vit") / "vit.onnx",
                                  dynamo=request.param)
    return model, imported


def test_vit_attention_becomes_one_multihead_attention_layer_per_encoder_layer(vit_import):
    _, imported = vit_import
    types = Counter(n.type for n in imported.project.graphs["model"].nodes.values())
    assert types["MultiheadAttention"] == 2
    assert types["LayerNorm"] == 5  # two per encoder layer and the final one: the rest imports as it was
    assert sum("MultiheadAttention with 2 head(s)" in note for note in imported.notes) == 2


def test_imported_vit_reproduces_the_model_within_1e_4(vit_import):
    model, imported = vit_import
    x = torch.randn(7, 3, 16, 16)
    assert _max_diff(*imported, model, x) <= 1e-4
    assert all(d <= 1e-4 for d in imported.max_abs_diff.values())  # the import's own check, against onnxruntime


def test_imported_attention_weights_are_the_models_own(vit_import):
    model, imported = vit_import
    imported_in = [v for k, v in imported.state.items() if k.endswith(".in_proj_weight")]
    imported_out = [v for k, v in imported.state.items() if k.endswith(".out_proj.weight")]
    for layer in model.encoder:
        attention = layer.self_attn
        assert any(torch.equal(w, attention.in_proj_weight.detach()) for w in imported_in)
        assert any(torch.equal(w, attention.out_proj.weight.detach()) for w in imported_out)


@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
def test_hand_written_attention_with_separate_projections_is_folded(dynamo, tmp_path):
    torch.manual_seed(1)
    model = HandWrittenAttention().eval()
    project, state = _export_and_import(model, torch.randn(2, 6, 12), tmp_path / "attention.onnx", dynamo=dynamo)
    types = Counter(n.type for n in project.graphs["model"].nodes.values())
    assert types["MultiheadAttention"] == 1
    assert _max_diff(project, state, model, torch.randn(5, 6, 12)) <= 1e-4


def test_attention_that_is_not_self_attention_is_left_alone(tmp_path):
    """Two different inputs for queries and keys: no fold, so the import refuses the MatMul as before."""
    from netbuilder.export.errors import OnnxImportError

    class Cross(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.q, self.k = nn.Linear(8, 8), nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.q(x) @ self.k(torch.relu(x)).transpose(1, 2), dim=-1) @ x

    with pytest.raises(OnnxImportError, match="MatMul"):
        _export_and_import(Cross().eval(), torch.randn(2, 4, 8), tmp_path / "cross.onnx", dynamo=True)
