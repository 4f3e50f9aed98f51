"""Loading a data set reports through the worker's buffer: progress lines and unreadable files reach the window."""

from __future__ import annotations

from netbuilder.data.progress import BadSample, LoadProgress
from netbuilder.ui.training.buffer import EventBuffer
from netbuilder.ui.training.worker import _ToBuffer


def test_loading_progress_and_unreadable_files_cross_to_the_window_thread():
    buffer = EventBuffer()
    forward = _ToBuffer(buffer)
    forward.on_data(LoadProgress("pictures", "reading", 10, 40, "files"))
    forward.on_data(LoadProgress("pictures", "reading", 40, 40, "files"))
    forward.on_data(BadSample("/data/cat/7.png", "cannot be read as an image", True))
    drained = buffer.drain()
    assert not drained.empty
    assert drained.loading is not None and "40/40" in drained.loading  # only the latest line is kept
    assert drained.bad_files == ["/data/cat/7.png: cannot be read as an image — skipped"]
    assert buffer.drain().empty
