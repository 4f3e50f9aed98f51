"""The streaming path's guards: nothing is unpacked or converted before the headers, the Input, the disk and
the compression ratio say it may be, a copy never grows past its declared size, CSV lines are bounded, and
a streamed .npz's labels are checked with the in-memory reader's words."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile

import numpy as np
import pytest

from netbuilder.data import DataError, load_dataset
from netbuilder.data import csv_stream, csv_text, scratch, stream_sources
from netbuilder.data.progress import LoadProgress
from netbuilder.graph import DatasetSettings, TensorShape


def load(name, path, options, shape=None):
    return load_dataset(DatasetSettings(name, path=str(path), options=options, seed=4), shape)


@pytest.fixture
def temp_folder(tmp_path, monkeypatch):
    """The system's temporary folder, where streaming copies go, moved into the test's folder."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def copies_made(folder):
    return [p for p in folder.iterdir() if p.name.startswith("netbuilder-stream-")]


def disk_with(free, monkeypatch):
    monkeypatch.setattr(scratch.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(10 ** 13, 0, free))


def compressed_npz(path, x, **more):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, array in {"x": x, **more}.items():
            out = io.BytesIO()
            np.save(out, array)
            archive.writestr(f"{key}.npy", out.getvalue())
    return path


def nothing(progress: LoadProgress) -> None:
    pass


# ---- the guards themselves ------------------------------------------------------------------------------

def test_a_large_copy_many_times_its_compressed_size_is_refused_as_a_bomb():
    with pytest.raises(DataError, match=r"d\.npz, member 'x\.npy': 5\.0 MiB .* 5\.6 GiB .*compression bomb"):
        scratch.check_expansion(5 << 20, 1_500_000_000 * 4, "d.npz, member 'x.npy'", "save it uncompressed")


def test_a_copy_that_compresses_like_real_data_or_is_small_is_allowed():
    scratch.check_expansion(1 << 30, 3 << 30, "real.npz", "")  # 3× : floats, images
    scratch.check_expansion(1 << 10, 1 << 29, "zeros.npz", "")  # 512 MiB of zeros: under the floor


def test_a_copy_the_scratch_disk_cannot_hold_names_the_file_the_size_and_the_free_space(monkeypatch, tmp_path):
    disk_with(3 << 30, monkeypatch)
    with pytest.raises(DataError, match=r"d\.npz: .*needs a 5\.6 GiB binary copy .* has 3\.0 GiB free .*TMPDIR"):
        scratch.check_scratch_space(1_500_000_000 * 4, "d.npz", tmp_path)


