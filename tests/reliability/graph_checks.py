"""The properties every fuzzed graph must keep, checked after each random edit sequence.

`check_case` raises `PropertyViolation` naming the broken property:

- the networkx mirror stays in step with the nodes and wires;
- analysis (every purpose), the shapes table and the diagnostics' descriptions never raise;
- a graph that validates clean compiles and runs, with the measured shape of every layer equal to the
  inferred one (a value rule broken by random data counts only where analysis warned, see below);
- a graph that does not validate has at least one error on a node, a wire or the graph, and no
  diagnostic points at a node or wire that is not there;
- the project file round trip gives back the same graph;
- undoing every edit gives back the empty graph, and redoing them the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from netbuilder.graph import Graph, Project, analyze
from netbuilder.graph.analysis import REQUIRES
from netbuilder.graph.project import dumps, loads
from netbuilder.graph.report import describe, shapes_table
from tests.reliability.edits import EditSession, mirror_problems, snapshot

# Diagnostics about the whole graph rather than one node or wire.
GRAPH_LEVEL_CODES = {"no_input", "no_loss", "no_output", "missing_graph"}


class PropertyViolation(AssertionError):
    """A case broke one of the properties; the message says which and how."""


@dataclass
class CaseResult:
    """What one case produced."""

    seed: int
    nodes: int = 0
    edits: int = 0
    refused: int = 0
    valid: bool = False
    compiled: bool = False  # valid, compiled, ran, and measured shapes equal the inferred ones
    warned_runtime_failure: bool = False  # valid, but random data broke a value rule (see _check_compiles)
    purpose: str = ""
    error_codes: list[str] = field(default_factory=list)


def purpose_of(graph: Graph) -> str:
    """'train' when the graph has a loss, else 'inference' (what the window would ask for)."""
    return "train" if any(n.spec.role == "loss" for n in graph.nodes.values()) else "inference"


def check_case(session: EditSession, result: CaseResult, *, compile_valid: bool = True) -> None:
    """Assert every property on the session's graph; raise PropertyViolation naming the broken one."""
    graph = session.graph
    problems = mirror_problems(graph)
    if problems:
        raise PropertyViolation("the networkx mirror is out of step: " + "; ".join(problems))
    for purpose in REQUIRES:
        a = analyze(graph, purpose)
        shapes_table(graph, a)
        for d in a.diagnostics:
            describe(d, graph, "fuzz.nbproj")
    Project(graphs={"model": graph}).analyze()

    purpose = result.purpose = purpose_of(graph)
    analysis = analyze(graph, purpose)
    result.nodes, result.valid = len(graph.nodes), analysis.ok
    result.error_codes = sorted({d.code for d in analysis.errors})
    for d in analysis.diagnostics:
        if d.node_id is not None and d.node_id not in graph.nodes:
            raise PropertyViolation(f"diagnostic {d.code} points at a node that does not exist: {d.message}")
        if d.edge_id is not None and d.edge_id not in graph.edges:
            raise PropertyViolation(f"diagnostic {d.code} points at a wire that does not exist: {d.message}")
    if analysis.ok:
        if compile_valid:
            result.compiled = _check_compiles(graph, purpose, analysis)
            result.warned_runtime_failure = not result.compiled
    elif not any(d.node_id or d.edge_id or d.code in GRAPH_LEVEL_CODES for d in analysis.errors):
        raise PropertyViolation("an invalid graph has no diagnostic on a node, a wire or the graph: "
                                + "; ".join(f"{d.code}: {d.message}" for d in analysis.errors))
    _check_file_round_trip(graph)
    _check_undo_redo(session)


def _check_compiles(graph: Graph, purpose: str, analysis) -> bool:
    """Compile and run ``graph``; True when it ran, False for a data-dependent failure analysis warned about."""
    from netbuilder.compile import NodeRuntimeError, build, measured_shapes

    by_name = {n.name: n for n in graph.nodes.values()}
    try:
        compiled = build(graph, purpose)
        measured = measured_shapes(compiled, batch=2)
    except NodeRuntimeError as exc:
        # Random data can break a value rule rather than a shape rule: BCELoss takes probabilities and
        # targets between 0 and 1. Random inputs are N(0, 1), so an Input wired straight into its target
        # (a BCE autoencoder, fine on images in [0, 1]) fails here. Acceptable only for that rule, or
        # where analysis warned about this very node (the "put a Sigmoid before it" hint).
        node = by_name.get(exc.node_name)
        if node is not None and any(d.node_id == node.id and not d.is_error for d in analysis.diagnostics):
            return False
        if node is not None and node.type == "BCELoss" and "between 0 and 1" in str(exc):
            return False
        raise PropertyViolation(f"a graph that validates clean for {purpose!r} failed to run, with no warning "
                                f"on that node: {exc}") from exc
    except Exception as exc:
        raise PropertyViolation(f"a graph that validates clean for {purpose!r} failed to compile or run: "
                                f"{type(exc).__name__}: {exc}") from exc
    sinks = [n.id for n in graph.nodes.values() if n.spec.role in ("output", "loss")]
    needed = set().union(*(nx.ancestors(graph.nx, s) for s in sinks)) if sinks else set()
    unmeasured = sorted(graph.nodes[i].name for i in needed
                        if graph.nodes[i].spec.outputs and graph.nodes[i].name not in measured)
    if unmeasured:
        raise PropertyViolation(f"layers feeding an Output or a loss were not measured: {unmeasured}")
    for name, dims in measured.items():
        node = by_name.get(name)
        if node is None or not node.spec.outputs:
            continue  # a loss value, or an fx helper
        inferred = analysis.nodes[node.id].outputs.get("out")
        if inferred is None or tuple(inferred.dims) != tuple(dims):
            raise PropertyViolation(f"{node.type} '{name}': measured shape {dims} but inferred {inferred}")
    return True


def _check_file_round_trip(graph: Graph) -> None:
    project = Project(graphs={"model": graph})
    text = dumps(project)
    try:
        loaded = loads(text, "roundtrip.nbproj")
    except Exception as exc:
        raise PropertyViolation(f"a saved project does not load again: {type(exc).__name__}: {exc}") from exc
    if _canon(snapshot(loaded.graphs["model"])) != _canon(snapshot(graph)):
        raise PropertyViolation("a project loaded back from its file differs from the one saved")


def _canon(value: Any) -> Any:
    """NaN made comparable to itself, for comparing snapshots."""
    if isinstance(value, float) and value != value:
        return "NaN"
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    return value


def _check_undo_redo(session: EditSession) -> None:
    end = _canon(snapshot(session.graph))
    steps = len(session.done)  # edits undone before the check stay undone
    session.undo_all()
    if session.graph.nodes or session.graph.edges or session.graph.groups:
        raise PropertyViolation("undoing every edit does not give back the empty graph: "
                                f"{len(session.graph.nodes)} nodes, {len(session.graph.edges)} wires, "
                                f"{len(session.graph.groups)} groups left")
    for _ in range(steps):
        session.redo()
    if _canon(snapshot(session.graph)) != end:
        raise PropertyViolation("redoing every edit does not give back the same graph")
    problems = mirror_problems(session.graph)
    if problems:
        raise PropertyViolation("after undo and redo the networkx mirror is out of step: " + "; ".join(problems))
