"""`netbuilder search PROJECT --trials N`: search training settings and structure with Optuna.

The study is kept in ``runs/<stem>/search.db`` beside the project, so running the
same command again adds trials to it; ``--storage URL`` uses any Optuna RDB
storage instead (several processes or machines on one study). Each trial is a
run recorded in ``runs/<stem>/search-<study>/trial-<n>/``. ``--json`` prints one
object per trial and a final one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from netbuilder.cli.support import stop_on_interrupt
from netbuilder.cli.support import EXIT_ERRORS, EXIT_OK, EXIT_STOPPED, EXIT_UNREADABLE, project_errors


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="a .nbproj file")
    parser.add_argument("--trials", type=int, help="trials to run now (a resumed study keeps its earlier ones)")
    parser.add_argument("--timeout", type=float, metavar="S", help="stop after this many seconds (the trial in "
                        "progress is cut short)")
    parser.add_argument("--epochs", type=int, help="epochs per trial (default: the space's, else the project's)")
    parser.add_argument("--space", metavar="FILE", help="the search space as JSON (default: runs/<stem>/search.json "
                        "when the window saved one, else learning rate, batch size, optimiser and layer widths)")
    parser.add_argument("--print-space", action="store_true", help="print the search space as JSON and stop "
                        "(a starting point for --space)")
    parser.add_argument("--study", default="default", help="the study's name (default: default)")
    parser.add_argument("--storage", metavar="URL", help="an Optuna RDB storage URL, e.g. "
                        "postgresql://user@host/db (default: SQLite in runs/<stem>/search.db)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="where to train the trials")
    parser.add_argument("--json", action="store_true", help="one JSON object per trial, then a final one")


def _value(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _params(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={_value(v)}" for k, v in params.items())


class _Printer:
    """One line per trial, as it ends."""

    def __init__(self, metric: str = "", as_json: bool = False) -> None:
        self.metric, self.as_json = metric, as_json

    def on_trial_end(self, result: Any) -> None:
        if self.as_json:
            print(json.dumps({"event": "trial", **result.to_dict()}), flush=True)
            return
        from netbuilder.graph.report import human

        value = f"val {self.metric} {result.value:.4f}" if result.value is not None else "no value"
        cost = f"{human(result.macs)} multiply-adds" if result.macs is not None else ""
        took = f"{result.seconds:.1f} s" if result.seconds is not None else ""
        line = "  ".join(x for x in (f"trial {result.number}", f"{result.state:8}", value, cost, took) if x)
        print(f"{line}  {_params(result.params)}", flush=True)
        if result.state != "complete" and result.message:
            print(f"    {result.message}", flush=True)


def _space(args: argparse.Namespace, project: Any, runs: Path) -> tuple[Any, str]:
    from netbuilder.graph.search_space import SPACE_FILE, default_space, load_space

    if args.space:
        return load_space(args.space), args.space
    saved = runs / SPACE_FILE
    if saved.is_file():
        return load_space(saved), str(saved)
    return default_space(project), "the default space"


def run(args: argparse.Namespace) -> int:
    from netbuilder.cli.support import open_project
    from netbuilder.graph.runs import runs_folder
    from netbuilder.graph.search_space import SearchSpaceError

    project = open_project(args.project)
    if project is None:
        return EXIT_UNREADABLE
    runs = runs_folder(args.project)
    try:
        space, where = _space(args, project, runs)
    except SearchSpaceError as exc:
        print(f"netbuilder search: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if args.epochs is not None:
        if args.epochs < 1:
            print(f"--epochs must be at least 1, not {args.epochs}", file=sys.stderr)
            return EXIT_UNREADABLE
        space.epochs = args.epochs
    if args.print_space:
        print(json.dumps(space.to_dict(), indent=1))
        return EXIT_OK
    if args.trials is None and args.timeout is None:
        print("netbuilder search: give --trials N (and/or --timeout S)", file=sys.stderr)
        return EXIT_UNREADABLE
    if (args.trials is not None and args.trials < 1) or (args.timeout is not None and args.timeout <= 0):
        print("netbuilder search: --trials and --timeout must be above 0", file=sys.stderr)
        return EXIT_UNREADABLE
    errors = project_errors(project, list(project.graphs), args.project)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{args.project}: not searched — fix the {len(errors)} error(s) above first", file=sys.stderr)
        return EXIT_ERRORS
    return _search(args, project, space, where, runs)


def _search(args: argparse.Namespace, project: Any, space: Any, where: str, runs: Path) -> int:
    from netbuilder.train import Control
    from netbuilder.train.search import Search, SearchConfig, SearchError, SearchListener

    printer = _Printer(as_json=args.json)

    class Listener(SearchListener):
        def on_search_start(self, event: Any) -> None:
            printer.metric = event.metric
            if args.json:
                return
            trials = f"{args.trials} trial(s)" if args.trials else "trials"
            budget = f" for at most {args.timeout:g} s" if args.timeout else ""
            print(f"searching {project.name}: {trials}{budget}, {search.epochs} epoch(s) each, ranked by validation "
                  f"{event.metric}; study '{event.study}' in {event.storage} ({len(event.previous)} earlier "
                  f"trial(s))\n  space ({where}): " + "; ".join(f"{p.name} {p.describe()}" for p in space.params),
                  flush=True)

        def on_trial_end(self, result: Any) -> None:
            printer.on_trial_end(result)

    control = Control()
    config = SearchConfig(runs, args.trials, args.timeout, None, args.storage, args.study, args.device)
    search = Search(project, space, config, Listener(), control)

    try:
        with stop_on_interrupt(control.request_stop):  # first Ctrl-C: end the trial in progress and stop
            outcome = search.run()
    except SearchError as exc:
        print(f"netbuilder search: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    best = outcome.best
    if args.json:
        print(json.dumps({"event": "finished", "study": outcome.study, "storage": outcome.storage,
                          "metric": outcome.metric, "maximize": outcome.maximize, "ended": outcome.ended,
                          "seconds": outcome.seconds, "best": best.number if best else None,
                          "trials": [t.to_dict() for t in outcome.trials], "importances": outcome.importances}))
    else:
        _summary(outcome)
    if outcome.ended == "stopped":
        return EXIT_STOPPED
    return EXIT_OK if best is not None else EXIT_ERRORS


def _summary(outcome: Any) -> None:
    from netbuilder.graph.report import human

    best = outcome.best
    states: dict[str, int] = {}
    for t in outcome.trials:
        states[t.state] = states.get(t.state, 0) + 1
    ended = {"trials": "the trial budget is spent", "time": "the time budget is spent",
             "stopped": "stopped on request"}[outcome.ended]
    print(f"{ended} after {outcome.seconds:.0f} s; the study holds {len(outcome.trials)} trial(s): "
          + ", ".join(f"{n} {s}" for s, n in states.items()))
    if best is None:
        print("no trial completed")
        return
    cost = f", {human(best.macs)} multiply-adds" if best.macs is not None else ""
    print(f"best: trial {best.number}, val {outcome.metric} {best.value:.4f}{cost}: {_params(best.params)}")
    if best.run_folder is not None:
        print(f"  its run: {best.run_folder}")
    if outcome.importances:
        print("importance: " + ", ".join(f"{k} {v:.0%}" for k, v in outcome.importances.items()))
    print("run the same command again to add trials to this study")
