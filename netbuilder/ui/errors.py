"""The window's error boundary: a failure the user can act on is shown in the words the command line prints.

The text comes from `netbuilder.graph.error_text.describe`, the one mapping the
command line uses too (`netbuilder.cli.errors` adds only its exit codes). An
exception it does not know is a bug: `failure_text` raises it again, so it reaches
the excepthook with its traceback instead of being hidden behind a vague dialog.
"""

from __future__ import annotations

from netbuilder.graph.error_text import describe


def failure_text(exc: BaseException) -> str:
    """The one-line message for a failure the user can act on; re-raises ``exc`` when it is a bug."""
    text = describe(exc)
    if text is None:
        raise exc
    return text.message
