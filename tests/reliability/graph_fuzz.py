"""Random graphs and random edit sequences, and the properties every one of them must keep.

One case is driven by one `random.Random`, so a failure is reproduced from its
seed (the bench prints it), and hypothesis can drive the same code through
``st.randoms()``. A case:

1. grows a plausible network (an Input of a random kind, then layers chosen
   to fit the shape flowing in, a branch merged back now and then, a loss
   with its Target and/or an Output), so a good share of cases are valid;
2. applies a few random edits through the Graph API (add any layer type,
   connect random ports, disconnect, delete, set parameters to values of the
   right and wrong types and out of range, rename, move, options, group,
   ungroup, copy-paste, and now and then a wire the graph would refuse, as a
   damaged file brings in) with undo and redo mixed in;
3. checks the properties in graph_checks.check_case.
"""

from __future__ import annotations

import math
import random
from typing import Any

from netbuilder.graph import CATALOG, Graph, ParamSpec, TensorShape, analyze
from netbuilder.graph.model import INIT_CHOICES
from tests.reliability.edits import EditSession
from tests.reliability.graph_checks import CaseResult, PropertyViolation, check_case

__all__ = ["CaseResult", "PropertyViolation", "grow", "mutate", "run_case"]

# Plausible values stay small so that every valid graph compiles and runs in milliseconds;
# the catalog ranges allow far bigger (in-range but huge layers are not what this tests).
# num_embeddings starts at 2 because compile's example inputs draw token ids 0 and 1 whatever the
# vocabulary (an Embedding of 1 token fails measured_shapes with "index out of range": reported).
SMALL = {
    "features": (1, 8), "channels": (1, 3), "height": (3, 12), "width": (3, 12), "length": (2, 8),
    "out_features": (1, 12), "out_channels": (1, 6), "kernel_size": (1, 4), "stride": (1, 3), "padding": (0, 2),
    "dilation": (1, 2), "output_padding": (0, 1), "output_size": (1, 3), "scale_factor": (1, 2),
    "hidden_size": (1, 8), "num_layers": (1, 2), "num_heads": (1, 4), "nhead": (1, 4),
    "dim_feedforward": (1, 16), "num_embeddings": (2, 20), "embedding_dim": (1, 8), "classes": (2, 6),
    "dim": (-1, 1),
}
WILD_NUMBERS: tuple[Any, ...] = (0, -1, -7, 10**6 + 1, 10**16, 10**400, 1e308, -1e308, float("nan"), float("inf"),
                                 float("-inf"), 0.5, -0.0, 1e-320)
# Values an editor, a hand-edited file or an importer could produce. (A dict or a nested list is not
# among them: set_param would take one, but the file cannot store it and the window never makes one.)
WILD_OTHER: tuple[Any, ...] = ("", "abc", None, True, False, [], [0], [1, -2], [2, 3], [10**20], ["x"], (1, 2),
                               "tanh", "é\u0000", [float("nan")])
NAMES = ("x", "fc", "layer_2", "conv", "", "  ", "1abc", "a b", "class", "forward", "名前", "x" * 300, "input",
         "_", "linear_1")


def plausible(rng: random.Random, p: ParamSpec) -> Any:
    """A value of the right type, in range, small enough to run fast."""
    if p.kind == "bool":
        return rng.random() < 0.5
    if p.kind == "choice":
        return rng.choice(p.choices)
    if p.kind == "str":
        return rng.choice(("a", "b", ""))
    if p.kind == "ints":
        return [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    lo, hi = SMALL.get(p.name, (p.minimum if p.minimum is not None else 0, p.maximum if p.maximum is not None else 4))
    lo = max(lo, p.minimum) if p.minimum is not None else lo
    hi = min(hi, p.maximum) if p.maximum is not None else hi
    if p.kind == "int":
        return rng.randint(int(math.ceil(lo)), int(math.floor(hi)))
    return round(rng.uniform(lo, min(hi, lo + 1.0)), 3)


def wild(rng: random.Random, p: ParamSpec) -> Any:
    """A value of the wrong type, out of range, non-finite or absurdly large."""
    if p.minimum is not None and p.maximum is not None and rng.random() < 0.3:
        return rng.choice((p.minimum - 1, p.maximum + 1))
    return rng.choice(WILD_NUMBERS + WILD_OTHER)


def random_params(rng: random.Random, layer_type: str, wildness: float = 0.1) -> dict[str, Any]:
    return {p.name: (wild(rng, p) if rng.random() < wildness else plausible(rng, p))
            for p in CATALOG[layer_type].params if rng.random() < 0.7}


# ---- growing a plausible network ----------------------------------------------------------------
ACTIVATIONS = ("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "ELU", "SiLU")
# Every one-input layer of the catalog, so an entry added there is grown here without being listed.
ONE_INPUT = tuple(sorted(t for t, s in CATALOG.items() if s.role == "layer" and len(s.inputs) == 1))


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, min(n, 4) + 1) if n % d == 0]


