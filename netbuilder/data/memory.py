"""Hold a data set in memory or stream it from disk: the ``streaming`` option and the automatic choice.

``auto`` estimates how much memory loading the whole set would take at its
peak and streams when that is more than half of the memory available now, so
the network, the optimiser and the rest of the computer keep room. The
estimate is made from file headers and the file listing, without decoding.

Imports neither torch nor numpy.
"""

from __future__ import annotations

import ctypes
import sys
from dataclasses import dataclass
from pathlib import Path

from netbuilder.graph.memory import available_memory_bytes, format_bytes

# Loading in memory holds the decoded float32 array, its train/validation copies and their normalised
# tensors at once: about three times the decoded size at the peak.
PEAK_FACTOR = 3
# A CSV read whole is held as text and then as one Python string per cell (~60 bytes each).
CSV_FACTOR = 10
COMFORTABLE = 0.5  # stream when the peak would take more than this share of the available memory


@dataclass(frozen=True)
class StorageChoice:
    """Where the data will live while training, and why (said on the command line and in the window)."""

    stream: bool
    reason: str


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now (free plus reclaimable cache); None when unknown."""
    found = available_memory_bytes()  # /proc/meminfo, else sysconf
    return found if found is not None or sys.platform != "win32" else _windows_available()


def _windows_available() -> int | None:
    class MemoryStatus(ctypes.Structure):
        _fields_ = [("length", ctypes.c_ulong), ("load", ctypes.c_ulong), ("total_phys", ctypes.c_ulonglong),
                    ("avail_phys", ctypes.c_ulonglong), ("total_page", ctypes.c_ulonglong),
                    ("avail_page", ctypes.c_ulonglong), ("total_virtual", ctypes.c_ulonglong),
                    ("avail_virtual", ctypes.c_ulonglong), ("avail_extended", ctypes.c_ulonglong)]

    status = MemoryStatus()
    status.length = ctypes.sizeof(MemoryStatus)
    try:
        ok = ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return None
    return int(status.avail_phys) if ok else None


def choose_storage(mode: str, need: int | None, available: int | None) -> StorageChoice:
    """Memory or disk for ``mode`` (auto, memory, disk), given the bytes loading in memory would ``need``."""
    if mode == "disk":
        return StorageChoice(True, "streamed from disk (the 'streaming' option says disk)")
    if mode == "memory":
        return StorageChoice(False, "held in memory (the 'streaming' option says memory)")
    if need is None or available is None:
        return StorageChoice(False, "held in memory (its size or the free memory is not known)")
    if need > COMFORTABLE * available:
        return StorageChoice(True, f"streamed from disk: loading it whole would take about {format_bytes(need)}, more "
                                   f"than half of the {format_bytes(available)} of memory available")
    return StorageChoice(False, f"held in memory (about {format_bytes(need)}; {format_bytes(available)} available)")


def in_memory_need(samples: int, values_per_sample: int) -> int:
    """The peak bytes of loading ``samples`` float32 samples of ``values_per_sample`` values in memory."""
    return PEAK_FACTOR * 4 * samples * values_per_sample


def csv_need(path: Path) -> int | None:
    try:
        return CSV_FACTOR * path.stat().st_size
    except OSError:
        return None
