"""Blocks for an imported network: from the module paths its layers came from, else from repeated structure.

An imported ResNet-50 has ~180 layers and DenseNet-121 ~430: drawn flat they are a wall of boxes. Grouping
them the way their authors wrote them (a ResNet bottleneck is the module ``layer1.0``) makes them readable
again. Two sources, tried in this order:

- module paths (``layer1.0.conv1``), which PyTorch's exporters leave in ONNX node names, weight names or node
  metadata: a module becomes a block when it is small enough to read at a glance; a bigger one, or one made of
  several sizeable parts (``layer1`` made of ``layer1.0``, ``layer1.1``), is split into its sub-modules;
- otherwise the shape of the graph: the stretches between the points every path goes through ("cut" nodes)
  that hold parallel branches (a residual or dense layer, an inception module) are units; units whose
  operator signature repeats become blocks, named by position (``stage2.block3``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from netbuilder.graph.model import Graph

MAX_BLOCK = 24  # a module with more layers than this is split into its sub-modules
SMALL_BLOCK = 8  # ... and so is one above this made of two or more parts of MIN_PART layers or more
MIN_PART = 3
MIN_BLOCK = 2  # a block of one layer only adds a frame
MAX_UNIT = 40  # a structural unit bigger than this is a whole network's worth, not a repeated block
MAX_ATTACH = 3  # at most this many chain layers join a unit (a ResNet's ReLU after its Add)
COLLAPSE_ABOVE = 60  # graphs with more nodes than this open with their blocks collapsed
IO_ROLES = ("input", "output")


@dataclass
class _Module:
    """One module of the path tree: the layers whose path ends here, and its sub-modules."""

    nodes: list[str] = field(default_factory=list)
    children: dict[str, _Module] = field(default_factory=dict)
    size: int = 0

    def all_nodes(self) -> list[str]:
        return self.nodes + [n for c in self.children.values() for n in c.all_nodes()]


def _is_io(graph: Graph, node_id: str) -> bool:
    return graph.nodes[node_id].spec.role in IO_ROLES


def path_blocks(graph: Graph, paths: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(module path, node ids) of each block the module paths give; nodes without a path stay loose."""
    root = _Module()
    for nid in graph.nodes:
        path = paths.get(nid, "")
        if not path or _is_io(graph, nid):
            continue
        at = root
        for part in path.split("."):
            at = at.children.setdefault(part, _Module())
        at.nodes.append(nid)

    def count(mod: _Module) -> int:
        mod.size = len(mod.nodes) + sum(count(c) for c in mod.children.values())
        return mod.size

    count(root)
    blocks: list[tuple[str, list[str]]] = []

    def visit(mod: _Module, path: str) -> None:
        parts = sum(1 for c in mod.children.values() if c.size >= MIN_PART)
        if not path or mod.size > MAX_BLOCK or (mod.size > SMALL_BLOCK and parts >= 2):
            for name, child in mod.children.items():
                visit(child, f"{path}.{name}" if path else name)
        elif mod.size >= MIN_BLOCK:
            blocks.append((path, mod.all_nodes()))

    visit(root, "")
    order = {nid: i for i, nid in enumerate(graph.nodes)}
    return sorted(((p, sorted(ids, key=order.__getitem__)) for p, ids in blocks), key=lambda b: order[b[1][0]])


def cut_nodes(graph: Graph, order: list[str]) -> list[int]:
    """Positions in ``order`` (topological) of the nodes every path from an input to an output goes through.

    A node is on every path exactly when no edge jumps over it in a topological order: one sweep.
    """
    pos = {nid: i for i, nid in enumerate(order)}
    end = len(order)
    sources = [pos[n] for n in order if graph.nx.in_degree(n) == 0]
    reach = max(sources) if len(sources) > 1 else 0  # a second input's edge from "the start" jumps over the rest
    cuts = []
    for i, nid in enumerate(order):
        if reach <= i:
            cuts.append(i)
        succ = [pos[s] for s in graph.nx.successors(nid)]
        reach = max(reach, max(succ) if succ else end)  # an output's edge to "the end" jumps over what follows
    return cuts


