"""The window's real undo commands on a QUndoStack, under random edit sequences.

Same generator and properties as test_graph_properties.py, but every edit is a
netbuilder.ui.commands command pushed on a QUndoStack (no window needed), so
undoing everything must give back the empty graph and redoing it the same graph.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("PySide6")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from PySide6.QtGui import QUndoStack  # noqa: E402

from netbuilder.graph import Graph  # noqa: E402
from netbuilder.ui import commands as cmd  # noqa: E402
from tests.reliability.graph_fuzz import run_case  # noqa: E402
from tests.reliability.qt_session import QtSession  # noqa: E402


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_random_edit_sequences_through_the_undo_commands_keep_every_property(rng: random.Random) -> None:
    run_case(rng, session=QtSession(Graph("model")))


def test_undoing_a_grouping_of_nodes_from_another_block_puts_them_back_in_it() -> None:
    g = Graph()
    a, b = g.add_node("ReLU"), g.add_node("Tanh")
    stack = QUndoStack()
    stack.push(cmd.GroupNodes(g, "outer", [a.id]))
    outer = a.group
    stack.push(cmd.GroupNodes(g, "inner", [a.id, b.id]))
    stack.undo()
    assert (a.group, b.group) == (outer, None)
