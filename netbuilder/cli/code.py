"""`netbuilder code PROJECT -o model.py`: write standalone PyTorch code for a project's network.

torch is imported inside `run` (through codegen), so `netbuilder --help` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from netbuilder.cli.support import EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE, check_fits, output_path, project_errors

if TYPE_CHECKING:
    from netbuilder.graph.project import Project


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="a .nbproj file")
    parser.add_argument("-o", "--output", help="the .py file to write (default: print to the terminal)")
    parser.add_argument("--graph", action="append", metavar="NAME",
                        help="write only this graph (repeat for several; default: every graph of the project)")
    parser.add_argument("--train-script", action="store_true",
                        help="also write train.py and data.npz beside the module (default module: ./model.py): a "
                             "standalone training script that also runs under torchrun (DDP); writes every graph")
    parser.add_argument("--force", action="store_true",
                        help="replace files that already exist (never the project itself, its data or its weights)")


def run(args: argparse.Namespace) -> int:
    from netbuilder.compile.project_code import chosen_graphs, class_names, project_code
    from netbuilder.cli.support import open_project

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
    # Code generation builds the network to read its modules: refuse one too large to build, with the figure.
    check_fits(project, None if getattr(args, "train_script", False) else names, args.project)
    if getattr(args, "train_script", False):
        return write_train_script(project, args)
    source = project_code(project, names)
    if args.output is None:
        sys.stdout.write(source)
        return EXIT_OK
    from netbuilder.graph.files import atomic_write_text, protected_files, refuse_overwrite

    target = output_path(args.output, "-o")
    refuse_overwrite(target, args.force, protected_files(project))
    atomic_write_text(target, source)  # OSErrors go to the CLI's error boundary, which names the file
    print(f"wrote {target} ({', '.join(class_names(project, names).values())})")
    return EXIT_OK


def write_train_script(project: Project, args: argparse.Namespace) -> int:
    """``--train-script``: the module, train.py and data.npz in one folder (see `compile.trainscript`)."""
    from netbuilder.export.code_files import write_training_files

    target = output_path(args.output, "-o") if args.output is not None else Path("model.py")
    paths = write_training_files(project, target, overwrite=args.force)
    print(f"wrote {', '.join(map(str, paths))}\nrun: python {paths[1]}   or   "
          f"torchrun --nproc_per_node=N {paths[1]}")
    return EXIT_OK
