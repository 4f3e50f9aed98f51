"""Binary copies made for streaming (a CSV converted, a compressed member unpacked) and the guards around them.

A copy is refused before anything is written when its declared size would not
leave the scratch folder's disk a margin (`check_scratch_space`), or when it is
large and many times the bytes it is unpacked from (`check_expansion`: a 5 MB
zip bomb announcing 5.6 GiB of zeros). While a copy is made its bytes are
counted against the declared size (`unpack`): a stream that runs past it (a
header that lies) or stops short is refused and the partial copy deleted, so a
bad file costs at most its declared size, never a full disk.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import IO

from netbuilder.data.dataset import DataError
from netbuilder.data.progress import Report, Throttle
from netbuilder.graph.memory import format_bytes

CHUNK = 1 << 22  # bytes copied at a time when a file is converted
# Space a copy must leave free on the scratch disk: the rest of the computer (and the checkpoints) need room too.
KEEP_FREE = 64 << 20
KEEP_SHARE = 0.1  # ... and a tenth of the copy's size on top (file-system overhead, other writers)
# A copy larger than BOMB_FLOOR and more than BOMB_RATIO times its compressed size is a compression bomb:
# deflate reaches ~1000× only on constant data; real arrays compress 1.1× (floats) to ~50× (sparse images).
BOMB_RATIO = 200
BOMB_FLOOR = 1 << 30


class Scratch:
    """A folder for binary copies made for streaming, in the system's temporary folder (TMPDIR moves it).

    Removed when the data set is dropped or the program ends, and only by the
    process that made it: worker processes hold copies of this object too.
    """

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="netbuilder-stream-"))
        self._remove = weakref.finalize(self, _remove_folder, self.path, os.getpid())


def _remove_folder(path: Path, owner: int) -> None:
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def scratch_parent() -> Path:
    """Where `Scratch` folders are made (the temporary folder; TMPDIR moves it)."""
    return Path(tempfile.gettempdir())


def check_scratch_space(need: int, what: str, folder: Path | None = None) -> None:
    """`DataError` before converting when the scratch disk cannot hold ``need`` bytes and keep a margin free."""
    folder = folder or scratch_parent()
    try:
        free = shutil.disk_usage(folder).free
    except OSError as e:
        raise DataError(f"{what}: the temporary folder {folder} cannot be used for the streaming copy "
                        f"({e.strerror or e}) — set TMPDIR to a folder you can write to") from None
    margin = KEEP_FREE + int(KEEP_SHARE * need)
    if need + margin > free:
        raise DataError(f"{what}: streaming it needs a {format_bytes(need)} binary copy in {folder}, which has "
                        f"{format_bytes(free)} free (and {format_bytes(margin)} must stay free) — set TMPDIR to a "
                        f"folder with room, or save the data uncompressed so it streams in place")


def check_expansion(packed: int, unpacked: int, what: str, advice: str) -> None:
    """`DataError` when ``packed`` compressed bytes announce ``unpacked`` bytes past the bomb limits.

    ``advice`` says how to store the data so that it needs no unpacking.
    """
    if unpacked > BOMB_FLOOR and unpacked > BOMB_RATIO * max(packed, 1):
        try:
            free = f"; {scratch_parent()} has {format_bytes(shutil.disk_usage(scratch_parent()).free)} free"
        except OSError:
            free = ""
        raise DataError(f"{what}: {format_bytes(packed)} of compressed data announce {format_bytes(unpacked)} when "
                        f"unpacked ({unpacked // max(packed, 1):,} times as much{free}) — this looks like a "
                        f"compression bomb and is not unpacked; if the data is real, {advice}")


def unpack(source: IO[bytes] | gzip.GzipFile, target: Path, declared: int, what: str, report: Report,
           name: str) -> None:
    """Copy exactly the ``declared`` bytes of ``source`` to ``target``, counting them as they come.

    ``what`` names the file (and member) in messages, ``name`` the data set in progress reports. A stream
    that holds more than it declared (one byte past it is enough) or less is refused and ``target``
    deleted: the copy never grows past what was checked against the disk beforehand.
    """
    progress = Throttle(report, name, "converting", declared, "bytes")
    try:
        with open(target, "wb") as out:
            while progress.done < declared and (chunk := source.read(min(CHUNK, declared - progress.done))):
                out.write(chunk)
                progress.advance(len(chunk))
        if progress.done < declared:
            raise DataError(f"{what}: holds {progress.done:,} bytes but its header announces {declared:,} — the "
                            f"file is cut short or damaged")
        if source.read(1):  # reading on also reaches the end of the compressed stream: its checksum is verified
            raise DataError(f"{what}: holds more data than its header announces ({declared:,} bytes) — the header "
                            f"is wrong, so the file is not read")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    progress.finish()
