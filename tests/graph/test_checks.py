"""Analysis is a list of check passes: a new kind of diagnostic is one function added to the list."""

from __future__ import annotations

from netbuilder.graph import WARNING, Diagnostic, analyze
from netbuilder.graph.checks import CHECKS, CheckContext, check_has_loss, infer_shapes, run_checks
from tests.graph.builders import classifier


def _widening_layers(ctx: CheckContext) -> list[Diagnostic]:
    """A toy check: layers whose output is bigger than their input (it reads what shape inference recorded)."""
    return [ctx.diagnostic(WARNING, "widens", f"{ctx.graph.nodes[nid].name} widens", nid)
            for nid, info in ctx.infos.items()
            if any(out.size > x.size for out in info.outputs.values() for x in info.inputs.values())]


def test_a_check_added_to_the_list_reports_after_the_checks_before_it():
    g, ids = classifier(features=4, classes=3)
    g.remove_node(ids["out"])  # gives a no_output warning from the built-in checks
    ctx = run_checks(g, "inference", [*CHECKS, _widening_layers])
    assert [d.code for d in ctx.diagnostics] == [d.code for d in analyze(g, "inference").diagnostics] + ["widens"]
    assert ctx.diagnostics[-1].node_id == ids["fc1"] and ctx.diagnostics[-1].graph == g.name


def test_a_check_after_shape_inference_reads_the_shapes_it_recorded():
    g, ids = classifier(features=4, classes=3)
    assert run_checks(g, "train", [_widening_layers]).diagnostics == []  # nothing inferred yet
    assert [d.node_id for d in run_checks(g, "train", [infer_shapes, _widening_layers]).diagnostics] == [ids["fc1"]]


def test_each_check_returns_only_its_own_diagnostics():
    g, ids = classifier()
    g.remove_node(ids["loss"])
    ctx = CheckContext.of(g, "train")
    assert [d.code for d in check_has_loss(ctx)] == ["no_loss"]
    assert ctx.diagnostics == []  # the runner, not the check, records them
