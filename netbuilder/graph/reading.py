"""Reading the user's files: only regular files, and never more than they hold.

A path the user gives may name something that is not a file: a named pipe
(reading waits for a writer forever), a device such as ``/dev/zero`` (reading
never ends and fills the memory), a folder or a socket. Every reader of a
project, data set, checkpoint or model asks `not_a_file` first and refuses
with its own error type, naming the file.

Standard library only (the graph layer imports neither torch nor numpy).
"""

from __future__ import annotations

import os
import stat


def not_a_file(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be read as a file ("is a named pipe (FIFO), not a file: …"), or None.

    The caller adds what to give instead (" — give the path of a .nbproj project file").

    None also for a path that does not exist: the caller's own open says so in its words.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, no permission, a NUL in the name: the caller's open reports it
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file: reading it would wait for a writer forever"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file: reading it might never end"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"
