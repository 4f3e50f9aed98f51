"""The command line's one error boundary: the project's own errors and the file system's, as one line each.

`explain` maps an exception to (exit code, message) when it is one the user can
act on: an error type of netbuilder (each already says what is wrong and what to
do) or an operating-system error (named by file and cause). Anything else is a
bug: `explain` returns None and the exception goes on, traceback and all.

The error classes live in modules that import torch or onnx; they are looked up
in ``sys.modules`` only, so the boundary itself imports nothing heavy (an
exception of a module never imported cannot have been raised).
"""

from __future__ import annotations

import errno
import sys

from netbuilder.cli.support import EXIT_ERRORS, EXIT_STOPPED, EXIT_UNREADABLE
from netbuilder.graph.names import printable

# (module, class, exit code, what to put before the message). Order matters: the first match wins.
PROJECT_ERRORS: tuple[tuple[str, str, int, str], ...] = (
    ("netbuilder.cli.support", "UsageError", EXIT_UNREADABLE, ""),
    ("netbuilder.graph.files", "OverwriteRefused", EXIT_ERRORS, "not written: "),
    ("netbuilder.graph.files", "FolderNotWritable", EXIT_UNREADABLE, ""),
    ("netbuilder.graph.files", "FileSafetyError", EXIT_UNREADABLE, "not written: "),
    ("netbuilder.graph.serialize", "ProjectFileError", EXIT_UNREADABLE, ""),
    ("netbuilder.graph.memory", "TooLarge", EXIT_ERRORS, ""),
    ("netbuilder.data.dataset", "DataError", EXIT_UNREADABLE, "the data cannot be used: "),
    ("netbuilder.train.checkpoint", "CheckpointError", EXIT_UNREADABLE, ""),
    ("netbuilder.train.device", "DeviceError", EXIT_UNREADABLE, ""),
    ("netbuilder.export.errors", "OnnxImportError", EXIT_ERRORS, "import refused: "),
    ("netbuilder.export.errors", "ExportError", EXIT_ERRORS, "export refused: "),
    ("netbuilder.compile.errors", "GraphCompileError", EXIT_ERRORS, ""),
    ("netbuilder.compile.errors", "NodeRuntimeError", EXIT_ERRORS, ""),
    ("netbuilder.train.schemes", "SchemeError", EXIT_ERRORS, ""),
)

# Causes in the user's words, with what to do.
_OS_CAUSES = {
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


def _project_error(exc: BaseException) -> tuple[int, str] | None:
    for module_name, class_name, code, prefix in PROJECT_ERRORS:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and isinstance(exc, cls):
            return code, prefix + str(exc)
    return None


def os_message(exc: OSError) -> str:
    """``PATH: cause — what to do`` for an operating-system error."""
    cause = _OS_CAUSES.get(exc.errno or -1) or exc.strerror or str(exc)
    names = [str(n) for n in (exc.filename, exc.filename2) if n not in (None, "")]
    where = f"{' -> '.join(names)}: " if names else ""
    return f"{where}{cause}"


def explain(exc: BaseException) -> tuple[int, str] | None:
    """(exit code, one-line message) for an error the user can act on; None for a bug."""
    known = _project_error(exc)
    if known is not None:
        code, message = known
    elif isinstance(exc, KeyboardInterrupt):
        code, message = EXIT_STOPPED, "interrupted"
    elif isinstance(exc, OSError):
        code, message = EXIT_UNREADABLE, os_message(exc)
    elif isinstance(exc, MemoryError):
        code, message = EXIT_ERRORS, "ran out of memory — use a smaller network, batch or data set"
    else:
        return None
    return code, printable(message)
