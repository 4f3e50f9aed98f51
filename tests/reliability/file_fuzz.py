"""Damaged project files: mutations of the example projects, and what loading one must do.

Each mutation starts from the bytes of an example ``.nbproj`` and damages it the
way disks, editors and people do: truncation, flipped bits, random bytes,
non-UTF-8 bytes, wrong types, missing keys, huge and non-finite numbers, deep
nesting, duplicate ids, swapped sections. `check_load` then asserts that
`load_project` either raises `ProjectFileError` (a clear message) or returns a
project whose analysis, save and reload work; and that the file was not
touched (same bytes, same modification time).
"""

from __future__ import annotations

import copy
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable

from netbuilder.graph import ProjectFileError, analyze, load_project, save_project
from netbuilder.graph.analysis import REQUIRES

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"

JsonValue = Any


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.nbproj"))


# ---- byte-level damage ---------------------------------------------------------------------------
def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data))]


def flip_bits(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def non_utf8(rng: random.Random, data: bytes) -> bytes:
    bad = rng.choice((b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\x80\x80", b"\xfe\xff"))
    i = rng.randrange(len(data))
    return data[:i] + bad + data[i:]


def splice(rng: random.Random, data: bytes) -> bytes:
    """A chunk of the file repeated or dropped (a bad copy, a merge gone wrong)."""
    i, j = sorted(rng.randrange(len(data)) for _ in range(2))
    return data[:j] + data[i:] if rng.random() < 0.5 else data[:i] + data[j:]


def not_a_project(rng: random.Random, data: bytes) -> bytes:
    return rng.choice((
        b"", b"\x00" * 64, b"null", b"[]", b"{}", b'"text"', b"42", b"\xef\xbb\xbf" + data,
        b"PK\x03\x04" + bytes(range(256)),  # a zip
        b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94.",  # a pickle
        b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\n".join([data] * 2), data.replace(b"{", b"[", 1),
    ))


# ---- JSON-level damage ---------------------------------------------------------------------------
def _slots(value: JsonValue, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) pair in a JSON tree, to pick a place to damage."""
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((value, k))
            _slots(v, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append((value, i))
            _slots(v, out)
    return out


WRONG_VALUES: tuple[JsonValue, ...] = (
    None, True, False, 0, -1, 1, 2**63, -(2**63), 10**30, 1e308, -1e308, 1.5, "", "x", "Input", "\u0000",
    "é" * 1000, [], [1], [[[]]], {}, {"id": 1}, [None, None], "n-" + "0" * 12,
)


def wrong_type(rng: random.Random, obj: JsonValue) -> JsonValue:
    slots = _slots(obj, [])
    container, key = rng.choice(slots)
    container[key] = copy.deepcopy(rng.choice(WRONG_VALUES))
    return obj


def delete_key(rng: random.Random, obj: JsonValue) -> JsonValue:
    slots = [(c, k) for c, k in _slots(obj, []) if isinstance(c, dict)]
    container, key = rng.choice(slots)
    del container[key]
    return obj


def huge_number(rng: random.Random, obj: JsonValue) -> JsonValue:
    slots = [(c, k) for c, k in _slots(obj, []) if isinstance(c[k], (int, float)) or rng.random() < 0.1]
    container, key = rng.choice(slots or _slots(obj, []))
    container[key] = rng.choice((10**20, -(10**20), 1e308, -1e308, 1e-320, -1, 0, 2**1000, float("nan"),
                                 float("inf"), float("-inf"), 10**4000))
    return obj


def deep_nesting(rng: random.Random, obj: JsonValue) -> JsonValue:
    container, key = rng.choice(_slots(obj, []))
    value: JsonValue = container[key]
    for _ in range(rng.choice((50, 500, 5_000))):
        value = [value] if rng.random() < 0.5 else {"x": value}
    container[key] = value
    return obj


def duplicate_ids(rng: random.Random, obj: JsonValue) -> JsonValue:
    graphs = obj.get("graphs") if isinstance(obj, dict) else None
    if not isinstance(graphs, dict) or not graphs:
        return wrong_type(rng, obj)
    graph = graphs[rng.choice(sorted(graphs))]
    kind = rng.choice(("nodes", "edges", "groups"))
    items = graph.get(kind) or graph.get("nodes")
    if not items:
        return obj
    if rng.random() < 0.5:
        items.append(copy.deepcopy(rng.choice(items)))  # same id (and name) twice
    else:
        a, b = rng.choice(items), rng.choice(items)
        if isinstance(a, dict) and isinstance(b, dict):
            a["id"] = b.get("id")
    return obj


def swap_sections(rng: random.Random, obj: JsonValue) -> JsonValue:
    keys = [k for k in obj if isinstance(obj, dict)]
    if len(keys) >= 2:
        a, b = rng.sample(keys, 2)
        obj[a], obj[b] = obj[b], obj[a]
    return obj


def wrong_version(rng: random.Random, obj: JsonValue) -> JsonValue:
    obj["format_version"] = rng.choice((0, -1, 2, 999, 1.0, "1", None, 10**30))
    return obj


def _json_mutation(fn: Callable[[random.Random, JsonValue], JsonValue]) -> Callable[[random.Random, bytes], bytes]:
    def mutate(rng: random.Random, data: bytes) -> bytes:
        obj = fn(rng, json.loads(data))
        try:
            return json.dumps(obj, indent=rng.choice((None, 1))).encode("utf-8")
        except (ValueError, RecursionError):  # unprintable (a 4000-digit int, too deep): write by hand
            return _dump_loosely(obj).encode("utf-8")
    mutate.__name__ = fn.__name__
    return mutate


def _dump_loosely(value: JsonValue) -> str:
    """JSON text without Python's limits (deep nesting, huge ints), as another program might write it."""
    parts: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and item.startswith("\x00RAW:"):
            parts.append(item[5:])
        elif isinstance(item, dict):
            stack.append("\x00RAW:}")
            for i, (k, v) in enumerate(reversed(list(item.items()))):
                stack.append(v)
                stack.append("\x00RAW:" + json.dumps(k) + ":")
                if i < len(item) - 1:
                    stack.append("\x00RAW:,")
            stack.append("\x00RAW:{")
        elif isinstance(item, list):
            stack.append("\x00RAW:]")
            for i, v in enumerate(reversed(item)):
                stack.append(v)
                if i < len(item) - 1:
                    stack.append("\x00RAW:,")
            stack.append("\x00RAW:[")
        elif isinstance(item, int) and not isinstance(item, bool):
            parts.append(_int_text(item))
        else:
            parts.append(json.dumps(item))
    return "".join(parts)


def _int_text(n: int) -> str:
    try:
        return str(n)
    except ValueError:  # over Python's 4300-digit limit: write the digits in pieces
        sign, n = ("-", -n) if n < 0 else ("", n)
        chunks = []
        while n:
            n, r = divmod(n, 10**100)
            chunks.append(f"{r:0100d}")
        return sign + "".join(reversed(chunks)).lstrip("0")


MUTATIONS: tuple[Callable[[random.Random, bytes], bytes], ...] = (
    truncate, flip_bits, random_bytes, non_utf8, splice, not_a_project,
    _json_mutation(wrong_type), _json_mutation(wrong_type), _json_mutation(delete_key),
    _json_mutation(delete_key), _json_mutation(huge_number), _json_mutation(deep_nesting),
    _json_mutation(duplicate_ids), _json_mutation(swap_sections), _json_mutation(wrong_version),
)


# ---- the property --------------------------------------------------------------------------------
class Escape(AssertionError):
    """Loading a damaged file did something other than succeed or raise ProjectFileError."""


@dataclass
class FileCase:
    seed: int
    mutation: str
    outcome: str = ""  # "refused" (ProjectFileError) or "loaded"
    message: str = ""


def mutate_file(rng: random.Random, source: bytes) -> tuple[str, bytes]:
    """Damage ``source`` with one or two random mutations; returns their names and the bytes."""
    names, data = [], source
    for _ in range(1 if rng.random() < 0.8 else 2):
        fn = rng.choice(MUTATIONS)
        try:
            data = fn(rng, data) if data else data
        except (ValueError, RecursionError, TypeError, AttributeError, IndexError, KeyError):
            continue  # the first mutation already broke the JSON a second one needs
        names.append(fn.__name__)
    return "+".join(names) or "none", data


def check_load(path: Path, case: FileCase, scratch: Path) -> None:
    """Load ``path``: a ProjectFileError or a usable project; never anything else, never a write to the file."""
    before = path.read_bytes()
    stat = path.stat()
    try:
        project = load_project(path)
    except ProjectFileError as exc:
        case.outcome, case.message = "refused", str(exc)
        if str(path) not in case.message:
            raise Escape(f"the error does not name the file: {case.message}") from None
    except BaseException as exc:
        raise Escape(f"{case.mutation}: {type(exc).__name__} escaped from load_project: {exc}") from exc
    else:
        case.outcome = "loaded"
        try:
            project.analyze()
            for g in project.graphs.values():
                for purpose in REQUIRES:
                    analyze(g, purpose)
            again = save_project(project, scratch / "resaved.nbproj")
            load_project(again)
        except BaseException as exc:
            raise Escape(f"{case.mutation}: the file loaded but then {type(exc).__name__}: {exc}") from exc
    after = path.stat()
    if path.read_bytes() != before or after.st_mtime_ns != stat.st_mtime_ns or after.st_size != stat.st_size:
        raise Escape(f"{case.mutation}: loading changed the file")


def run_file_case(rng: random.Random, seed: int, folder: Path, sources: list[bytes]) -> FileCase:
    name, data = mutate_file(rng, rng.choice(sources))
    case = FileCase(seed, name)
    path = folder / f"case{seed}.nbproj"
    path.write_bytes(data)
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))  # a fixed, old mtime to compare
    try:
        check_load(path, case, folder)
    finally:
        path.unlink(missing_ok=True)
    return case
