"""User-given names made safe for Python source and for the terminal: the one place that cleans names.

Node, graph and project names are free text ("fc 1", "ﬁ", "None", "²", a NUL,
a lone surrogate, an ANSI escape). Python reads identifiers after NFKC
normalisation, so ``ﬁ`` and ``fi`` are the same name to it: identifiers are
built from the NFKC form, and two names that fold together get distinct
identifiers. Plain ASCII names map exactly as before (``fc 1`` -> ``fc_1``),
so the attribute names of existing checkpoints do not change.
"""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Collection, Iterable

# Names every generated file may need from Python itself: a class or variable must not shadow them.
PYTHON_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))


def _is_start(ch: str) -> bool:
    return ch.isidentifier()


def _is_continue(ch: str) -> bool:
    return ("a" + ch).isidentifier()


def identifier(text: str, fallback: str = "node") -> str:
    """A valid Python identifier for ``text`` (not yet unique): NFKC form, other characters -> ``_``.

    A name that cannot start an identifier (``1st``, ``²``) gets ``n_`` in front, one that Python
    would mangle inside a class (``__x``) an ``n``; a keyword (``None``, ``class``) gets ``_`` after it.
    """
    folded = unicodedata.normalize("NFKC", text)
    clean = "".join(ch if _is_continue(ch) else "_" for ch in folded)
    if not clean:
        clean = fallback
    if not _is_start(clean[0]):
        clean = f"n_{clean}"
    if unicodedata.normalize("NFKC", clean) != clean or not clean.isidentifier():
        # Belt and braces: a string that Python would still fold differently falls back to ASCII.
        clean = re.sub(r"[^0-9A-Za-z_]", "_", clean.encode("ascii", "replace").decode())
        clean = clean if clean[:1].isidentifier() else f"n_{clean}"
    if clean.startswith("__") and not clean.endswith("__"):
        clean = f"n{clean}"  # inside a class, Python would mangle self.__x to self._Class__x
    if keyword.iskeyword(clean):
        clean += "_"
    return clean


def unique(base: str, taken: Collection[str], separator: str = "_") -> str:
    """``base``, or ``base_2``, ``base_3``… whichever ``taken`` does not hold yet."""
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base}{separator}{i}"
    return name


def unique_identifiers(texts: Iterable[str], reserved: Collection[str] = (), fallback: str = "node") -> list[str]:
    """An identifier for each text, distinct from each other and from ``reserved`` (in order)."""
    taken = set(reserved)
    out = []
    for text in texts:
        base = identifier(text, fallback)
        if base in reserved:
            base = f"{base}_"
        name = unique(base, taken)
        taken.add(name)
        out.append(name)
    return out


def class_name(text: str, reserved: Collection[str] = PYTHON_NAMES, fallback: str = "Model") -> str:
    """``"MLP on iris"`` -> ``"MlpOnIris"``: a CamelCase class name; a reserved one gets ``Model`` added."""
    folded = unicodedata.normalize("NFKC", text)
    words = "".join(ch if _is_continue(ch) else "_" for ch in folded).split("_")
    name = "".join(w[:1].upper() + w[1:].lower() for w in words if w) or fallback
    if not _is_start(name[0]):
        name = f"Net{name}"  # "3 layers" -> Net3Layers
    if name in reserved or keyword.iskeyword(name):
        name = f"{name}{fallback}"  # "None" -> NoneModel, "objective" -> ObjectiveModel
    return identifier(name, fallback)


# ---- text shown or stored as text ----------------------------------------------------------------
# C0/C1 controls, DEL, and the bidirectional overrides that can make a name display as something else.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with terminal escapes, other control characters and lone surrogates written as ``\\x1b`` etc.

    Newlines, tabs and carriage returns stay (messages and progress bars use them).
    """
    return _UNSAFE.sub(_escape, text)


def name_for_display(text: str) -> str:
    """A user's name on one line: like `printable`, and newlines/tabs escaped too."""
    return printable(text).replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def docstring_text(text: str) -> str:
    """Source text for ``text`` inside a ``\"\"\"…\"\"\"`` docstring: it reads back exactly as ``text``.

    Backslashes and quotes are escaped; line breaks and every non-printable character
    (NUL, escapes, lone surrogates) become backslash escapes, so the name stays on one line.
    """
    out = []
    for ch in text:
        if ch in "\\\"":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch.isprintable() and not ("\ud800" <= ch <= "\udfff"):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)
