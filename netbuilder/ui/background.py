"""`run_in_background`: one slow call (read a file, import a model) on a thread of its own, its outcome back
in the UI thread, so the window keeps painting and answering while it runs.

The work must not touch a widget. Its result, or the exception it raised, arrives through a queued
signal, in the UI thread, where the caller decides what an exception means (`netbuilder.ui.errors`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

THREAD_END_MS = 2000  # a worker that has reported its end leaves its thread's event loop within milliseconds


@dataclass
class Outcome:
    """What the work gave back: its value, or the exception it raised; and on which thread it ran."""

    value: Any = None
    error: BaseException | None = None
    thread_id: int = 0


class _Courier(QObject):
    """Carries the outcome from the work's thread to the UI thread (a queued signal). It has no parent, so a
    window closed meanwhile cannot take it down while the thread still holds it."""

    arrived = Signal(object)


class BackgroundJob(QObject):
    """A running call: `done` is emitted in the UI thread with its `Outcome`."""

    done = Signal(object)

    def __init__(self, work: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.outcome: Outcome | None = None
        self._work = work
        self._courier = _Courier()
        self._courier.arrived.connect(self._arrived)
        # A daemon thread, not a QThread: quitting the app while a long import runs must not abort the process
        # ("QThread: Destroyed while thread is still running"); the work touches no widget, so nothing is lost.
        self._thread = threading.Thread(target=self._run, name="netbuilder-background", daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    def _run(self) -> None:
        outcome = Outcome(thread_id=threading.get_ident())
        try:
            outcome.value = self._work()
        except BaseException as exc:  # carried to the UI thread, which shows it or lets a bug raise there
            outcome.error = exc
        self._courier.arrived.emit(outcome)

    def running(self) -> bool:
        return self.outcome is None

    def wait(self, ms: int) -> bool:
        """Block at most ``ms`` for the thread to end (closing the window); True when it has."""
        self._thread.join(ms / 1000)
        return not self._thread.is_alive()

    def _arrived(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.done.emit(outcome)


def run_in_background(work: Callable[[], Any], on_done: Callable[[Outcome], None],
                      parent: QObject | None = None) -> BackgroundJob:
    """Start ``work`` on its own thread; ``on_done(outcome)`` runs in the UI thread once it ends."""
    job = BackgroundJob(work, parent)
    job.done.connect(on_done)
    return job.start()


def end_thread_later(thread: QThread) -> None:
    """Delete a worker's QThread once it has ended, without ever blocking the UI thread for long on it.

    Called when the worker has reported its end: the thread then only has to leave its event loop. Waiting on
    it without a limit would freeze the window (and a test) for good if it never did.
    """
    if thread.wait(THREAD_END_MS):
        thread.deleteLater()
        return
    thread.finished.connect(thread.deleteLater)
    if thread.isFinished():  # it ended between the wait and the connection
        thread.deleteLater()
