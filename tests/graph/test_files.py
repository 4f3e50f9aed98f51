"""Safe writing: whole or not at all, unique temporaries, files written as a unit, and the overwrite guard."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from netbuilder.graph import Project
from netbuilder.graph import files
from netbuilder.graph.files import (
    FolderNotWritable, OverwriteRefused, Protected, atomic_write_json, atomic_write_text, check_writable_folder,
    protected_files, refuse_overwrite, replace_together, write_atomically,
)


def _disk_full_after(nbytes: int):
    """A writer that writes ``nbytes`` and then fails as a full disk does."""
    def fill(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            f.write(b"n" * nbytes)
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    return fill


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_failing_write_leaves_the_old_file_whole_and_no_temporary(tmp_path):
    target = tmp_path / "mine.py"
    target.write_text("the user's own code\n" * 1000)
    with pytest.raises(OSError) as caught:
        write_atomically(target, _disk_full_after(4096))
    assert target.read_text() == "the user's own code\n" * 1000
    assert _leftovers(tmp_path) == []
    assert caught.value.filename == str(target)  # the message names the user's file, not the temporary


def test_temporaries_are_unique_so_concurrent_writers_of_one_file_all_succeed(tmp_path):
    target = tmp_path / "model.onnx"
    names: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(i: int) -> None:
        def fill(tmp: Path) -> None:
            names.append(tmp.name)
            barrier.wait(timeout=10)  # all four temporaries exist at the same time
            tmp.write_text(f"writer {i}\n" * 100)
        try:
            write_atomically(target, fill)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(names)) == 4
    assert target.read_text() in {f"writer {i}\n" * 100 for i in range(4)}  # one of them, whole
    assert _leftovers(tmp_path) == []


def test_a_temporary_is_hidden_and_never_looks_like_the_target_kind(tmp_path):
    seen: list[str] = []
    write_atomically(tmp_path / "p.nbproj", lambda tmp: (seen.append(tmp.name), tmp.write_text("{}")))
    assert seen[0].startswith(".p.nbproj.") and seen[0].endswith(".tmp")


def test_a_new_file_gets_the_usual_permissions_and_a_replaced_file_keeps_its_own(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    new = atomic_write_text(tmp_path / "new.txt", "x")
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640


def test_json_is_strict_with_nan_and_infinity_written_as_null(tmp_path):
    path = atomic_write_json(tmp_path / "history.json", {"loss": float("nan"), "val": [1.0, float("inf")], "n": 3})
    data = json.loads(path.read_text(), parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data == {"loss": None, "val": [1.0, None], "n": 3}


# ---- several files as a unit ----------------------------------------------------------------------
def test_files_replaced_together_are_all_old_when_one_write_fails(tmp_path):
    project, weights = tmp_path / "m.nbproj", tmp_path / "m.safetensors"
    project.write_text("old project")
    weights.write_bytes(b"old weights")
    with pytest.raises(OSError):
        replace_together([(project, lambda tmp: tmp.write_text("new project")),
                          (weights, _disk_full_after(10_000))])
    assert project.read_text() == "old project" and weights.read_bytes() == b"old weights"
    assert _leftovers(tmp_path) == []


def test_files_replaced_together_are_put_back_when_a_late_rename_fails(tmp_path, monkeypatch):
    project, weights = tmp_path / "m.nbproj", tmp_path / "m.safetensors"
    project.write_text("old project")
    weights.write_bytes(b"old weights")
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == weights:
            raise OSError(errno.EIO, "Input/output error", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(OSError):
        replace_together([(project, lambda tmp: tmp.write_text("new project")),
                          (weights, lambda tmp: tmp.write_bytes(b"new weights"))])
    monkeypatch.undo()
    assert project.read_text() == "old project" and weights.read_bytes() == b"old weights"
    assert _leftovers(tmp_path) == []


def test_a_new_file_of_a_failed_unit_is_removed_again(tmp_path, monkeypatch):
    project, weights = tmp_path / "m.nbproj", tmp_path / "m.safetensors"
    real_replace = os.replace
    monkeypatch.setattr(files.os, "replace", lambda s, d: (_ for _ in ()).throw(OSError(errno.EIO, "I/O", s))
                        if Path(d) == weights else real_replace(s, d))
    with pytest.raises(OSError):
        replace_together([(project, lambda tmp: tmp.write_text("new")), (weights, lambda tmp: tmp.write_bytes(b"w"))])
    assert not project.exists() and not weights.exists()


def test_files_replaced_together_all_change_when_everything_works(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    replace_together([(a, lambda tmp: tmp.write_text("new a")), (b, lambda tmp: tmp.write_text("new b"))])
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert _leftovers(tmp_path) == []


# ---- the overwrite guard --------------------------------------------------------------------------
def test_an_existing_file_is_refused_without_force_and_the_message_says_how_to_allow_it(tmp_path):
    target = tmp_path / "train.py"
    target.write_text("the user's script")
    with pytest.raises(OverwriteRefused, match=r"train\.py: the file already exists .* --force"):
        refuse_overwrite(target, force=False)
    refuse_overwrite(target, force=True)  # allowed
    refuse_overwrite(tmp_path / "new.py", force=False)  # a new file is always fine


def test_a_protected_file_is_refused_even_with_force(tmp_path):
    project = tmp_path / "P.nbproj"
    project.write_text("{}")
    with pytest.raises(OverwriteRefused, match="this is the project file; .* not even with --force"):
        refuse_overwrite(tmp_path / "." / "P.nbproj", force=True, protected=[Protected(project, "the project file")])


def test_a_link_to_a_protected_file_is_the_protected_file(tmp_path):
    data = tmp_path / "data.npz"
    data.write_bytes(b"PK")
    (tmp_path / "alias.npz").symlink_to(data)
    with pytest.raises(OverwriteRefused, match="the project's data set"):
        refuse_overwrite(tmp_path / "alias.npz", force=True, protected=[Protected(data, "the project's data set")])


def test_a_folder_is_never_a_target(tmp_path):
    with pytest.raises(OverwriteRefused, match="is a folder"):
        refuse_overwrite(tmp_path, force=True)


def test_a_projects_protected_files_are_the_project_its_data_and_its_weights(tmp_path):
    project = Project()
    project.path = tmp_path / "P.nbproj"
    project.dataset.name, project.dataset.path = "npz", "data.npz"
    project.dataset.options = {"labels": "/abs/labels.idx"}
    found = {(p.path, p.what) for p in protected_files(project, ["w.safetensors"])}
    assert (tmp_path / "P.nbproj", "the project file") in found
    assert (tmp_path / "P.safetensors", "the project's weights") in found
    assert (tmp_path / "data.npz", "the project's data set") in found
    assert (Path("/abs/labels.idx"), "the project's data set") in found
    assert (tmp_path / "runs" / "P" / "best.safetensors", "a checkpoint of the project") in found
    assert (Path("w.safetensors"), "the weights being used") in found


# ---- output folders -------------------------------------------------------------------------------
def test_an_output_folder_is_created_and_proven_writable(tmp_path):
    folder = check_writable_folder(tmp_path / "runs" / "p")
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_file_in_the_way_of_an_output_folder_is_named(tmp_path):
    (tmp_path / "runs").write_text("not a folder")
    with pytest.raises(FolderNotWritable, match=r"runs.*cannot write into this folder"):
        check_writable_folder(tmp_path / "runs" / "p")


def test_an_output_folder_that_refuses_new_files_is_reported_before_work_starts(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    with pytest.raises(FolderNotWritable, match="Permission denied") as caught:
        check_writable_folder(tmp_path)
    assert isinstance(caught.value, OSError) and caught.value.errno == errno.EACCES


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_reported(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(FolderNotWritable):
            check_writable_folder(folder)
    finally:
        folder.chmod(0o700)
