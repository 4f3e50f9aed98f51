"""Imported layers go into blocks named after their source: module paths, else repeated structure."""

from __future__ import annotations

from netbuilder.graph import Graph
from netbuilder.graph.grouping import group_imported, path_blocks, structural_blocks
from tests.graph.nets import residual_net


def _blocks(g: Graph) -> dict[str, list[str]]:
    return {grp.name: [g.nodes[n].type for n in g.group_members(gid)] for gid, grp in g.groups.items()}


def test_module_paths_make_one_block_per_residual_block_named_after_it():
    g, paths = residual_net(3, paths=True)
    group_imported(g, paths)
    assert _blocks(g) == {f"layer1.{b}": ["Conv2d", "ReLU", "Conv2d", "Add", "ReLU"] for b in range(3)}


def test_a_big_module_is_split_into_its_parts_and_a_small_one_kept_whole():
    g = Graph()
    paths = {}
    prev = g.add_node("Input", params={"kind": "image", "channels": 4, "height": 8, "width": 8}).id
    layout = [f"features.denseblock1.denselayer{i}.{part}" for i in (1, 2, 3, 4)
              for part in ("norm1", "relu1", "conv1", "norm2", "relu2", "conv2")]
    layout += [f"features.transition1.{part}" for part in ("norm", "relu", "conv")]
    for path in layout:
        kind = {"norm": "BatchNorm2d", "relu": "ReLU", "conv": "Conv2d"}[path.rsplit(".", 1)[1].rstrip("12")]
        node = g.add_node(kind, params={"out_channels": 4, "kernel_size": 1} if kind == "Conv2d" else {})
        g.connect(prev, "out", node.id, "in")
        paths[node.id], prev = path, node.id
    names = [name for name, _ in path_blocks(g, paths)]
    assert names == [f"features.denseblock1.denselayer{i}" for i in (1, 2, 3, 4)] + ["features.transition1"]


def test_layers_without_paths_group_by_repeated_structure_named_by_position():
    g, _ = residual_net(3)
    found = structural_blocks(g)
    assert [name for name, _ in found] == ["stage1.block1", "stage1.block2", "stage1.block3"]
    # The ReLU after each Add goes with its block, as the module would have it.
    assert all(sorted(g.nodes[n].type for n in ids) == ["Add", "Conv2d", "Conv2d", "ReLU", "ReLU"]
               for _, ids in found)


def test_a_plain_chain_has_no_repeated_structure():
    g, _ = residual_net(0)
    assert structural_blocks(g) == []


def test_big_graphs_open_with_their_blocks_collapsed_small_ones_expanded():
    small, paths = residual_net(3, paths=True)
    group_imported(small, paths)
    big, paths = residual_net(14, paths=True)
    group_imported(big, paths)
    assert len(small.nodes) <= 60 < len(big.nodes)
    assert not any(g.collapsed for g in small.groups.values())
    assert all(g.collapsed for g in big.groups.values())


def test_inputs_and_outputs_never_go_into_a_block():
    g, paths = residual_net(2, paths=True)
    group_imported(g, paths)
    for node in g.nodes.values():
        if node.type in ("Input", "Output"):
            assert node.group is None
