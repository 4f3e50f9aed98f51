"""What a search may change, as data: `SearchParam` and `SearchSpace` (pure Python: no torch, no Qt).

A search varies training settings (learning rate, batch size, optimiser,
weight decay, momentum) and the network's structure (a Dropout's rate, a
layer's width, an activation's type, a block's repeat count), each within a
range or a list of choices the user picks. The space is kept in its own JSON
file in the project's runs folder (``runs/<stem>/search.json``), so the
project file format is unchanged and Save As carries it with the runs.

How a chosen set of values becomes a network is `netbuilder.graph.trial_edit`;
running the search is `netbuilder.train.search`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from netbuilder.graph.files import atomic_write_text
from netbuilder.graph.model import Graph, Node
from netbuilder.graph.project import Project
from netbuilder.graph.runs import runs_folder
from netbuilder.graph.settings import OPTIMIZERS, TrainingSettings, range_for

SPACE_FILE = "search.json"
MAX_SPACE_BYTES = 1024 * 1024

SETTING, DROPOUT, WIDTH, ACTIVATION, REPEAT = "setting", "dropout", "width", "activation", "repeat"
KINDS = (SETTING, DROPOUT, WIDTH, ACTIVATION, REPEAT)
# The settings a search may vary, and what each holds.
SETTING_KINDS: dict[str, type] = {"learning_rate": float, "batch_size": int, "optimizer": str,
                                  "weight_decay": float, "momentum": float}
# The parameter that is a layer's width, by layer type.
WIDTH_PARAMS = {"Linear": "out_features", "Conv1d": "out_channels", "Conv2d": "out_channels",
                "ConvTranspose1d": "out_channels", "ConvTranspose2d": "out_channels", "RNN": "hidden_size",
                "LSTM": "hidden_size", "GRU": "hidden_size"}
# Activations that keep the shape and need no parameter of their own: any one can stand in for another.
SWAPPABLE_ACTIVATIONS = ("ReLU", "LeakyReLU", "GELU", "ELU", "SiLU", "Mish", "SELU", "Tanh", "Sigmoid", "Softplus",
                         "Softsign", "ReLU6", "Hardswish", "Hardtanh", "Hardsigmoid")
DEFAULT_ACTIVATIONS = ("ReLU", "LeakyReLU", "GELU", "ELU", "Tanh")
MAX_REPEAT = 16


class SearchSpaceError(ValueError):
    """A search space that cannot be used; the message names the parameter and what to change."""


@dataclass(frozen=True)
class SearchParam:
    """One thing a search varies: a range (``low``..``high``, on a log scale when ``log``) or ``choices``.

    ``target`` is a setting key (kind ``setting``), a node id (``dropout``, ``width``, ``activation``) or a
    block id (``repeat``) of graph ``graph``. ``name`` is how the search, its tables and its study call it
    ("learning_rate", "fc1.out_features"); it is fixed when the parameter is made, so a study stays
    readable even if the node is renamed later.
    """

    kind: str
    target: str
    name: str
    graph: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    log: bool = False

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    @property
    def integer(self) -> bool:
        """Whether a range of this parameter holds whole numbers."""
        return self.kind in (WIDTH, REPEAT) or (self.kind == SETTING and SETTING_KINDS.get(self.target) is int)

    def describe(self) -> str:
        """The range in words: ``1e-04 … 0.01 (log)`` or ``adam, sgd``."""
        if self.is_choice:
            return ", ".join(map(str, self.choices))
        return f"{_number(self.low)} … {_number(self.high)}" + (" (log)" if self.log else "")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "target": self.target, "name": self.name}
        if self.graph:
            data["graph"] = self.graph
        if self.is_choice:
            data["choices"] = list(self.choices)
        else:
            data.update(low=self.low, high=self.high, log=self.log)
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str) -> SearchParam:
        if not isinstance(data, dict):
            raise SearchSpaceError(f"{where}: a parameter should be an object, not {type(data).__name__}")
        unknown = set(data) - {"kind", "target", "name", "graph", "low", "high", "choices", "log"}
        if unknown:
            raise SearchSpaceError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        kind, target = data.get("kind"), data.get("target")
        if kind not in KINDS:
            raise SearchSpaceError(f"{where}.kind: should be one of {', '.join(KINDS)}, not {kind!r}")
        if not isinstance(target, str) or not target:
            raise SearchSpaceError(f"{where}.target: give the setting, node or block it changes")
        name = data.get("name", target)
        graph = data.get("graph", "")
        choices = data.get("choices", [])
        if not isinstance(name, str) or not name or not isinstance(graph, str):
            raise SearchSpaceError(f"{where}: name and graph should be text")
        if not isinstance(choices, list) or any(not isinstance(c, (str, int, float)) or isinstance(c, bool)
                                                for c in choices):
            raise SearchSpaceError(f"{where}.choices: should be a list of numbers or names")
        low, high, log = data.get("low"), data.get("high"), data.get("log", False)
        for key, value in (("low", low), ("high", high)):
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)
                                      or not math.isfinite(value)):
                raise SearchSpaceError(f"{where}.{key}: should be a number")
        if not isinstance(log, bool):
            raise SearchSpaceError(f"{where}.log: should be true or false")
        return cls(kind, target, name, graph, low, high, tuple(choices), log)


@dataclass
class SearchSpace:
    """The parameters of a search, and how many epochs each trial trains (None: the project's setting)."""

    params: list[SearchParam] = field(default_factory=list)
    epochs: int | None = None

    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def param(self, name: str) -> SearchParam | None:
        return next((p for p in self.params if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {"params": [p.to_dict() for p in self.params], "epochs": self.epochs}

    @classmethod
    def from_dict(cls, data: Any) -> SearchSpace:
        if not isinstance(data, dict) or not isinstance(data.get("params"), list):
            raise SearchSpaceError("a search space is an object with a list of 'params'")
        epochs = data.get("epochs")
        if epochs is not None and (not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1):
            raise SearchSpaceError(f"epochs: should be a whole number of at least 1, not {epochs!r}")
        params = [SearchParam.from_dict(p, f"params[{i}]") for i, p in enumerate(data["params"])]
        return cls(params, epochs)

    def problems(self, project: Project) -> list[str]:
        """Why this space cannot be searched on ``project`` (empty when it can), one line each."""
        out = []
        seen: set[str] = set()
        for p in self.params:
            if p.name in seen:
                out.append(f"{p.name}: two parameters have this name")
            seen.add(p.name)
            problem = param_problem(project, p)
            if problem:
                out.append(f"{p.name}: {problem}")
        if not self.params:
            out.append("choose at least one thing to search")
        return out

    def check(self, project: Project) -> None:
        problems = self.problems(project)
        if problems:
            raise SearchSpaceError("; ".join(problems))


# ---- checking ------------------------------------------------------------------------------------
def _graph_of(project: Project, p: SearchParam) -> Graph | None:
    return project.graphs.get(p.graph or project.main_graph_name)


def param_problem(project: Project, p: SearchParam) -> str | None:
    """Why ``p`` cannot be searched on ``project``, or None."""
    if p.kind == SETTING:
        return _setting_problem(p)
    graph = _graph_of(project, p)
    if graph is None:
        return f"the project has no graph {p.graph!r}"
    if p.kind == REPEAT:
        if p.target not in graph.groups:
            return "the block is no longer in the network"
        return _range_problem(p, 1, MAX_REPEAT, integer=True)
    node = graph.nodes.get(p.target)
    if node is None:
        return "the layer is no longer in the network"
    if p.kind == DROPOUT:
        if "p" not in {s.name for s in node.spec.params} or node.spec.category != "Regularisation":
            return f"{node.name} is a {node.type}, not a Dropout"
        return _range_problem(p, 0.0, 0.99)
    if p.kind == WIDTH:
        if node.type not in WIDTH_PARAMS:
            return f"{node.name} is a {node.type}, which has no width to search"
        spec = node.spec.param(WIDTH_PARAMS[node.type])
        return _range_problem(p, spec.minimum or 1, spec.maximum or 1_000_000, integer=True)
    if p.kind == ACTIVATION:
        if node.type not in SWAPPABLE_ACTIVATIONS:
            return f"{node.name} is a {node.type}; only {', '.join(SWAPPABLE_ACTIVATIONS)} can be swapped"
        wrong = [str(c) for c in p.choices if c not in SWAPPABLE_ACTIVATIONS]
        if not p.choices:
            return "list the activations to try"
        return f"cannot try {', '.join(wrong)} (not an activation that keeps the shape)" if wrong else None
    return f"unknown kind {p.kind!r}"


def _setting_problem(p: SearchParam) -> str | None:
    kind = SETTING_KINDS.get(p.target)
    if kind is None:
        return f"a search can vary {', '.join(SETTING_KINDS)}, not {p.target!r}"
    if kind is str:
        wrong = [str(c) for c in p.choices if c not in OPTIMIZERS]
        if not p.choices:
            return "list the optimisers to try"
        return f"unknown optimiser(s) {', '.join(wrong)}; use {', '.join(OPTIMIZERS)}" if wrong else None
    lo, hi = range_for(TrainingSettings, p.target) or (0.0, math.inf)
    return _range_problem(p, lo, hi, integer=kind is int)


def _range_problem(p: SearchParam, lo: float, hi: float, integer: bool = False) -> str | None:
    values: Sequence[Any] = p.choices if p.is_choice else [p.low, p.high]
    if any(v is None for v in values):
        return "give a lowest and a highest value"
    if any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in values):
        return "the values should be numbers"
    if integer and any(float(v) != int(v) for v in values):
        return "the values should be whole numbers"
    if any(not lo <= v <= hi for v in values):
        return f"the values should lie between {_number(lo)} and {_number(hi)}"
    if not p.is_choice:
        assert p.low is not None and p.high is not None
        if p.low > p.high:
            return f"the lowest value ({_number(p.low)}) is above the highest ({_number(p.high)})"
        if p.log and p.low <= 0:
            return "a log scale needs a lowest value above 0"
    return None


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e6 else f"{value:g}"


# ---- the parameters a project offers -------------------------------------------------------------
def _graphs(project: Project) -> list[tuple[str, Graph]]:
    """The graphs a search may change: every trained graph, the main one first."""
    main = project.main_graph_name
    return [(main, project.graphs[main])] + [(n, g) for n, g in project.graphs.items() if n != main]


def _name(project: Project, graph: str, text: str) -> str:
    return text if len(project.graphs) == 1 or graph == project.main_graph_name else f"{graph}/{text}"


def _last_layers(graph: Graph) -> set[str]:
    """Width layers whose output reaches an Output or a loss without passing another width layer:
    their width is the network's answer (classes, values), not a choice."""
    last = set()
    for node in graph.nodes.values():
        if node.type not in WIDTH_PARAMS:
            continue
        pending, seen = [node.id], {node.id}
        while pending:
            current = pending.pop()
            for edge in graph.edges_out_of(current):
                nxt = graph.nodes[edge.target]
                if nxt.spec.role in ("output", "loss"):
                    last.add(node.id)
                elif nxt.type not in WIDTH_PARAMS and edge.target not in seen:
                    seen.add(edge.target)
                    pending.append(edge.target)
    return last


def _width(node: Node) -> int:
    return int(node.values()[WIDTH_PARAMS[node.type]])


def candidate_params(project: Project) -> list[SearchParam]:
    """Everything the project lets a search vary, each with a sensible starting range."""
    t = project.training
    lr = t.learning_rate
    out = [
        SearchParam(SETTING, "learning_rate", "learning_rate", low=max(1e-6, lr / 10), high=min(1.0, lr * 10),
                    log=True),
        SearchParam(SETTING, "batch_size", "batch_size",
                    choices=tuple(sorted({max(1, t.batch_size // 2), t.batch_size, t.batch_size * 2}))),
        SearchParam(SETTING, "optimizer", "optimizer",
                    choices=tuple(dict.fromkeys((t.optimizer, "adam", "adamw", "sgd")))),
        SearchParam(SETTING, "weight_decay", "weight_decay", low=1e-6, high=1e-2, log=True),
        SearchParam(SETTING, "momentum", "momentum", low=0.5, high=0.99),
    ]
    for gname, graph in _graphs(project):
        last = _last_layers(graph)
        for node in (graph.nodes[i] for i in graph.topological_order()):
            if node.type in WIDTH_PARAMS and node.id not in last:
                w = _width(node)
                out.append(SearchParam(WIDTH, node.id, _name(project, gname, f"{node.name}.{WIDTH_PARAMS[node.type]}"),
                                       gname, low=max(1, w // 2), high=w * 2, log=True))
            elif node.spec.category == "Regularisation" and any(s.name == "p" for s in node.spec.params):
                out.append(SearchParam(DROPOUT, node.id, _name(project, gname, f"{node.name}.p"), gname,
                                       low=0.0, high=0.6))
            elif node.type in SWAPPABLE_ACTIVATIONS:
                choices = tuple(dict.fromkeys((node.type, *DEFAULT_ACTIVATIONS)))
                out.append(SearchParam(ACTIVATION, node.id, _name(project, gname, f"{node.name}.type"), gname,
                                       choices=choices))
        for group in graph.groups.values():
            out.append(SearchParam(REPEAT, group.id, _name(project, gname, f"{group.name}.repeat"), gname,
                                   low=1, high=3))
    return out


def default_space(project: Project) -> SearchSpace:
    """Learning rate, batch size, optimiser, and the widths of the layers before the last whose width can
    change without breaking the network (a layer feeding an Add must keep its partner's width)."""
    from netbuilder.graph.trial_edit import trial_project

    params = [p for p in candidate_params(project) if p.kind == SETTING and p.target in
              ("learning_rate", "batch_size", "optimizer")]
    errors = _error_count(project)
    for p in candidate_params(project):
        if p.kind == WIDTH:
            assert p.high is not None
            tried = trial_project(project, SearchSpace([p]), {p.name: int(p.high)})
            if _error_count(tried) <= errors:
                params.append(p)
    return SearchSpace(params)


def _error_count(project: Project) -> int:
    return sum(len(a.errors) for a in project.analyze().values())


# ---- the file ------------------------------------------------------------------------------------
def space_file(project: Project, runs: Path | None = None) -> Path:
    """Where a project's search space is kept: ``search.json`` in its runs folder (``runs``, or the one beside
    the saved project file)."""
    if runs is None:
        if project.path is None:
            raise ValueError("the project has no file yet — say where its runs go")
        runs = runs_folder(project.path)
    return runs / SPACE_FILE


def load_space(path: str | Path) -> SearchSpace:
    """Read a search space file; SearchSpaceError says what is wrong with it."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_SPACE_BYTES:
            raise SearchSpaceError(f"{p}: too large to be a search space")
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SearchSpaceError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    except (ValueError, RecursionError) as exc:
        raise SearchSpaceError(f"{p}: not valid JSON ({exc})") from None
    try:
        return SearchSpace.from_dict(data)
    except SearchSpaceError as exc:
        raise SearchSpaceError(f"{p}: {exc}") from None


def save_space(space: SearchSpace, path: str | Path) -> Path:
    return atomic_write_text(path, json.dumps(space.to_dict(), indent=1) + "\n")


def with_range(p: SearchParam, low: float | None = None, high: float | None = None,
               choices: Iterable[Any] | None = None, log: bool | None = None) -> SearchParam:
    """``p`` with a new range or list of choices."""
    return replace(p, low=p.low if low is None else low, high=p.high if high is None else high,
                   choices=p.choices if choices is None else tuple(choices), log=p.log if log is None else log)


# ---- results -------------------------------------------------------------------------------------
def pareto_front(points: Sequence[tuple[float, float]], maximize: bool = True) -> list[int]:
    """Indices of the (metric, cost) points no other point beats: as good a metric for less cost, or a
    better metric for no more cost. Sorted by cost."""
    sign = 1.0 if maximize else -1.0
    front = []
    for i, (m, c) in enumerate(points):
        dominated = any((sign * m2 >= sign * m and c2 <= c) and (sign * m2 > sign * m or c2 < c)
                        for j, (m2, c2) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: (points[i][1], -sign * points[i][0]))
