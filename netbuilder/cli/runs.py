"""`netbuilder runs PROJECT`: the project's recorded runs, newest first, as a table or (``--json``) one JSON array.

Reads ``runs/<project name>/`` beside the project file (every run, and a search's trials) without torch.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from netbuilder.cli.support import EXIT_OK, EXIT_UNREADABLE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="a .nbproj file")
    parser.add_argument("--json", action="store_true", help="print one JSON array of the runs (newest first), "
                        "each with its folder, name, note, date, how it ended, metrics, counts and device")
    parser.add_argument("--no-trials", action="store_true", help="leave out the trials of searches")


def run(args: argparse.Namespace) -> int:
    from netbuilder.graph.run_summary import summary, table_rows
    from netbuilder.graph.runs import list_runs, runs_folder

    path = Path(args.project)
    if not path.is_file():  # only its name is used, but a mistyped one should not read as "no runs yet"
        print(f"{args.project}: {'is a folder, not a project file' if path.is_dir() else 'no such file'}",
              file=sys.stderr)
        return EXIT_UNREADABLE
    root = runs_folder(path)
    records = list_runs(root, trials=not args.no_trials)
    if args.json:
        print(json.dumps([summary(r) for r in records], indent=1))
        return EXIT_OK
    if not records:
        print(f"{args.project}: no runs recorded yet (they are kept in {root})")
        return EXIT_OK
    headers, rows = table_rows(records)
    print(_table(headers, rows))
    print(f"\n{len(records)} run(s) in {root}")
    return EXIT_OK


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; text left, figures right."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    numeric = [i for i in range(len(headers)) if i >= 3 and headers[i] not in ("device",)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])
