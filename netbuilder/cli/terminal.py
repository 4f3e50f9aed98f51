"""Output streams that can print any name: terminal escapes shown as text, unencodable characters escaped.

A node called ``"\\x1b[2J"`` must not clear the user's screen, and a name with a
lone surrogate must not crash ``validate`` with UnicodeEncodeError. Every
sub-command writes through these streams (set up once in `netbuilder.cli.main`),
so no message needs to remember to escape the names it quotes.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from netbuilder.graph.names import printable


class SafeStream:
    """Wraps a text stream: `write` escapes what a terminal would act on or cannot encode."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        safe = printable(text)
        encoding = getattr(self._stream, "encoding", None) or "utf-8"
        try:
            safe.encode(encoding)
        except (UnicodeEncodeError, LookupError):
            safe = safe.encode(encoding if _known(encoding) else "utf-8", "backslashreplace").decode(
                encoding if _known(encoding) else "utf-8")
        self._stream.write(safe)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding… as the wrapped stream
        return getattr(self._stream, name)


def _known(encoding: str) -> bool:
    try:
        "".encode(encoding)
        return True
    except LookupError:
        return False


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` wrapped in `SafeStream` for the duration."""
    saved = sys.stdout, sys.stderr
    sys.stdout = SafeStream(sys.stdout)
    sys.stderr = SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
