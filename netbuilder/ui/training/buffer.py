"""`EventBuffer`: where the training thread drops its reports and the UI timer picks them up.

The worker's callback only appends plain records under a lock (microseconds);
the window drains the buffer on a timer (4 Hz), so a fast run never floods the
Qt event queue and plotting never runs once per batch.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Drained:
    """Everything reported since the previous drain, oldest first (layer stats: only the latest per graph)."""

    started: dict[str, Any] | None = None
    batches: list[Any] = field(default_factory=list)  # BatchProgress records
    epochs: list[Any] = field(default_factory=list)  # EpochEnd records
    layer_stats: dict[str, Any] = field(default_factory=dict)  # graph name -> latest LayerStats
    samples: Any = None  # the latest SampleImages
    loading: str | None = None  # the latest data-loading progress line (before the run starts)
    bad_files: list[str] = field(default_factory=list)  # files the data loading found unreadable

    @property
    def empty(self) -> bool:
        return not (self.started or self.batches or self.epochs or self.layer_stats or self.samples is not None
                    or self.loading or self.bad_files)


class EventBuffer:
    """Thread-safe accumulation of training reports (written by the worker, drained by the UI)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = Drained()

    def put_started(self, info: dict[str, Any]) -> None:
        with self._lock:
            self._pending.started = info

    def put_batch(self, event: Any) -> None:
        with self._lock:
            self._pending.batches.append(event)

    def put_epoch(self, event: Any) -> None:
        with self._lock:
            self._pending.epochs.append(event)

    def put_layer_stats(self, event: Any) -> None:
        # Older statistics are stale once newer ones exist: the overlay shows the present.
        with self._lock:
            self._pending.layer_stats[event.graph] = event

    def put_samples(self, samples: Any) -> None:
        with self._lock:
            self._pending.samples = samples

    def put_loading(self, text: str) -> None:
        with self._lock:
            self._pending.loading = text

    def put_bad_file(self, text: str) -> None:
        with self._lock:
            self._pending.bad_files.append(text)

    def drain(self) -> Drained:
        with self._lock:
            out, self._pending = self._pending, Drained()
        return out
