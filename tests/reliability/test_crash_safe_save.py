"""A save killed mid-write (SIGKILL of the saving process) leaves the previous file readable.

A child process saves a ~4 MB, 2,000-layer project to the same path over and
over, printing each version once its save returned; the parent kills it with
SIGKILL, sometimes at a random moment and sometimes exactly while the
temporary file is being written, and then loads the file: it must be a whole
version (the last one reported, or the one whose rename had just happened),
never a partial one, and leftover temporary files must not pass for projects.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netbuilder.graph import load_project

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")

ROOT = Path(__file__).resolve().parents[2]

SAVER = r"""
import sys
from netbuilder.graph import Graph, Project, save_project

path = sys.argv[1]
g = Graph("model")
prev = g.add_node("Input", params={"kind": "tabular", "features": 8}).id
for i in range(2000):
    node = g.add_node("Linear", params={"out_features": 8}, position=(i * 10.0, i * 3.0)).id
    g.connect(prev, "out", node, "in")
    prev = node
project = Project(graphs={"model": g})
padding = "x" * 3_000_000  # ~4 MB in all, so a write takes long enough to be interrupted
version = 0
while True:
    version += 1
    project.description = f"version {version} " + padding
    save_project(project, path)
    print(version, flush=True)
"""


def _start_saver(path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", SAVER, str(path)], stdout=subprocess.PIPE, text=True, env=env)


def _version(path: Path) -> int:
    project = load_project(path)  # raises ProjectFileError if the file is partial
    return int(project.description.split()[1])


def _temporaries(folder: Path, path: Path) -> list[Path]:
    return sorted(folder.glob(f".{path.name}.*.tmp"))


def _kill_during_save(path: Path, rng: random.Random, while_writing: bool) -> tuple[int, bool]:
    """Run a saver until it saved once, then SIGKILL it; returns (last version it reported, hit a write)."""
    earlier = set(_temporaries(path.parent, path))  # left by earlier kills: wait for a new one
    child = _start_saver(path)
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.strip(), "the saver died before saving once"
        hit = False
        if while_writing:  # wait for the next temporary file: the kill then lands mid-write
            deadline = time.monotonic() + 10
            while not set(_temporaries(path.parent, path)) - earlier and time.monotonic() < deadline:
                time.sleep(0.0005)
            hit = bool(set(_temporaries(path.parent, path)) - earlier)
        else:
            time.sleep(rng.uniform(0.0, 0.3))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    reported = [int(line) for line in (first + out).split()]
    return reported[-1], hit


def test_a_save_killed_at_any_moment_leaves_a_whole_project_file(tmp_path) -> None:
    rng = random.Random(8)
    path = tmp_path / "p.nbproj"
    writes_hit = 0
    for attempt in range(6):
        last, hit = _kill_during_save(path, rng, while_writing=attempt % 2 == 1)
        writes_hit += hit
        version = _version(path)
        # The last completed save, or the one whose rename happened just before the kill.
        assert version in (last, last + 1), f"attempt {attempt}: file has version {version}, saver reported {last}"
    assert writes_hit >= 1, "no kill landed while a temporary file was being written"


def test_leftover_temporary_files_are_not_taken_for_projects(tmp_path) -> None:
    path = tmp_path / "p.nbproj"
    for _ in range(3):
        _kill_during_save(path, random.Random(1), while_writing=True)
    assert _temporaries(tmp_path, path), "the kills should have left partial temporary files behind"
    assert sorted(tmp_path.glob("*.nbproj")) == [path]  # what File › Open and the templates list would see
    _version(path)
