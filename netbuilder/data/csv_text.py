"""A CSV file's text, read with bounds: the one way both CSV readers (whole: `csv_table.read_csv`; streamed:
`csv_stream.open_csv`) read a table, so that a file which is not one is refused the same way, in the same words.

A "line" of gigabytes (a sparse or binary file, a table without line breaks)
would otherwise be read whole into memory before the csv module sees it, and
NUL bytes (binary data, an empty sparse file) end in the csv module's "field
larger than field limit" after gigabytes are read. Here each line is read with
a bound of MAX_LINE characters and checked for NUL before the next is read.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NoReturn

from netbuilder.data.dataset import DataError

# The longest line read: a table row is far shorter (a 16 MiB row is a million wide columns).
MAX_LINE = 16 << 20
SNIFF = 4096  # characters the delimiter is guessed from


def open_text(path: Path) -> IO[str]:
    """The file as text for `csv.reader`: UTF-8 (a byte-order mark dropped), line endings left to csv."""
    return open(path, encoding="utf-8-sig", newline="")


def not_text(name: str, line: int) -> NoReturn:
    raise DataError(f"{name}: not a CSV text file — line {line} holds NUL bytes (binary data or an empty, sparse "
                    f"file) — choose a table saved as CSV text (UTF-8)")


def bounded_lines(f: IO[str], name: str, advance: Callable[[int], object] | None = None) -> Iterator[str]:
    """The lines of ``f``, each read with a bound: a line longer than MAX_LINE characters or holding a NUL is
    refused (with its number) before more of the file is read. ``advance`` hears each line's length."""
    number, limit = 0, MAX_LINE
    while line := f.readline(limit + 1):
        number += 1
        if "\0" in line:
            not_text(name, number)
        if len(line) > limit:
            raise DataError(f"{name}: line {number} is longer than {limit:,} characters — a table row is much "
                            f"shorter, so this is not a CSV table (or its line breaks are missing)")
        if advance is not None:
            advance(len(line))
        yield line


def delimiter_of(path: Path, options: dict[str, Any]) -> str:
    """The 'delimiter' option, or the one guessed from the file's first characters (, ; tab or |)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            head = f.read(SNIFF)
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror or e})") from None
    if "\0" in head:
        not_text(path.name, head.count("\n", 0, head.index("\0")) + 1)
    delimiter = options.get("delimiter")
    if not delimiter:
        try:
            delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise DataError(f"{path.name}: the delimiter must be one character such as , or ; — it is {delimiter!r}")
    return delimiter


def not_utf8(path: Path, error: UnicodeDecodeError) -> DataError:
    """The error for a file that is not UTF-8, naming the offending byte's place in the whole file.

    (A text reader decodes chunk by chunk, so the error's own position counts from its chunk: the file is
    decoded again, in binary, up to the first bad byte.)
    """
    decoder = codecs.getincrementaldecoder("utf-8")()  # a byte-order mark is valid UTF-8: counted, not skipped
    offset = 0
    try:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                pending = len(decoder.getstate()[0])  # bytes of a character split across the chunks
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as e:
                    return _not_utf8(path.name, e.reason, offset - pending + e.start)
                offset += len(chunk)
    except OSError:
        pass
    return _not_utf8(path.name, error.reason, None)


def _not_utf8(name: str, reason: str, at: int | None) -> DataError:
    where = f" at byte {at:,}" if at is not None else ""
    return DataError(f"{name}: not a UTF-8 text file ({reason}{where}) — save it as CSV (UTF-8)")
