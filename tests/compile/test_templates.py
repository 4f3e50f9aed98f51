"""The architecture templates are the networks they are named for, and the fine-tuning one really fine-tunes."""

from __future__ import annotations

from pathlib import Path

import torch

from netbuilder.compile import build
from netbuilder.graph import load_project
from netbuilder.graph.analysis import analyze
from netbuilder.train.checkpoint import load_matching

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
BODY_WEIGHTS = EXAMPLES / "finetune_counts_body.safetensors"


def _graph(stem: str):
    return load_project(EXAMPLES / f"{stem}.nbproj").graphs["model"]


def _blocks(graph) -> dict[str, list]:
    """Block name -> its nodes."""
    return {g.name: [graph.nodes[n] for n in graph.group_members(g.id)] for g in graph.groups.values()}


def test_resnet18_is_a_stem_and_eight_named_basic_blocks_each_with_a_skip_add():
    graph = _graph("resnet18_shapes")
    blocks = _blocks(graph)
    basic = [f"layer{s}.{i}" for s in (1, 2, 3, 4) for i in (0, 1)]
    assert sorted(blocks) == sorted(["stem", *basic])
    for name in basic:
        kinds = [n.type for n in blocks[name]]
        assert kinds.count("Add") == 1 and kinds.count("ReLU") == 2, name


def test_resnet18_projects_the_shortcut_exactly_where_a_stage_halves_the_size():
    graph = _graph("resnet18_shapes")
    projections = {b: [n for n in nodes if n.type == "Conv2d" and n.values()["kernel_size"] == 1]
                   for b, nodes in _blocks(graph).items()}
    assert sorted(b for b, found in projections.items() if found) == ["layer2.0", "layer3.0", "layer4.0"]
    assert all(n.values()["stride"] == 2 for found in projections.values() for n in found)
    widths = [n.values()["out_channels"] for n in graph.nodes.values() if n.type == "Conv2d"]
    assert sorted(set(widths)) == [64, 128, 256, 512]


def test_mobilenetv2_depthwise_convolutions_have_one_group_per_channel():
    graph = _graph("mobilenetv2_shapes")
    analysis = analyze(graph, "train")
    depthwise = [n for n in graph.nodes.values() if n.type == "Conv2d" and "_depthwise_" in n.name]
    assert len(depthwise) == 17  # one per inverted residual block
    for node in depthwise:
        edge = graph.edge_into(node.id, "in")
        channels = analysis.output_shape(edge.source).dims[0]
        assert node.values()["groups"] == node.values()["out_channels"] == channels, node.name


def test_mobilenetv2_adds_the_skip_only_where_size_and_width_stay():
    graph = _graph("mobilenetv2_shapes")
    adds = sorted(n.name.split("_")[1] for n in graph.nodes.values() if n.type == "Add")
    # The paper's table: blocks 3, 5, 6, 8, 9, 10, 12, 13, 15, 16 repeat their stage's width at stride 1.
    assert sorted(map(int, adds)) == [3, 5, 6, 8, 9, 10, 12, 13, 15, 16]
    assert {n.type for n in graph.nodes.values()} >= {"ReLU6", "BatchNorm2d", "AdaptiveAvgPool2d"}


def test_unet_joins_each_decoder_level_with_the_encoder_map_of_the_same_size():
    graph = _graph("unet_shapes")
    analysis = analyze(graph, "train")
    joins = [n for n in graph.nodes.values() if n.type == "Concatenate"]
    assert len(joins) == 3
    for node in joins:
        a, b = (analysis.output_shape(graph.edge_into(node.id, p).source).dims for p in ("a", "b"))
        assert a[1:] == b[1:] and graph.nodes[graph.edge_into(node.id, "b").source].group is not None


def test_the_finetuning_body_is_frozen_and_only_the_new_head_trains():
    project = load_project(EXAMPLES / "finetune_counts.nbproj")
    graph = project.graphs["model"]
    weighted = {n.name: n.trainable for n in graph.nodes.values() if n.spec.has_weights}
    assert weighted.pop("count_head") is True
    assert weighted and not any(weighted.values())
    compiled = build(graph, project.purpose("model"))
    head = graph.node_named("count_head")
    trained = sum(p.numel() for p in compiled.trainable_parameters())
    assert trained == head.values()["out_features"] * (64 + 1)


def test_the_shipped_body_weights_fill_every_frozen_layer_and_leave_the_head_fresh():
    assert BODY_WEIGHTS.stat().st_size < 200_000
    project = load_project(EXAMPLES / "finetune_counts.nbproj")
    graph = project.graphs["model"]
    torch.manual_seed(0)
    compiled = build(graph, project.purpose("model"))
    report = load_matching(compiled, BODY_WEIGHTS)
    frozen = sorted(n.name for n in graph.nodes.values() if n.spec.has_weights and not n.trainable)
    assert sorted(report.matched) == frozen
    assert report.missing == ["count_head"] and not report.mismatched and not report.unused