@dataclass
class _Token:
    """A stretch of the main path: parallel branches with the node that merges them, or one chain node."""

    nodes: list[str]
    branched: bool


def _tokens(graph: Graph) -> list[_Token]:
    order = graph.topological_order()
    tokens: list[_Token] = []
    prev = -1
    for c in cut_nodes(graph, order):
        interior = order[prev + 1:c]
        tokens.append(_Token([*interior, order[c]], bool(interior)))
        prev = c
    tokens.extend(_Token([n], False) for n in order[prev + 1:])  # after the last cut: several outputs
    return tokens


def _signature(graph: Graph, nodes: list[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(graph.nodes[n].type for n in nodes).items()))


def _units(graph: Graph, tokens: list[_Token], attach: int, after: bool) -> list[tuple[int, int]]:
    """Token index ranges [start, stop) of each unit: a branched token plus up to ``attach`` chain tokens
    after it (``after``) or before it."""
    units = []
    for t, token in enumerate(tokens):
        if not token.branched:
            continue
        start, stop = t, t + 1
        step = 1 if after else -1
        at, taken = t + step, 0
        while taken < attach and 0 <= at < len(tokens) and not tokens[at].branched \
                and not _is_io(graph, tokens[at].nodes[0]):
            at, taken = at + step, taken + 1
        if after:
            stop = at
        else:
            start = at + 1
        units.append((start, stop))
    return units


def structural_blocks(graph: Graph) -> list[tuple[str, list[str]]]:
    """(``stageS.blockB``, node ids) of each repeated unit of the graph's main path."""
    tokens = _tokens(graph)
    branched = [t for t, token in enumerate(tokens) if token.branched]
    runs = [b - a - 1 for a, b in zip(branched, branched[1:])]
    common = Counter(runs).most_common()
    attach = min(MAX_ATTACH, min(r for r, c in common if c == common[0][1])) if common else 0

    def nodes_of(unit: tuple[int, int]) -> list[str]:
        return [n for token in tokens[unit[0]:unit[1]] for n in token.nodes]

    def distinct(units: list[tuple[int, int]]) -> int:
        return len({_signature(graph, nodes_of(u)) for u in units})

    after, before = _units(graph, tokens, attach, True), _units(graph, tokens, attach, False)
    units = after if distinct(after) <= distinct(before) else before
    usable = [u for u in units if len(nodes_of(u)) <= MAX_UNIT and not any(_is_io(graph, n) for n in nodes_of(u))]
    signatures = Counter(_signature(graph, nodes_of(u)) for u in usable)
    repeated = [u for u in usable if signatures[_signature(graph, nodes_of(u))] >= 2]
    # Stages: runs of adjacent units; a stage's first unit may differ (a ResNet stage's downsampling block),
    # the rest share one signature.
    stages: list[list[tuple[int, int]]] = []
    for unit in repeated:
        stage = stages[-1] if stages else None
        if stage is not None and stage[-1][1] == unit[0] and (
                len(stage) == 1 or _signature(graph, nodes_of(stage[-1])) == _signature(graph, nodes_of(unit))):
            stage.append(unit)
        else:
            stages.append([unit])
    return [(f"stage{s}.block{b}", nodes_of(unit)) for s, stage in enumerate(stages, 1)
            for b, unit in enumerate(stage, 1)]


def group_imported(graph: Graph, paths: dict[str, str] | None = None, *,
                   collapse_above: int = COLLAPSE_ABOVE) -> list[str]:
    """Put an imported graph's layers into blocks (module paths when most layers have one, else repeated
    structure); collapse them when the graph has more than ``collapse_above`` nodes. Returns the block ids."""
    paths = paths or {}
    layers = [n for n in graph.nodes if not _is_io(graph, n)]
    with_path = sum(1 for n in layers if paths.get(n))
    found = path_blocks(graph, paths) if layers and with_path * 2 >= len(layers) else []
    if not found:
        found = structural_blocks(graph)
    collapse = len(graph.nodes) > collapse_above
    ids = []
    for name, members in found:
        group = graph.add_group(name, members, parent=None)
        if collapse:
            graph.update_group(group.id, collapsed=True)
        ids.append(group.id)
    return ids
