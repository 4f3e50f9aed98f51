"""What loading and streaming tell the user while they work: progress, and samples that could not be read.

A loader takes one callback, ``report(event)``, called with a `LoadProgress`
(how far a stage has got) or a `BadSample` (a file or sample that could not
be read, with its path). The command line prints them with `text_progress`;
the window shows them (a progress bar for `LoadProgress`, a note per
`BadSample`). Callbacks run in the thread that loads or trains: a window
must hand them to its own thread.

Imports neither torch nor numpy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

LOG = logging.getLogger("netbuilder.data")

# The stages, in the order a load goes through them; not every load has every stage.
STAGES = {
    "listing": "opening (listing files, reading headers)",
    "converting": "converting to a binary file",  # CSV text, gzip'd IDX, compressed .npz: once, before streaming
    "reading": "reading into memory",
    "statistics": "computing the normalisation",  # one pass over the training split
    "ready": "ready",
}


@dataclass(frozen=True)
class LoadProgress:
    """How far one stage of loading has got: ``done`` of ``total`` (0 when the total is not known)."""

    dataset: str
    stage: str  # a key of STAGES
    done: int
    total: int
    unit: str = "samples"
    detail: str = ""  # e.g. the reason for streaming from disk, on "ready"

    @property
    def fraction(self) -> float | None:
        return min(1.0, self.done / self.total) if self.total > 0 else None

    def describe(self) -> str:
        what = f"{self.dataset}: {STAGES.get(self.stage, self.stage)}"
        if self.total > 0:
            what += f" {self.done:,}/{self.total:,} {self.unit}"
        return what + (f" — {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class BadSample:
    """A file (or one sample of a file) that could not be read; ``skipped``: training went on without it."""

    path: str  # the image's path, or "data.npz: sample 17"
    reason: str
    skipped: bool

    def describe(self) -> str:
        outcome = "skipped" if self.skipped else "the run stops"
        return f"{self.path}: {self.reason} — {outcome}"


DataEvent = LoadProgress | BadSample
Report = Callable[[DataEvent], None]


def log_report(event: DataEvent) -> None:
    """The default when nobody listens: bad samples still reach the log (progress does not)."""
    if isinstance(event, BadSample):
        LOG.warning(event.describe())


class Throttle:
    """Pass progress on at most every ``interval`` seconds, and always the first and last of a stage."""

    def __init__(self, report: Report, dataset: str, stage: str, total: int, unit: str = "samples",
                 interval: float = 0.1) -> None:
        self.report, self.dataset, self.stage, self.total, self.unit = report, dataset, stage, total, unit
        self.interval = interval
        self.sent_at = 0.0
        self.done = 0
        self.report(LoadProgress(dataset, stage, 0, total, unit))

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.sent_at >= self.interval and self.done < self.total:
            self.sent_at = now
            self.report(LoadProgress(self.dataset, self.stage, self.done, self.total, self.unit))

    def finish(self) -> None:
        self.report(LoadProgress(self.dataset, self.stage, max(self.done, self.total), self.total, self.unit))


class TextProgress:
    """A callback that prints progress for a person: redrawn in place on a terminal, one line per stage elsewhere."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.line_open = False  # a progress line is drawn without its newline yet
        self.drawn_at = 0.0

    def __call__(self, event: DataEvent) -> None:
        if isinstance(event, BadSample):
            self._end_line()
            self.stream.write(f"  bad data: {event.describe()}\n")
        else:
            finished = (event.total > 0 and event.done >= event.total) or event.stage == "ready"
            if self.tty:
                now = time.monotonic()
                if not finished and now - self.drawn_at < 0.1:
                    return
                self.drawn_at = now
                self.stream.write("\r" + event.describe()[:150].ljust(150))
                self.line_open = True
                if finished:
                    self._end_line()
            elif finished:  # a log file gets one line per finished stage, not a flood
                self.stream.write(event.describe() + "\n")
        self.stream.flush()

    def _end_line(self) -> None:
        if self.line_open:
            self.stream.write("\n")
            self.line_open = False
