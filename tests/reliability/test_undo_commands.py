"""The window's undo steps on a QUndoStack, under random edit sequences.

Same generator and properties as test_graph_properties.py, but every edit is
pushed on a QUndoStack inside the window's `EditCommand` (no window needed), so
undoing everything must give back the empty graph and redoing it the same graph.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("PySide6")

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtGui import QUndoStack

from netbuilder.graph import Graph
from netbuilder.graph.edits import GroupNodes
from netbuilder.ui.commands import EditCommand
from tests.reliability.graph_fuzz import run_case
from tests.reliability.qt_session import QtSession


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False))
def test_random_edit_sequences_through_the_undo_commands_keep_every_property(rng: random.Random) -> None:
    run_case(rng, session=QtSession(Graph("model")))


def test_undoing_a_grouping_of_nodes_from_another_block_puts_them_back_in_it() -> None:
    g = Graph()
    a, b = g.add_node("ReLU"), g.add_node("Tanh")
    stack = QUndoStack()
    stack.push(EditCommand(GroupNodes("outer", [a.id]), g))
    outer = a.group
    stack.push(EditCommand(GroupNodes("inner", [a.id, b.id]), g))
    stack.undo()
    assert (a.group, b.group) == (outer, None)
