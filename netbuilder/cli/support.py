"""What every `netbuilder` sub-command shares (no torch here: parsing must stay fast).

The exit codes are defined here and nowhere else:

- ``EXIT_OK`` (0): done.
- ``EXIT_ERRORS`` (1): the inputs were read, but the work is refused or failed: a graph with
  errors, an export that failed its checks, a training run that failed, a file that would
  have been overwritten.
- ``EXIT_UNREADABLE`` (2): an input cannot be read or used (project, data, checkpoint,
  model, arguments), or an output cannot be written (permissions, full disk, bad name).
- ``EXIT_STOPPED`` (130): stopped by the user (Ctrl-C).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netbuilder.graph.reading import not_a_file

if TYPE_CHECKING:
    from netbuilder.graph.project import Project

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE, EXIT_STOPPED = 0, 1, 2, 130


class UsageError(ValueError):
    """A command-line argument that cannot be used; the message names the option and what to give."""


def open_project(path: str) -> Project | None:
    """Load a project, or print why it cannot be read (file and place inside it) and return None."""
    from netbuilder.graph.project import load_project
    from netbuilder.graph.reading import not_a_file
    from netbuilder.graph.serialize import ProjectFileError

    problem = not_a_file(path)  # a FIFO would hang the read, /dev/zero fill the memory
    if problem is not None:
        print(f"{path}: {problem} — give the path of a .nbproj project file", file=sys.stderr)
        return None
    try:
        return load_project(path)
    except ProjectFileError as exc:
        print(exc, file=sys.stderr)
        return None


def print_import_summary(project: Project, source: str, max_abs_diff: Mapping[int, float], notes: Iterable[str],
                         reference: str) -> None:
    """What an import (ONNX or torch) made: its layers and blocks from ``source``, how closely it reproduces
    ``reference`` (per batch size), and the importer's notes."""
    graph = project.graphs["model"]
    layers = [n for n in graph.nodes.values() if n.spec.role == "layer"]
    blocks = len(graph.groups)  # named after the source's modules, or its repeated structure
    print(f"imported {len(layers)} layers from {source}" + (f" in {blocks} blocks" if blocks else ""))
    if max_abs_diff:
        diffs = ", ".join(f"batch {b}: {d:.2e}" for b, d in max_abs_diff.items())
        print(f"  the rebuilt network matches {reference}: max |diff| {diffs}")
    for note in notes:
        print(f"  note: {note}")


def project_errors(project: Project, graph_names: list[str], file: str) -> list[str]:
    """Every error of the chosen graphs (project-level checks included), worded for the terminal."""
    from netbuilder.graph.report import describe

    results = project.analyze()
    return [describe(d, project.graphs[name], file) for name in graph_names
            for d in results[name].diagnostics if d.is_error]


def check_fits(project: Project, graph_names: list[str] | None, file: str, *, training: bool = False) -> None:
    """Before building: `TooLarge` naming the project when its network (``graph_names``; None: all) cannot be
    built, or with ``training`` trained, in the memory this machine has (see `netbuilder.graph.memory`)."""
    from netbuilder.graph.memory import TooLarge, check_model_fits

    names = [n for n in (graph_names if graph_names is not None else project.graphs) if n in project.graphs]
    try:
        check_model_fits(project, names, training=training)
    except TooLarge as exc:
        raise TooLarge(f"{file}: {exc}") from None


def setting_option(value: int | None, option: str, setting: str) -> int | None:
    """A command-line override of a training setting, within the range the project file allows
    (`TrainingSettings.RANGES`); `UsageError` naming the option and the range otherwise."""
    from netbuilder.graph.settings import TrainingSettings, range_for

    limits = range_for(TrainingSettings, setting)
    if value is None or limits is None:
        return value
    low, high = int(limits[0]), int(limits[1])
    if not low <= value <= high:
        shown = f"{value:,}" if len(str(abs(value))) <= 40 else f"a number of {len(str(abs(value)))} digits"
        raise UsageError(f"{option} {shown}: give a whole number from {low:,} to {high:,}")
    return value


def output_path(text: str, option: str) -> Path:
    """The file an option such as ``-o`` names; `UsageError` for a name that cannot be a file."""
    if not text.strip():
        raise UsageError(f"{option}: the file name is empty — give the name of the file to write")
    if "\x00" in text:
        raise UsageError(f"{option}: the file name holds a NUL character, which no file name may — give another name")
    path = Path(text)
    if text.endswith(("/", "\\")) or path.name in ("", ".", ".."):
        raise UsageError(f"{option} {text}: names a folder — give the name of a file to write")
    problem = None if path.is_dir() else not_a_file(path)  # a folder: refuse_overwrite says so in its words
    if problem is not None:
        raise UsageError(f"{option} {text}: {problem.split(':')[0]} — give the name of a regular file to write")
    return path


@contextlib.contextmanager
def stop_on_interrupt(request_stop: Callable[[], None]) -> Iterator[None]:
    """First Ctrl-C: ``request_stop`` (the run ends after its batch and keeps its weights); a second Ctrl-C
    quits at once. Outside the main thread there is no signal handling."""
    def interrupt(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, previous)
        print("\nstopping after this batch (Ctrl-C again to quit at once)", file=sys.stderr)
        request_stop()

    previous: Any = signal.getsignal(signal.SIGINT)
    try:
        signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
