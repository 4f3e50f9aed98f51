"""`graph.bulk`: holds on Python's cycle collector add up across callers and threads; the collector comes back
on when the last one ends, and only if it was on to begin with."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from netbuilder.graph.bulk import collector_paused, hold_collector, release_collector


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_a_pause_ending_inside_a_hold_leaves_the_collector_off_until_the_hold_ends():
    hold_collector()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    release_collector()
    assert gc.isenabled()


def test_a_pause_ending_on_another_thread_does_not_resume_the_collector_while_a_hold_remains():
    hold_collector()
    ended: list[bool] = []

    def read() -> None:
        with collector_paused():
            pass
        ended.append(True)

    worker = threading.Thread(target=read)
    worker.start()
    worker.join(10)
    assert ended and not gc.isenabled()
    release_collector()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_after_the_last_hold():
    gc.disable()
    with collector_paused(), collector_paused():
        pass
    assert not gc.isenabled()
