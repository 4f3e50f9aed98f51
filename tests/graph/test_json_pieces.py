"""A big project file is decoded in pieces (so a reading thread lets the window run) with json.loads' result
and json.loads' errors."""

from __future__ import annotations

import json
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netbuilder.graph import json_pieces
from netbuilder.graph.json_pieces import loads_in_pieces
from netbuilder.graph.project import ProjectFileError, loads

LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=5), max_leaves=40)


@pytest.fixture
def always_in_pieces(monkeypatch):
    monkeypatch.setattr(json_pieces, "PIECES_FROM", 0)


@settings(max_examples=200, deadline=None)
@given(value=VALUES, indent=st.sampled_from([None, 0, 2]))
def test_any_json_decodes_as_json_loads_does(value, indent):
    text = json.dumps(value, indent=indent)
    json_pieces.PIECES_FROM, saved = 0, json_pieces.PIECES_FROM
    try:
        assert loads_in_pieces(text) == json.loads(text)
    finally:
        json_pieces.PIECES_FROM = saved


@pytest.mark.parametrize("text", ['{"a": 1,}', '{"a" 1}', '[1 2]', '{"graphs": {"m": {"nodes": [1, }}}',
                                  '{"a": 1} x', '', '   ', '{"a": [1, 2', '{1: 2}', '[{"x": tru}]'])
def test_broken_json_fails_at_the_same_place_as_json_loads(text, always_in_pieces):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(json.JSONDecodeError) as got:
        loads_in_pieces(text)
    assert (got.value.lineno, got.value.colno) == (expected.value.lineno, expected.value.colno)


def test_a_broken_big_project_names_its_line_and_column(always_in_pieces):
    text = '{"format_version": 1, "graphs": {"model": {"nodes": [\n{"id": "a"},\n{"id": "b"} {"id": "c"}]}}}'
    with pytest.raises(ProjectFileError, match="line 3, column 13"):
        loads(text)


def test_decoding_a_big_project_lets_another_thread_run():
    nodes = [{"id": f"n{i}", "type": "ReLU", "name": f"relu{i}", "params": {}, "position": [i * 10.0, 0.0]}
             for i in range(60_000)]
    text = json.dumps({"format_version": 1, "graphs": {"model": {"nodes": nodes, "edges": []}}})
    ticks: list[float] = []
    done = threading.Event()

    def tick() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        start = time.perf_counter()
        decoded = loads_in_pieces(text)
        end = time.perf_counter()
    finally:
        done.set()
        ticker.join()
    assert decoded == json.loads(text)
    during = [t for t in ticks if start <= t <= end]
    # The other thread kept running while the text was decoded (json.loads in one piece would not let it).
    assert len(during) >= 3
