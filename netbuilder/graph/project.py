"""The project: graphs + data set + training settings + canvas view, and its `.nbproj` file.

The file is JSON with a ``format_version``. Loading never evaluates anything;
it parses into clear `ProjectFileError`s that give the path inside the file.
Saving is atomic: a crash mid-save leaves the previous file intact.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from netbuilder.graph.analysis import Analysis, analyze
from netbuilder.graph.diagnostics import ERROR, Diagnostic
from netbuilder.graph.files import atomic_write_text
from netbuilder.graph.json_pieces import loads_in_pieces
from netbuilder.graph.model import Graph
from netbuilder.graph.reading import not_a_file
from netbuilder.graph.serialize import ProjectFileError, expect, graph_from_dict, graph_to_dict, limit_depth
from netbuilder.graph.schemes import Purpose, SchemeSpec, scheme_spec
from netbuilder.graph.settings import DatasetSettings, TrainingSettings, from_dict, to_dict
from netbuilder.graph.start_from import rebased

FORMAT_VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024
SUFFIX = ".nbproj"

@dataclass
class Project:
    name: str = "untitled"
    graphs: dict[str, Graph] = field(default_factory=lambda: {"model": Graph("model")})
    dataset: DatasetSettings = field(default_factory=DatasetSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    view: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None  # where it was loaded from / saved to; not stored in the file

    @property
    def scheme(self) -> str:
        return self.training.scheme

    @property
    def scheme_spec(self) -> SchemeSpec | None:
        """The descriptor of the project's training scheme (None for a name no scheme is registered under)."""
        return scheme_spec(self.scheme)

    @property
    def main_graph_name(self) -> str:
        """The graph that is exported and shown first: the scheme's first graph when the project has it."""
        spec = self.scheme_spec
        if spec is not None and spec.first_graph in self.graphs:
            return spec.first_graph
        return "model" if "model" in self.graphs else next(iter(self.graphs))

    @property
    def main_graph(self) -> Graph:
        return self.graphs[self.main_graph_name]

    @property
    def data_graph_name(self) -> str:
        """The graph whose Input the data set feeds (a GAN's discriminator)."""
        spec = self.scheme_spec
        return spec.data_graph if spec is not None else self.main_graph_name

    def purpose(self, graph_name: str) -> Purpose:
        spec = self.scheme_spec
        return spec.purpose(graph_name) if spec is not None else "edit"

    def analyze(self) -> dict[str, Analysis]:
        """Each graph's analysis, with the project-level checks added to the right graph."""
        # Copies, because analyze() hands out its cached result and the project adds to it.
        results = {name: replace(analyze(g, self.purpose(name))) for name, g in self.graphs.items()}
        for a in results.values():
            a.diagnostics = list(a.diagnostics)
        for diag in project_checks(self, results):
            results[diag.graph].diagnostics.append(diag)
        return results

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "description": self.description,
            "graphs": {name: graph_to_dict(g) for name, g in self.graphs.items()},
            "dataset": to_dict(self.dataset),
            "training": to_dict(self.training),
            "view": self.view,
        }


def project_checks(project: Project, results: dict[str, Analysis]) -> list[Diagnostic]:
    """Checks that span graphs or depend on the scheme (GAN shapes, autoencoder targets)."""
    spec = project.scheme_spec
    if spec is None:
        return []
    first = next(iter(project.graphs))
    missing = [n for n in spec.graphs if n not in project.graphs]
    if missing:
        return [Diagnostic(ERROR, "missing_graph", f"the {project.scheme} scheme needs a graph called '{name}' — add "
                           "it, or change the training scheme", graph=first) for name in missing]
    return [diag for check in spec.checks for diag in check(project, results)]


# ---- file ------------------------------------------------------------------------------------
def project_from_dict(data: Any) -> Project:
    expect(data, dict, "", "the file")
    if "format_version" not in data:
        raise ProjectFileError("format_version", "this is not a netbuilder project (no format_version)")
    version = expect(data["format_version"], int, "format_version", "format_version")
    if version > FORMAT_VERSION:
        raise ProjectFileError("format_version", f"the file was written by a newer netbuilder (format "
                               f"{version}; this version reads up to {FORMAT_VERSION}) — update netbuilder to open it")
    if version < 1:
        raise ProjectFileError("format_version", f"format_version {version} is not valid")
    if "graphs" not in data:
        raise ProjectFileError("graphs", "the project has no 'graphs'")
    graphs_data = expect(data["graphs"], dict, "graphs", "graphs")
    if not graphs_data:
        raise ProjectFileError("graphs", "the project has no graph")
    graphs = {expect(name, str, "graphs", "a graph name"): graph_from_dict(g, name, f"graphs.{name}")
              for name, g in graphs_data.items()}
    return Project(
        name=expect(data.get("name", "untitled"), str, "name", "the project name"),
        description=expect(data.get("description", ""), str, "description", "the description"),
        graphs=graphs,
        dataset=from_dict(DatasetSettings, data.get("dataset", {}), "dataset"),
        training=from_dict(TrainingSettings, data.get("training", {}), "training"),
        view=limit_depth(expect(data.get("view", {}), dict, "view", "the view"), "view", "the view"),
    )


def loads(text: str, file: str = "") -> Project:
    try:
        data = loads_in_pieces(text)  # a big file in pieces: a thread reading it never blocks the window long
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"line {exc.lineno}, column {exc.colno}", f"the file is not valid JSON ({exc.msg}) "
                               "— it may be truncated or damaged", file) from None
    except RecursionError:
        raise ProjectFileError("", "the file is nested too deeply to be a project", file) from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts (over 4300)
        raise ProjectFileError("", f"the file holds a value that cannot be read ({exc})", file) from None
    try:
        return project_from_dict(data)
    except ProjectFileError as exc:
        raise exc.in_file(file) from None
    except RecursionError:
        raise ProjectFileError("", "the file is nested too deeply to be a project", file) from None


def load_project(path: str | os.PathLike) -> Project:
    """Read a `.nbproj`; any problem is a ProjectFileError naming the file and the place in it."""
    p = Path(path)
    why = not_a_file(p)  # a FIFO or a device would hang or fill memory: refused before it is opened
    if why is not None:
        raise ProjectFileError("", f"{why} — give the path of a .nbproj project file", str(p))
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProjectFileError("", f"the file is {size // 1_048_576} MiB, too large to be a project", str(p))
        raw = p.read_bytes()
    except OSError as exc:
        raise ProjectFileError("", f"cannot read the file ({exc.strerror or exc})", str(p)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectFileError(f"byte {exc.start}", "the file is not UTF-8 text — it is damaged or not a project",
                               str(p)) from None
    project = loads(text, str(p))
    project.path = p
    return project


def dumps(project: Project) -> str:
    return json.dumps(project.to_dict(), indent=2, ensure_ascii=False) + "\n"


def save_project(project: Project, path: str | os.PathLike | None = None) -> Path:
    target = Path(path) if path is not None else project.path
    if target is None:
        raise ValueError("the project has no file yet — choose where to save it")
    with start_from_for(project, target):
        atomic_write_text(target, dumps(project))
    project.path = target
    return target


@contextmanager
def start_from_for(project: Project, target: Path) -> Iterator[None]:
    """While saving to ``target``: a relative start_from is rewritten to name the same file from the new folder
    (Save As elsewhere); put back if the write fails, so the project still means what it did."""
    old = project.training.start_from
    project.training.start_from = rebased(old, project.path.parent if project.path else None, target.parent)
    try:
        yield
    except BaseException:
        project.training.start_from = old
        raise
