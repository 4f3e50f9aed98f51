"""The command line's one error boundary: the project's own errors and the file system's, as one line each.

`explain` maps an exception to (exit code, message) when it is one the user can
act on. The words come from `netbuilder.graph.error_text`, which the window
shows in its dialogs too, so a failure reads the same wherever it happens; this
module adds only what is the command line's own: the exit codes, its usage
errors and Ctrl-C. Anything else is a bug: `explain` returns None and the
exception goes on, traceback and all.
"""

from __future__ import annotations

from netbuilder.cli.support import EXIT_ERRORS, EXIT_STOPPED, EXIT_UNREADABLE, UsageError
from netbuilder.graph.error_text import ErrorKind, describe
from netbuilder.graph.names import printable

_CODE_OF_KIND = {ErrorKind.INPUT: EXIT_UNREADABLE, ErrorKind.REFUSED: EXIT_ERRORS}


def explain(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one-line message) for an error the user can act on; None for a bug."""
    if isinstance(exc, UsageError):
        return EXIT_UNREADABLE, printable(str(exc))
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_STOPPED, "interrupted"
    text = describe(exc)
    if text is None:
        return None
    return _CODE_OF_KIND[text.kind], text.message
