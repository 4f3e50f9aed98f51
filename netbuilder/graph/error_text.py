"""What to tell the user about an exception: one line, the same words on the command line and in the window.

`describe` maps an exception to an `ErrorText` when it is one the user can act on:
an error type of netbuilder (each already says what is wrong and what to do) or
an operating-system error (named by file and cause). Anything else is a bug:
`describe` returns None and the caller lets it go on, traceback and all.

The command line (`netbuilder.cli.errors`) turns the text's `kind` into an exit
code; the window (`netbuilder.ui.errors`) shows the message in a dialog. Neither
keeps a list of its own.

Why the project's error types are named here as strings: they live in the layers
above `graph` (data, train, export, compile), which `graph` may not import. They
are looked up in ``sys.modules`` only, so this module imports nothing above it
and nothing heavy (an exception of a module never imported cannot have been
raised). Giving them a common base class defined here would do the same with an
import edge in the right direction, at the cost of touching every error module;
the table keeps the order of the checks (the first match wins) in one place.
"""

from __future__ import annotations

import errno
import sys
from dataclasses import dataclass
from enum import Enum

from netbuilder.graph.names import printable


class ErrorKind(Enum):
    """What went wrong, in the terms the command line needs for its exit code."""

    INPUT = "input"  # an input cannot be read or used (a file, an option, the machine): CLI exit 2
    REFUSED = "refused"  # the input was read, and the work it asks for is refused: CLI exit 1


@dataclass(frozen=True)
class ErrorText:
    """One line for the user, and which kind of failure it is."""

    kind: ErrorKind
    message: str


# (module, class, kind, what to put before the message). Order matters: the first match wins.
PROJECT_ERRORS: tuple[tuple[str, str, ErrorKind, str], ...] = (
    ("netbuilder.graph.files", "OverwriteRefused", ErrorKind.REFUSED, "not written: "),
    ("netbuilder.graph.files", "FolderNotWritable", ErrorKind.INPUT, ""),
    ("netbuilder.graph.files", "FileSafetyError", ErrorKind.INPUT, "not written: "),
    ("netbuilder.graph.serialize", "ProjectFileError", ErrorKind.INPUT, ""),
    ("netbuilder.graph.memory", "TooLarge", ErrorKind.REFUSED, ""),
    ("netbuilder.data.dataset", "DataError", ErrorKind.INPUT, "the data cannot be used: "),
    ("netbuilder.train.checkpoint", "CheckpointError", ErrorKind.INPUT, ""),
    ("netbuilder.train.device", "DeviceError", ErrorKind.INPUT, ""),
    ("netbuilder.export.errors", "OnnxImportError", ErrorKind.REFUSED, "import refused: "),
    ("netbuilder.export.errors", "ExportError", ErrorKind.REFUSED, "export refused: "),
    ("netbuilder.compile.errors", "GraphCompileError", ErrorKind.REFUSED, ""),
    ("netbuilder.compile.errors", "NodeRuntimeError", ErrorKind.REFUSED, ""),
    ("netbuilder.train.schemes", "SchemeError", ErrorKind.REFUSED, ""),
)

# Causes in the user's words, with what to do.
OS_CAUSES = {
    errno.ENOSPC: "no space left on the disk — free some space or write somewhere else",
    errno.EFBIG: "the file would be larger than this system allows (a file size limit) — write somewhere else",
    errno.EDQUOT: "the disk quota is used up — free some space or write somewhere else",
    errno.EACCES: "permission denied — check the file's permissions or choose another place",
    errno.EPERM: "the operation is not permitted — check the file's permissions or choose another place",
    errno.EROFS: "the disk is read-only — choose another place",
    errno.EISDIR: "is a folder, not a file — give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file with that name is in the way",
    errno.ENAMETOOLONG: "the name is too long — choose a shorter one",
    errno.ENOENT: "no such file or folder",
    errno.ELOOP: "too many symbolic links — the path loops",
    errno.ETXTBSY: "the file is busy (in use by a running program)",
}

OUT_OF_MEMORY = "ran out of memory — use a smaller network, batch or data set"


def _project_error(exc: BaseException) -> ErrorText | None:
    for module_name, class_name, kind, prefix in PROJECT_ERRORS:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and isinstance(exc, cls):
            return ErrorText(kind, prefix + str(exc))
    return None


def os_message(exc: OSError) -> str:
    """``PATH: cause — what to do`` for an operating-system error."""
    cause = OS_CAUSES.get(exc.errno or -1) or exc.strerror or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n not in (None, "")]
    where = f"{' -> '.join(names)}: " if names else ""
    return f"{where}{cause}"


def describe(exc: BaseException) -> ErrorText | None:
    """The one-line text for an error the user can act on; None for a bug (let it raise)."""
    known = _project_error(exc)
    if known is None:
        if isinstance(exc, OSError):
            known = ErrorText(ErrorKind.INPUT, os_message(exc))
        elif isinstance(exc, MemoryError):
            known = ErrorText(ErrorKind.REFUSED, OUT_OF_MEMORY)
        else:
            return None
    return ErrorText(known.kind, printable(known.message))
