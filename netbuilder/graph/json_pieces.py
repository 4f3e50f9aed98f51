"""Decode a large JSON text in pieces, so a thread reading a big project never holds Python's lock for long.

`json.loads` of a 100,000-node project (14 MB) is one C call of about a second, during which no other Python
thread runs: the window reading it on a background thread would freeze for that second. Here the outer
levels (the project, its graphs, their node and wire lists) are walked in Python and each item inside them
is decoded by its own short C call, so the interpreter can switch threads between items. The result and the
errors (`json.JSONDecodeError` with the position in the whole text) are those of `json.loads`.
"""

from __future__ import annotations

import json
import re
from typing import Any

PIECES_FROM = 1 << 20  # texts shorter than this are decoded whole: they take milliseconds
OUTER_LEVELS = 4  # project -> graphs -> graph -> nodes/edges lists: the items below are decoded whole

_SPACE = re.compile(r"[ \t\n\r]*")
_decoder = json.JSONDecoder()


def loads_in_pieces(text: str) -> Any:
    """`json.loads(text)`, decoded in pieces when the text is large."""
    if len(text) < PIECES_FROM:
        return json.loads(text)
    value, end = _value(text, _skip(text, 0), 0)
    end = _skip(text, end)
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _value(text: str, i: int, level: int) -> tuple[Any, int]:
    if level < OUTER_LEVELS and i < len(text):
        if text[i] == "{":
            return _object(text, i + 1, level)
        if text[i] == "[":
            return _array(text, i + 1, level)
    return _decoder.raw_decode(text, i)


def _skip(text: str, i: int) -> int:
    return _SPACE.match(text, i).end()  # type: ignore[union-attr]


def _object(text: str, i: int, level: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {}
    i = _skip(text, i)
    if text.startswith("}", i):
        return out, i + 1
    while True:
        if not text.startswith('"', i):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, i)
        key, i = _decoder.raw_decode(text, i)
        i = _skip(text, i)
        if not text.startswith(":", i):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, i)
        out[key], i = _value(text, _skip(text, i + 1), level + 1)
        i = _skip(text, i)
        if text.startswith("}", i):
            return out, i + 1
        if not text.startswith(",", i):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)


def _array(text: str, i: int, level: int) -> tuple[list[Any], int]:
    out: list[Any] = []
    i = _skip(text, i)
    if text.startswith("]", i):
        return out, i + 1
    while True:
        item, i = _value(text, i, level + 1)
        out.append(item)
        i = _skip(text, i)
        if text.startswith("]", i):
            return out, i + 1
        if not text.startswith(",", i):
            raise json.JSONDecodeError("Expecting ',' delimiter", text, i)
        i = _skip(text, i + 1)
