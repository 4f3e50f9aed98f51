"""How a run talks to its watchers: `Callback` hooks, and a `Control` to stop or pause it from any thread.

Callbacks run in the training thread, between batches. A window should only
copy the event and hand it to its own thread (a queued signal); slow work in a
callback slows training.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from netbuilder.data.progress import DataEvent
from netbuilder.train.events import BatchProgress, EpochEnd, LayerStats, RunFinished, RunStarted, Samples


class Callback:
    """Override the hooks you need; each one gets a record from `netbuilder.train.events`."""

    def on_run_start(self, event: RunStarted) -> None:
        pass

    def on_batch_end(self, event: BatchProgress) -> None:
        """Called every ``report_every`` batches (not every batch: reading the loss waits for the device)."""

    def on_epoch_end(self, event: EpochEnd) -> None:
        pass

    def on_layer_stats(self, event: LayerStats) -> None:
        pass

    def on_samples(self, event: Samples) -> None:
        pass

    def on_data(self, event: DataEvent) -> None:
        """While the data load (before the run starts): progress, and each file found unreadable."""

    def on_run_end(self, event: RunFinished) -> None:
        pass


class FunctionCallback(Callback):
    """A Callback made of plain functions: ``FunctionCallback(on_epoch_end=print)``."""

    HOOKS = ("on_run_start", "on_batch_end", "on_epoch_end", "on_layer_stats", "on_samples", "on_data",
             "on_run_end")

    def __init__(self, **hooks: Callable) -> None:
        unknown = set(hooks) - set(self.HOOKS)
        if unknown:
            raise TypeError(f"unknown hook(s) {', '.join(sorted(unknown))}; the hooks are {', '.join(self.HOOKS)}")
        for name, fn in hooks.items():
            setattr(self, name, fn)


class CallbackList(Callback):
    """Calls each callback in order."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        self.callbacks = list(callbacks)

    def on_run_start(self, event: RunStarted) -> None:
        for cb in self.callbacks:
            cb.on_run_start(event)

    def on_batch_end(self, event: BatchProgress) -> None:
        for cb in self.callbacks:
            cb.on_batch_end(event)

    def on_epoch_end(self, event: EpochEnd) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(event)

    def on_layer_stats(self, event: LayerStats) -> None:
        for cb in self.callbacks:
            cb.on_layer_stats(event)

    def on_samples(self, event: Samples) -> None:
        for cb in self.callbacks:
            cb.on_samples(event)

    def on_data(self, event: DataEvent) -> None:
        for cb in self.callbacks:
            cb.on_data(event)

    def on_run_end(self, event: RunFinished) -> None:
        for cb in self.callbacks:
            cb.on_run_end(event)


class Control:
    """Stop / pause / resume requests, safe to call from any thread; the trainer checks once per batch."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()  # clear while paused
        self._running.set()
        self._lock = threading.Lock()  # so a pause cannot slip in after a stop and hold the run forever

    def request_stop(self) -> None:
        """End the run after the batch in progress (also ends a pause)."""
        with self._lock:
            self._stop.set()
            self._running.set()

    def pause(self) -> None:
        """Hold the run after the batch in progress until `resume` or `request_stop`."""
        with self._lock:
            if not self._stop.is_set():
                self._running.clear()

    def resume(self) -> None:
        with self._lock:
            self._running.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        """Block the training thread while paused; returns on resume or stop."""
        if not self._running.is_set():
            self._running.wait()

    def between_batches(self) -> bool:
        """The trainer's once-per-batch check: waits out a pause, then says whether to stop."""
        if not self._running.is_set():
            self._running.wait()
        return self._stop.is_set()

    def reset(self) -> None:
        """Clear a stop request so the same Control can drive another run."""
        with self._lock:
            self._stop.clear()
            self._running.set()
