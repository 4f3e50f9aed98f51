"""`netbuilder`: the window by default, and validate / train / export / code / import-onnx / import-torch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from netbuilder.cli.support import EXIT_ERRORS, EXIT_OK, EXIT_UNREADABLE
from netbuilder.cli.terminal import safe_streams


def cmd_validate(args: argparse.Namespace) -> int:
    from netbuilder.graph.bulk import collector_paused

    with collector_paused():  # a big project is millions of objects that all stay alive until the end
        return _validate(args)


def _validate(args: argparse.Namespace) -> int:
    from netbuilder.cli.support import open_project
    from netbuilder.data.checks import analyze_with_data
    from netbuilder.graph.report import describe, human, shapes_table

    project = open_project(args.project)
    if project is None:
        return EXIT_UNREADABLE
    results = analyze_with_data(project)  # the graphs' checks, and whether the data set fits them
    errors = 0
    for name, analysis in results.items():
        graph = project.graphs[name]
        for diag in analysis.diagnostics:
            print(describe(diag, graph, args.project))
            errors += diag.is_error
    for name, analysis in results.items():
        graph = project.graphs[name]
        print(f"\n{name}:" if len(results) > 1 else "")
        print(shapes_table(graph, analysis))
    total_p = sum(a.total_params for a in results.values())
    total_m = sum(a.total_macs for a in results.values())
    warnings = sum(len(a.diagnostics) for a in results.values()) - errors
    print(f"\n{total_p:,} parameters ({human(total_p)}), {total_m:,} multiply-adds per sample ({human(total_m)}); "
          f"{errors} error(s), {warnings} warning(s)")
    return EXIT_ERRORS if errors else EXIT_OK


def cmd_gui(args: argparse.Namespace) -> int:
    from netbuilder.ui.app import no_display_message, run_app

    problem = no_display_message()
    if problem is not None:  # Qt would abort the process (exit 134) after printing its plugin list
        print(f"netbuilder gui: {problem}", file=sys.stderr)
        return EXIT_UNREADABLE
    return run_app(args.project)


# Other parts add their commands here: name -> (module, function to add arguments, function to run).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "train": ("netbuilder.cli.train", "add_arguments", "run"),
    "export": ("netbuilder.cli.export", "add_export_arguments", "run_export"),
    "import-onnx": ("netbuilder.cli.export", "add_import_arguments", "run_import"),
    "import-torch": ("netbuilder.cli.torch_import", "add_arguments", "run"),
    "code": ("netbuilder.cli.code", "add_arguments", "run"),
    "runs": ("netbuilder.cli.runs", "add_arguments", "run"),
    "search": ("netbuilder.cli.search", "add_arguments", "run"),
}

HELP = {
    "gui": "open the window (the default)",
    "validate": "check a project and print its shapes table",
    "train": "train a project's network from the command line",
    "export": "export the trained network to ONNX (checked and compared with onnxruntime)",
    "import-onnx": "turn an ONNX model into an editable project",
    "import-torch": "turn a PyTorch nn.Module class (FILE.py:ClassName) into an editable project",
    "code": "write standalone PyTorch code for a project's network",
    "runs": "list a project's recorded training runs (newest first)",
    "search": "search training settings and layer sizes with Optuna (resumable)",
}


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = argparse.ArgumentParser(prog="netbuilder", description="Design neural networks by drawing them.")
    sub = parser.add_subparsers(dest="command")
    gui = sub.add_parser("gui", help=HELP["gui"])
    gui.add_argument("project", nargs="?", help="a .nbproj file to open")
    gui.set_defaults(func=cmd_gui)
    val = sub.add_parser("validate", help=HELP["validate"])
    val.add_argument("project", help="a .nbproj file")
    val.set_defaults(func=cmd_validate)
    for name, (module, add, run) in COMMANDS.items():
        try:
            mod = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            mod = None
        if mod is None:
            continue
        p = sub.add_parser(name, help=HELP[name])
        p.set_defaults(func=_lazy(module, run), _add=(module, add))
        _lazy(module, add)(p)
    return parser


def _lazy(module: str, attr: str) -> Callable:
    def call(*a, **k):
        import importlib

        return getattr(importlib.import_module(module), attr)(*a, **k)
    return call


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].endswith(".nbproj") and len(argv) == 1):
        argv = ["gui", *argv]
    if argv[0] == "gui" and len(argv) <= 2 and not any(a.startswith("-") for a in argv[1:]):
        # The window must open fast: skip build_parser, which imports every command's module (and torch).
        return cmd_gui(argparse.Namespace(project=argv[1] if len(argv) == 2 else None))
    with safe_streams():
        args = build_parser().parse_args(argv)
        return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed sub-command inside the one error boundary (see `netbuilder.cli.errors`).

    The project's own errors and the file system's become one line on stderr and
    exit code 1 or 2; anything else is a bug and keeps its traceback.
    """
    from netbuilder.cli.errors import explain

    try:
        return int(args.func(args) or 0)
    except (Exception, KeyboardInterrupt) as exc:
        known = explain(exc)
        if known is None:
            raise
        code, message = known
        print(f"netbuilder {args.command}: {message}", file=sys.stderr)
        return code


if __name__ == "__main__":
    raise SystemExit(main())
