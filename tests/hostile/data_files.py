"""Crafted data files: .npz archives and IDX files whose headers lie, compression bombs, odd arrays."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

MIB = 1024 * 1024


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """The header of a .npy member announcing ``shape`` (the data need not follow)."""
    out = io.BytesIO()
    npy_format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False, "shape": shape})
    return out.getvalue()


def npz_claiming(path: Path, shape: tuple[int, ...], data: bytes = b"\x00" * 16) -> None:
    """An .npz whose 'x' header announces ``shape`` but holds only ``data`` (stored, uncompressed)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("x.npy", npy_header(shape) + data)
        z.writestr("y.npy", _npy(np.zeros(4, np.int64)))


def _npy(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def npz(path: Path, **arrays: np.ndarray) -> None:
    """A plain .npz of ``arrays`` (np.savez, except that object arrays are stored as pickles by numpy)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, array in arrays.items():
            out = io.BytesIO()
            np.save(out, array, allow_pickle=array.dtype == object)
            z.writestr(f"{name}.npy", out.getvalue())


def _zero_deflate(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes, built from one repeated block (about 1 KiB per MiB)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)  # after a full flush every block is the same
    whole, rest = divmod(size, MIB)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    return block * whole + tail.compress(bytes(rest)) + tail.flush()


def zip_bomb_npz(path: Path, elements: int, columns: int = 0) -> None:
    """An .npz whose 'x' really inflates to ``elements`` float32 zeros (a few MB on disk per GB inflated),
    one long vector, or rows of ``columns`` values (samples an Input of that many features takes).

    The CRC is left at 0: a reader that refuses by the announced size never gets to check it.
    """
    header = npy_header((elements // columns, columns) if columns else (elements,))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH) + _zero_deflate(elements * 4)
    size = len(header) + elements * 4
    name = b"x.npy"
    # A zip64 entry: sizes in the extra field (the plain fields say 0xFFFFFFFF).
    extra = struct.pack("<HHQQ", 1, 16, size, len(body))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, len(name),
                        len(extra)) + name + extra
    central_extra = struct.pack("<HHQQQ", 1, 24, size, len(body), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(name), len(central_extra), 0, 0, 0, 0, 0xFFFFFFFF) + name + central_extra
    start = len(local) + len(body)
    end64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), start)
    locator = struct.pack("<IIQI", 0x07064B50, 0, start + len(central), 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), 0xFFFFFFFF, 0)
    path.write_bytes(local + body + central + end64 + locator + end)


def idx(dims: tuple[int, ...], type_code: int = 0x08, data: bytes = b"") -> bytes:
    """An IDX file (the MNIST format): two zero bytes, a type code, the rank, big-endian sizes, the data."""
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + data


def gzip_bomb_idx(path: Path, images: int, side: int) -> None:
    """A gzip-compressed IDX of ``images`` side×side zero images (inflates to images·side² bytes)."""
    header = idx((images, side, side))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH) + _zero_deflate(images * side * side)
    size = (len(header) + images * side * side) & 0xFFFFFFFF
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", 0, size))


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that announces width×height pixels (its image data is one empty block)."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def lying_zip_npz(path: Path, rows: int, columns: int, inflates_to: int) -> None:
    """An .npz whose 'x' entry declares rows×columns float32 values (its zip sizes and .npy header agree) while
    its deflate stream goes on to ``inflates_to`` bytes of zeros; the CRC is 0, so it does not match either."""
    header = npy_header((rows, columns))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(header) + c.flush(zlib.Z_FULL_FLUSH) + _zero_deflate(inflates_to)
    size = len(header) + rows * columns * 4
    name = b"x.npy"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(body), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, 0, len(body), size, len(name), 0,
                          0, 0, 0, 0, 0) + name
    start = len(local) + len(body)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), start, 0)
    path.write_bytes(local + body + central + end)
