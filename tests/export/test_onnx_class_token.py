"""A ViT with a learned class token, classified from ``x[:, 0]``, imports as ClassToken and Select layers (either
exporter) and computes what the model does; a drawn graph with those layers goes to ONNX and back unchanged."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from torch import nn

from netbuilder.compile import build
from netbuilder.export.onnx_in import import_onnx
from netbuilder.export.onnx_out import export_onnx
from netbuilder.graph import Graph
from tests.export.conftest import ort_run, random_batch
from tests.export.test_onnx_attention import ViT, _export_and_import, _max_diff


class ClassTokenViT(ViT):
    """The small ViT with torchvision's head: a class token in front of the patches, and the head reads it."""

    def __init__(self, size: int = 16, patch: int = 4, dim: int = 16) -> None:
        super().__init__(size, patch, dim)
        self.cls = nn.Parameter(torch.randn(1, 1, dim) * 0.1)
        self.pos = nn.Parameter(torch.randn(1, (size // patch) ** 2 + 1, dim) * 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.encoder(x))[:, 0])


@pytest.fixture(scope="module", params=[True, False], ids=["dynamo", "torchscript"])
def cls_vit_import(request, tmp_path_factory):
    torch.manual_seed(0)
    model = ClassTokenViT().eval()
    path = tmp_path_factory.mktemp("cls_vit") / "vit.onnx"
    return model, _export_and_import(model, torch.randn(2, 3, 16, 16), path, dynamo=request.param)


def test_class_token_and_its_readout_import_as_class_token_and_select_layers(cls_vit_import):
    model, imported = cls_vit_import
    nodes = list(imported.project.graphs["model"].nodes.values())
    types = Counter(n.type for n in nodes)
    assert (types["ClassToken"], types["Select"], types["MultiheadAttention"]) == (1, 1, 2)
    select = next(n for n in nodes if n.type == "Select")
    assert (select.params["dim"], select.params["index"]) == (0, 0)
    token = next(v for k, v in imported.state.items() if k.endswith(".token"))
    assert torch.equal(token, model.cls.detach())  # the model's own token, in the layer's (1, 1, D) shape


def test_imported_class_token_vit_reproduces_the_model_within_1e_4(cls_vit_import):
    model, imported = cls_vit_import
    assert _max_diff(*imported, model, torch.randn(7, 3, 16, 16)) <= 1e-4
    assert all(d <= 1e-4 for d in imported.max_abs_diff.values())


def _drawn() -> Graph:
    """Patches as a sequence, a class token, a LayerNorm, and the first position read out; a second Select reads
    one feature of every patch."""
    g = Graph("model")
    prev = g.add_node("Input", name="x", params={"kind": "sequence", "length": 6, "features": 8})
    for kind, params in [("Linear", {"out_features": 12}), ("ClassToken", {}),
                         ("LayerNorm", {}), ("ReLU", {}),
                         ("Select", {"dim": 0, "index": 0}), ("Linear", {"out_features": 3})]:
        node = g.add_node(kind, params=params)
        g.connect(prev.id, "out", node.id, "in")
        prev = node
    g.connect(prev.id, "out", g.add_node("Output", name="y").id, "in")
    last = g.add_node("Select", params={"dim": -1, "index": -2})  # a negative dim and index
    g.connect(g.node_named("x").id, "out", last.id, "in")
    g.connect(last.id, "out", g.add_node("Output", name="z").id, "in")
    return g


@pytest.mark.parametrize("exporter", ["auto", "torchscript"])
def test_drawn_class_token_and_select_go_to_onnx_and_back(tmp_path, exporter):
    graph = _drawn()
    torch.manual_seed(1)
    weights = build(graph, "inference").modules.state_dict()
    token_key = next(k for k in weights if k.endswith(".token"))
    weights[token_key] = torch.randn_like(weights[token_key])  # not the zeros it starts at
    path = export_onnx(graph, tmp_path / "drawn.onnx", weights=weights, exporter=exporter).path
    project, state = import_onnx(path)
    back = project.graphs["model"]
    types = Counter(n.type for n in back.nodes.values())
    assert (types["ClassToken"], types["Select"]) == (1, 2)
    sizes = (7, 8)  # a sample of 6 patches and the token, 8 features on the other Select's input
    picked = {(n.params["dim"] % 2, n.params["index"] % sizes[n.params["dim"] % 2])
              for n in back.nodes.values() if n.type == "Select"}
    assert picked == {(0, 0), (1, 6)}  # the same positions, however the exporter spelt them
    assert torch.equal(next(v for k, v in state.items() if k.endswith(".token")), weights[token_key])
    compiled = build(back, "inference")
    compiled.load_state_dict(state)
    compiled.eval()
    arrays = random_batch(path, 3, seed=2)
    with torch.no_grad():
        got = compiled.model(*[torch.from_numpy(a) for a in arrays])
    for want, mine in zip(ort_run(path, *arrays), got):
        assert np.abs(want - mine.numpy()).max() <= 1e-4



def test_a_drawn_class_token_still_at_its_zero_start_imports_too(tmp_path):
    # An all-zero constant expanded to a run-time shape reads as a zero state to the importer; still a token.
    path = export_onnx(_drawn(), tmp_path / "zeros.onnx").path
    project, state = import_onnx(path)
    assert sum(n.type == "ClassToken" for n in project.graphs["model"].nodes.values()) == 1
    token = next(v for k, v in state.items() if k.endswith(".token"))
    assert token.shape == (1, 1, 12) and not token.any()

def _sliced_model(path, starts: list[int], ends: list[int]):
    """x[:, start:end] along axis 1 of a [batch, 5, 4] input, then a Squeeze of axis 1 (hand-built, opset 13)."""
    from onnx import TensorProto, helper, numpy_helper, save

    consts = [numpy_helper.from_array(np.asarray(v, dtype=np.int64), n)
              for n, v in (("starts", starts), ("ends", ends), ("axes", [1]), ("squeeze_axes", [1]))]
    nodes = [helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["picked"]),
             helper.make_node("Squeeze", ["picked", "squeeze_axes"], ["y"])]
    graph = helper.make_graph(nodes, "sliced", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 5, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])], consts)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


@pytest.mark.parametrize("starts,ends,index", [([0], [1], 0), ([-1], [2**63 - 1], 4)], ids=["first", "last"])
def test_a_one_wide_slice_then_squeeze_imports_as_one_select(tmp_path, starts, ends, index):
    project, state = import_onnx(_sliced_model(tmp_path / "sliced.onnx", starts, ends))
    layers = [n for n in project.graphs["model"].nodes.values() if n.type not in ("Input", "Output")]
    assert [(n.type, n.params["dim"], n.params["index"]) for n in layers] == [("Select", 0, index)]
    compiled = build(project.graphs["model"], "inference")
    x = torch.randn(3, 5, 4)
    assert torch.equal(compiled.model(x), x[:, index])


def test_a_slice_of_several_positions_is_refused_with_the_reason(tmp_path):
    from netbuilder.export.errors import OnnxImportError

    with pytest.raises(OnnxImportError, match="takes positions 1:3:1 of axis 1"):
        import_onnx(_sliced_model(tmp_path / "sliced.onnx", [1], [3]))
