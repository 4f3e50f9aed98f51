"""A whole project as Python source: which graphs, what their classes are called, and the module text."""

from __future__ import annotations

from netbuilder.graph.project import Project


def chosen_graphs(project: Project, names: list[str] | None) -> list[str]:
    """The graphs to write, in project order; ValueError names the ones the project lacks."""
    if not names:
        return list(project.graphs)
    unknown = [n for n in names if n not in project.graphs]
    if unknown:
        raise ValueError(f"the project has no graph called {', '.join(map(repr, unknown))}; "
                         f"its graphs are {', '.join(project.graphs)}")
    return [n for n in project.graphs if n in names]


def class_names(project: Project, graph_names: list[str]) -> dict[str, str]:
    """A class per graph: named after the project when it has one graph, else after each graph.

    The names are distinct from each other and from every name the generated module and the
    training script use (a project called "objective" must not shadow train.py's Objective).
    """
    from netbuilder.compile.codegen import class_name_for
    from netbuilder.compile.trainscript import script_names
    from netbuilder.graph.names import unique

    reserved = script_names()
    if len(project.graphs) == 1:
        return {graph_names[0]: class_name_for(project.name, reserved)}
    names: dict[str, str] = {}
    for graph in graph_names:  # "gen-1" and "gen_1" would both become Gen1
        names[graph] = unique(class_name_for(graph, reserved), set(names.values()) | reserved, separator="")
    return names


def project_code(project: Project, graph_names: list[str] | None = None) -> str:
    """The generated source for ``graph_names`` (default: all graphs). Raises GraphCompileError on errors."""
    from netbuilder.compile.codegen import generate_file

    names = chosen_graphs(project, graph_names)
    classes = class_names(project, names)
    parts = [(project.graphs[n], project.purpose(n), classes[n]) for n in names]
    return generate_file(parts, project.name)