def test_a_copy_must_leave_a_margin_free_on_the_scratch_disk(monkeypatch, tmp_path):
    need = 1 << 30
    disk_with(need + scratch.KEEP_FREE, monkeypatch)  # fits, but leaves less than a tenth of it on top
    with pytest.raises(DataError, match="must stay free"):
        scratch.check_scratch_space(need, "d.npz", tmp_path)
    disk_with(need + scratch.KEEP_FREE + need // 10 + 1, monkeypatch)
    scratch.check_scratch_space(need, "d.npz", tmp_path)


def test_unpack_copies_exactly_the_declared_bytes(tmp_path):
    target = tmp_path / "copy"
    scratch.unpack(io.BytesIO(b"0123456789"), target, 10, "f.gz", nothing, "f.gz")
    assert target.read_bytes() == b"0123456789"


def test_a_stream_longer_than_its_header_declares_is_refused_and_its_partial_copy_deleted(tmp_path):
    target = tmp_path / "copy"
    with pytest.raises(DataError, match=r"f\.gz: holds more data than its header announces \(10 bytes\)"):
        scratch.unpack(io.BytesIO(bytes(10 + 1)), target, 10, "f.gz", nothing, "f.gz")
    assert not target.exists()


def test_a_stream_shorter_than_its_header_declares_is_refused_and_its_partial_copy_deleted(tmp_path):
    target = tmp_path / "copy"
    with pytest.raises(DataError, match=r"f\.gz: holds 4 bytes but its header announces 10"):
        scratch.unpack(io.BytesIO(bytes(4)), target, 10, "f.gz", nothing, "f.gz")
    assert not target.exists()


# ---- before anything is unpacked --------------------------------------------------------------------------

def test_a_compressed_npz_bomb_is_refused_before_a_scratch_folder_is_made(tmp_path, temp_folder, monkeypatch):
    monkeypatch.setattr(scratch, "BOMB_FLOOR", 1 << 16)
    path = compressed_npz(tmp_path / "d.npz", np.zeros((40_000, 4), np.float32), y=np.zeros(40_000, np.int64))
    with pytest.raises(DataError, match=r"d\.npz, member 'x\.npy': .*compression bomb.*np\.savez"):
        load("npz", path, {"streaming": "disk"}, TensorShape((4,)))
    assert copies_made(temp_folder) == []


def test_a_gzip_idx_bomb_is_refused_before_a_scratch_folder_is_made(tmp_path, temp_folder, monkeypatch, idx_writer):
    monkeypatch.setattr(scratch, "BOMB_FLOOR", 1 << 16)
    path = idx_writer(tmp_path / "images.idx.gz", np.zeros((2000, 28, 28)), compress=True)
    with pytest.raises(DataError, match=r"images\.idx\.gz: .*compression bomb.*gunzip"):
        load("idx", "", {"images": str(path), "streaming": "disk"}, TensorShape((1, 28, 28)))
    assert copies_made(temp_folder) == []


def test_an_npz_the_scratch_disk_cannot_hold_is_refused_before_it_is_unpacked(tmp_path, temp_folder, monkeypatch):
    disk_with(1 << 20, monkeypatch)
    path = compressed_npz(tmp_path / "d.npz", np.random.default_rng(0).random((4000, 4)), y=np.arange(4000) % 3)
    with pytest.raises(DataError, match=r"d\.npz, member 'x\.npy': streaming it needs a .* binary copy"):
        load("npz", path, {"streaming": "disk"}, TensorShape((4,)))
    assert copies_made(temp_folder) == []


def test_a_wrong_input_is_refused_from_the_headers_before_anything_is_unpacked(tmp_path, temp_folder, monkeypatch,
                                                                               idx_writer):
    monkeypatch.setattr(stream_sources, "unpack", lambda *a, **k: pytest.fail("unpacked before the Input was checked"))
    npz = compressed_npz(tmp_path / "d.npz", np.ones((30, 4), np.float32), y=np.arange(30) % 3)
    with pytest.raises(DataError, match=r"d\.npz.*takes 7"):
        load("npz", npz, {"streaming": "disk"}, TensorShape((7,)))
    images = idx_writer(tmp_path / "images.idx.gz", np.zeros((30, 8, 8)), compress=True)
    with pytest.raises(DataError, match=r"images\.idx\.gz.*Input"):
        load("idx", "", {"images": str(images), "streaming": "disk"}, TensorShape((7,)))
    assert copies_made(temp_folder) == []


def test_a_csv_with_too_few_columns_for_the_input_is_refused_before_it_is_converted(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_stream, "_write", lambda *a: pytest.fail("converted before the Input was checked"))
    path = tmp_path / "t.csv"
    path.write_text("a,b,c\n" + "1,2,0\n" * 20, encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.csv.*takes 5"):
        load("csv", path, {"streaming": "disk"}, TensorShape((5,)))


# ---- CSV lines ---------------------------------------------------------------------------------------------

def test_a_csv_line_past_the_limit_is_refused_with_its_number(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_text, "MAX_LINE", 1000)
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,0\n" + "2," * 600 + "1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.csv: line 3 is longer than 1,000 characters"):
        load("csv", path, {"streaming": "disk"})


def test_a_csv_of_nul_bytes_is_not_a_csv_text_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + bytes(100_000))
    with pytest.raises(DataError, match=r"t\.csv: not a CSV text file — line 2 holds NUL bytes"):
        load("csv", path, {"streaming": "disk"})


def test_nul_bytes_deep_in_a_csv_are_found_at_their_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n" + b"1,0\n" * 3000 + bytes(10) + b"\n")
    with pytest.raises(DataError, match=r"t\.csv: not a CSV text file — line 3002 holds NUL bytes"):
        load("csv", path, {"streaming": "disk"})


# ---- .npz labels: the in-memory reader's checks and words -------------------------------------------------

@pytest.mark.parametrize("more", [
    pytest.param({"y": np.array(1)}, id="scalar-y"),
    pytest.param({"y": np.array(["cat", "dog"] * 4)}, id="string-y"),
    pytest.param({"y": np.arange(5)}, id="short-y"),
    pytest.param({"y": np.arange(8) % 3, "class_names": np.array("a")}, id="0d-class-names"),
    pytest.param({"y": np.arange(8) % 3, "class_names": np.array([["a", "b"], ["c", "d"]])}, id="2d-class-names"),
])
def test_a_streamed_npz_refuses_odd_labels_with_the_in_memory_message(tmp_path, more):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((8, 4), np.float32), **more)
    with pytest.raises(DataError) as in_memory:
        load("npz", path, {"streaming": "memory"})
    with pytest.raises(DataError) as streamed:
        load("npz", path, {"streaming": "disk", "workers": 0})
    assert str(streamed.value) == str(in_memory.value)


def test_a_streamed_npz_refuses_a_y_header_larger_than_its_member(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.ones((8, 4), np.float32))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<i8", "fortran_order": False, "shape": (10 ** 12,)})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("y.npy", header.getvalue() + bytes(64))
    with pytest.raises(DataError, match=r"d\.npz: the header of 'y' announces 1,000,000,000,000 values"):
        load("npz", path, {"streaming": "disk", "workers": 0})
