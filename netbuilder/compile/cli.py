"""`netbuilder code PROJECT -o model.py`: write standalone PyTorch code for a project's network.

torch is imported inside `run` (through codegen), so `netbuilder --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netbuilder.graph.project import Project

EXIT_OK, EXIT_ERRORS, EXIT_UNREADABLE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="a .nbproj file")
    parser.add_argument("-o", "--output", help="the .py file to write (default: print to the terminal)")
    parser.add_argument("--graph", action="append", metavar="NAME",
                        help="write only this graph (repeat for several; default: every graph of the project)")
    parser.add_argument("--train-script", action="store_true",
                        help="also write train.py and data.npz beside the module (default module: ./model.py): a "
                             "standalone training script that also runs under torchrun (DDP); writes every graph")


def chosen_graphs(project: "Project", names: list[str] | None) -> list[str]:
    """The graphs to write, in project order; ValueError names the ones the project lacks."""
    if not names:
        return list(project.graphs)
    unknown = [n for n in names if n not in project.graphs]
    if unknown:
        raise ValueError(f"the project has no graph called {', '.join(map(repr, unknown))}; "
                         f"its graphs are {', '.join(project.graphs)}")
    return [n for n in project.graphs if n in names]


def class_names(project: "Project", graph_names: list[str]) -> dict[str, str]:
    """A class per graph: named after the project when it has one graph, else after each graph."""
    from netbuilder.compile.codegen import class_name_for

    if len(project.graphs) == 1:
        return {graph_names[0]: class_name_for(project.name)}
    names: dict[str, str] = {}
    for graph in graph_names:  # "gen-1" and "gen_1" would both become Gen1
        base = name = class_name_for(graph)
        i = 1
        while name in names.values():
            i += 1
            name = f"{base}{i}"
        names[graph] = name
    return names


def project_code(project: "Project", graph_names: list[str] | None = None) -> str:
    """The generated source for ``graph_names`` (default: all graphs). Raises GraphCompileError on errors."""
    from netbuilder.compile.codegen import generate_file

    names = chosen_graphs(project, graph_names)
    classes = class_names(project, names)
    parts = [(project.graphs[n], project.purpose(n), classes[n]) for n in names]
    return generate_file(parts, project.name)


def project_errors(project: "Project", graph_names: list[str], file: str) -> list[str]:
    """Every error of the chosen graphs (project-level checks included), worded for the terminal."""
    from netbuilder.graph.report import describe

    results = project.analyze()
    return [describe(d, project.graphs[name], file) for name in graph_names
            for d in results[name].diagnostics if d.is_error]


def run(args: argparse.Namespace) -> int:
    from netbuilder.cli_support import open_project

    project = open_project(args.project)
    if project is None:
        return EXIT_UNREADABLE
    try:
        names = chosen_graphs(project, args.graph)
    except ValueError as exc:
        print(f"{args.project}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    errors = project_errors(project, names, args.project)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{args.project}: no code written — fix the {len(errors)} error(s) above first", file=sys.stderr)
        return EXIT_ERRORS
    if getattr(args, "train_script", False):
        return write_train_script(project, args)
    source = project_code(project, names)
    if not args.output:
        sys.stdout.write(source)
        return EXIT_OK
    try:
        Path(args.output).write_text(source, encoding="utf-8")
    except OSError as exc:
        print(f"{args.output}: cannot write the file ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"wrote {args.output} ({', '.join(class_names(project, names).values())})")
    return EXIT_OK


def write_train_script(project: "Project", args: argparse.Namespace) -> int:
    """``--train-script``: the module, train.py and data.npz in one folder (see `compile.trainscript`)."""
    from netbuilder.compile.trainscript import write_training_files

    target = Path(args.output or "model.py")
    try:
        paths = write_training_files(project, target)
    except OSError as exc:
        print(f"{target}: cannot write the files ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_UNREADABLE
    except ValueError as exc:  # a module name train.py cannot import, or data that cannot be loaded
        print(f"{args.project}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"wrote {', '.join(map(str, paths))}\nrun: python {paths[1]}   or   "
          f"torchrun --nproc_per_node=N {paths[1]}")
    return EXIT_OK