def _reshapes(size: int) -> list[list[int]]:
    shapes = [[size], [1, size], [size, 1]]
    for a in range(2, size):
        if size % a == 0:
            shapes.append([a, size // a])
            shapes.append([1, a, size // a])
    return shapes


def _next_layer(rng: random.Random, shape: TensorShape) -> tuple[str, dict[str, Any]]:
    """A layer type and parameters that fit ``shape`` (most of the time: some are allowed to misfit)."""
    r = rng.random
    if shape.dtype == "int":
        if shape.rank == 1 and r() < 0.8:
            return "Embedding", random_params(rng, "Embedding", 0.0)
        return rng.choice((("Flatten", {}), ("Reshape", {"shape": rng.choice(_reshapes(max(shape.size, 1)))})))
    rank = shape.rank
    anything = rng.choice(ONE_INPUT)
    common = [(rng.choice(ACTIVATIONS), {}), ("Dropout", {"p": round(r() * 0.9, 2)}), ("LayerNorm", {}),
              (anything, random_params(rng, anything, 0.0))]
    if rank == 1:
        options = [("Linear", random_params(rng, "Linear", 0.0)), ("Linear", random_params(rng, "Linear", 0.0)),
                   ("BatchNorm1d", {}), ("Reshape", {"shape": rng.choice(_reshapes(shape.size))})]
    elif rank == 2:
        f = shape.dims[1]
        cell = rng.choice(("RNN", "LSTM", "GRU"))
        options = [(cell, random_params(rng, cell, 0.0)), ("Conv1d", random_params(rng, "Conv1d", 0.0)),
                   ("MultiheadAttention", {"num_heads": rng.choice(_divisors(f))}),
                   ("TransformerEncoderLayer", {"nhead": rng.choice(_divisors(f)),
                                                "dim_feedforward": rng.randint(1, 16), "dropout": 0.0}),
                   ("Linear", random_params(rng, "Linear", 0.0)), ("Flatten", {}), ("BatchNorm1d", {})]
    elif rank == 3:
        options = [(t, random_params(rng, t, 0.0)) for t in ("Conv2d", "Conv2d", "ConvTranspose2d", "MaxPool2d",
                                                              "AvgPool2d", "AdaptiveAvgPool2d", "Upsample")]
        options += [("BatchNorm2d", {}), ("Flatten", {})]
    else:
        options = [("Flatten", {}), ("Reshape", {"shape": [max(shape.size, 1)]})]
    return rng.choice(options + common)


def _shape_of(graph: Graph, node_id: str) -> TensorShape | None:
    return analyze(graph, "edit").output_shape(node_id)


def _input_params(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(("tabular", "tabular", "image", "image", "sequence", "tokens"))
    params = {p.name: plausible(rng, p) for p in CATALOG["Input"].params if p.name != "kind"}
    params["kind"] = kind
    return params


def grow(session: EditSession, rng: random.Random) -> None:
    """An Input, a chain of fitting layers (with merged branches now and then) and a head."""
    inp = session.add_node("Input", _input_params(rng), name="x")
    current, shape = inp.id, _shape_of(session.graph, inp.id)
    for _ in range(rng.randint(0, 6)):
        assert shape is not None
        if shape.dtype == "float" and shape.rank >= 1 and rng.random() < 0.15:
            current, shape = _merge_branch(session, rng, current, shape)
            continue
        layer_type, params = _next_layer(rng, shape)
        node = session.add_node(layer_type, params)
        session.connect(current, "out", node.id, "in")
        new_shape = _shape_of(session.graph, node.id)
        if new_shape is None:  # it did not fit: usually take it back, sometimes keep the broken graph
            if rng.random() < 0.9:
                session.undo()
                session.undo()
                continue
            break
        current, shape = node.id, new_shape
    _add_head(session, rng, current, shape)


def _merge_branch(session: EditSession, rng: random.Random, current: str, shape: TensorShape):
    branch = session.add_node(rng.choice(ACTIVATIONS))
    session.connect(current, "out", branch.id, "in")
    merge = rng.choice(("Add", "Multiply", "Concatenate"))
    params = {"dim": rng.randrange(shape.rank)} if merge == "Concatenate" else {}
    node = session.add_node(merge, params)
    session.connect(current, "out", node.id, "a")
    session.connect(branch.id, "out", node.id, "b")
    return node.id, _shape_of(session.graph, node.id) or shape


def _add_head(session: EditSession, rng: random.Random, current: str, shape: TensorShape | None) -> None:
    if shape is None or rng.random() < 0.7:
        out = session.add_node("Output", name="out")
        session.connect(current, "out", out.id, "in")
    if shape is None or rng.random() < 0.2:
        return  # inference only (or a broken chain: the diagnostics have to say why)
    if shape.dtype == "float" and shape.rank == 1 and shape.dims[0] >= 2 and rng.random() < 0.5:
        loss_type = rng.choice(("CrossEntropyLoss", "NLLLoss"))
        target = session.add_node("Target", {"kind": "classes", "classes": shape.dims[0]}, name="y")
        if loss_type == "NLLLoss":
            act = session.add_node("LogSoftmax")
            session.connect(current, "out", act.id, "in")
            current = act.id
    else:
        loss_type = rng.choice(("MSELoss", "L1Loss", "BCEWithLogitsLoss", "BCELoss"))
        target = session.add_node("Target", {"kind": "values", "shape": list(shape.dims) or [1]}, name="y")
        if loss_type == "BCELoss":  # it takes probabilities: a Sigmoid before it
            act = session.add_node("Sigmoid")
            session.connect(current, "out", act.id, "in")
            current = act.id
    loss = session.add_node(loss_type, name="loss")
    session.connect(current, "out", loss.id, "pred")
    session.connect(target.id, "out", loss.id, "target")


# ---- random edits --------------------------------------------------------------------------------
def mutate(session: EditSession, rng: random.Random, count: int) -> None:
    """``count`` random edits through the Graph API, undo and redo included."""
    g = session.graph
    ops = ("add", "connect", "connect", "disconnect", "remove", "param", "param", "param", "rename", "move",
           "options", "group", "ungroup", "collapse", "paste", "broken", "undo", "undo", "redo")
    for _ in range(count):
        op = rng.choice(ops)
        nodes = list(g.nodes)
        if op == "add":
            layer_type = rng.choice(sorted(CATALOG))
            session.add_node(layer_type, random_params(rng, layer_type, 0.2), name=rng.choice(NAMES + (None,)),
                             position=(rng.uniform(-500, 500), rng.uniform(-500, 500)))
        elif op == "connect" and nodes:
            _random_connect(session, rng)
        elif op == "disconnect" and g.edges:
            session.disconnect(rng.choice(list(g.edges)))
        elif op == "remove" and nodes:
            session.remove_node(rng.choice(nodes))
        elif op == "param" and nodes:
            node = g.nodes[rng.choice(nodes)]
            params = node.spec.params
            if not params or rng.random() < 0.05:
                session.set_param(node.id, rng.choice(("nope", "bias", "kind")), 1)
            else:
                p = rng.choice(params)
                session.set_param(node.id, p.name, wild(rng, p) if rng.random() < 0.4 else plausible(rng, p))
        elif op == "rename" and nodes:
            session.rename(rng.choice(nodes), rng.choice(NAMES + tuple(n.name for n in g.nodes.values())))
        elif op == "move" and nodes:
            session.move(rng.choice(nodes), (rng.uniform(-2000, 2000), rng.uniform(-2000, 2000)))
        elif op == "options" and nodes:
            session.set_options(rng.choice(nodes), trainable=rng.random() < 0.5,
                                init=rng.choice(INIT_CHOICES + ("bogus",)), init_std=rng.choice((0.02, 0.1, 1.0)))
        elif op == "group" and nodes:
            session.add_group(rng.choice(("block", "", "encoder")), rng.sample(nodes, rng.randint(1, len(nodes))))
        elif op == "ungroup":
            # A block with no layers of its own cannot be rebuilt through the API (nor by the UI's Ungroup).
            groups = list(dict.fromkeys(n.group for n in g.nodes.values() if n.group))
            if groups:
                session.remove_group(rng.choice(groups))
        elif op == "collapse" and g.groups:
            session.collapse_group(rng.choice(list(g.groups)), rng.random() < 0.5)
        elif op == "paste" and nodes:
            session.paste(rng.sample(nodes, rng.randint(1, len(nodes))), (rng.uniform(0, 80), rng.uniform(0, 80)))
        elif op == "broken" and nodes and hasattr(session, "insert_broken_wire") and rng.random() < 0.3:
            src, dst = g.nodes[rng.choice(nodes)], g.nodes[rng.choice(nodes)]
            if src.spec.outputs and dst.spec.inputs:
                session.insert_broken_wire(src.id, rng.choice(src.spec.outputs).name, dst.id,
                                           rng.choice(dst.spec.inputs).name)
        elif op == "undo":
            session.undo()
        elif op == "redo":
            session.redo()


def _random_connect(session: EditSession, rng: random.Random) -> None:
    g = session.graph
    nodes = list(g.nodes.values())
    src, dst = rng.choice(nodes), rng.choice(nodes)
    out_ports = [p.name for p in src.spec.outputs] or ["out"]
    in_ports = [p.name for p in dst.spec.inputs] or ["in"]
    source_port = rng.choice(out_ports) if rng.random() < 0.95 else "nope"
    target_port = rng.choice(in_ports) if rng.random() < 0.95 else "nope"
    target = dst.id if rng.random() < 0.97 else "n-missing"
    session.connect(src.id, source_port, target, target_port)


def run_case(rng: random.Random, seed: int = 0, *, max_edits: int = 8, compile_valid: bool = True,
             session: EditSession | None = None) -> CaseResult:
    """Grow, mutate and check one graph. Raises PropertyViolation (or the model's own crash).

    ``session`` is anything with EditSession's edit and undo methods (tests/reliability/qt_session.py
    drives the window's real undo commands); by default the pure-model inverses.
    """
    session = session if session is not None else EditSession(Graph("model"))
    result = CaseResult(seed)
    grow(session, rng)
    mutate(session, rng, rng.choice((0, 0, 1, 2, 3, max_edits)))
    result.edits, result.refused = session.applied, session.refused
    check_case(session, result, compile_valid=compile_valid)
    return result
