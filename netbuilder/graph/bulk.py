"""Building many objects at once: loading a 100,000-node project, analysing it.

Python's cyclic garbage collector runs every few hundred allocations and walks
every object still alive in the generations it collects. Building a large
graph allocates millions of objects that all stay alive, so the collector runs
hundreds of times and finds nothing: half the time of loading and analysing a
big project. `collector_paused` turns it off for such a build; reference
counting still frees everything as usual, and the collector resumes after.

The collector is one switch for the whole process, and the window pauses it from
several places at once (a file read on a thread of its own while a canvas fills
slice by slice in the UI thread). So holds are counted, under a lock: the
collector resumes when the last holder lets go, never while another still holds
it, and only if it was on when the first one took it.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holders = 0
_was_enabled = True  # whether the collector was on when the first of the current holders took it


def hold_collector() -> None:
    """Turn the cyclic collector off until a matching `release_collector` (holds from any thread add up)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1


def release_collector(freeze: bool = False) -> None:
    """Let go of one hold; the last one turns the collector back on (if it was on). ``freeze``: the objects
    alive now (a big graph just built) are kept out of later passes (`gc.freeze`), whoever else still holds."""
    global _holders
    with _lock:
        _holders = max(0, _holders - 1)
        if freeze:
            gc.freeze()
        if _holders == 0 and _was_enabled:
            gc.enable()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the duration (nested and concurrent uses are fine: the last to end
    resumes it)."""
    hold_collector()
    try:
        yield
    finally:
        release_collector()
