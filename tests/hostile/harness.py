"""Running one hostile input through the command line and judging what came back.

A `Case` writes its inputs into an empty folder and says which command to run
on them (`Invocation`). `run_in_process` calls `netbuilder.cli.main` in this
process (fast: torch is imported once) under a time limit (SIGALRM) and an
address-space limit (RLIMIT_AS, lowered for the call and raised back after);
`run_in_subprocess` runs ``python -m netbuilder`` under the same limits, for a
representative subset and for the inputs only a fresh process can face (a FIFO
given to a C++ reader, a full disk, no home directory).

`check` then asserts what the issue promises for every bad input: exit code 1
or 2, no traceback, a message naming the input, and the user's existing files
unchanged (bytes, size and modification time) with no temporary left behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import stat
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "resources" / "examples"
GIB = 1024 ** 3
SECONDS = 30  # the most any one case may take (most take well under a second)
HEADROOM = 3 * GIB  # address space a case may add to what the process already maps (threads reserve a lot)
PROCESS_LIMIT = 4 * GIB  # the whole address space of a `python -m netbuilder` run (torch + onnx map ~1 GiB)


@dataclass
class Invocation:
    """A command on a case's inputs, and what its answer must contain."""

    argv: list[str]
    mention: str  # text the message must contain: the input's name, a field, an option
    codes: tuple[int, ...] = (1, 2)
    # Extra checks on (exit code, stdout, stderr, folder); names cases check the code they wrote.
    verify: Callable[[int, str, str, Path], None] | None = None
    env: dict[str, str | None] = field(default_factory=dict)  # variables to set for the run; None removes one
    file_size_limit: int | None = None  # subprocess only: RLIMIT_FSIZE (a full disk, as writes see it)


@dataclass(frozen=True)
class Case:
    """One hostile input: ``make(folder)`` writes it and returns the command to run."""

    surface: str
    name: str
    make: Callable[[Path], Invocation]
    subprocess_only: bool = False  # a FIFO read by C++ code, environment or rlimit changes

    @property
    def id(self) -> str:
        return f"{self.surface}:{self.name}"


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    seconds: float
    escaped: str = ""  # the traceback of an exception that left `main`

    @property
    def text(self) -> str:
        return self.out + self.err + self.escaped


class CaseTimeout(BaseException):
    """Raised by SIGALRM in a case that runs too long (a BaseException: nothing may catch it as an error)."""


# ---- the user's files ---------------------------------------------------------------------------
Snapshot = dict[str, tuple[int, int, bytes]]


def snapshot(folder: Path) -> Snapshot:
    """Every regular file under ``folder``: (size, mtime, bytes). FIFOs and devices are never read."""
    found: Snapshot = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode):
            data = path.read_bytes() if info.st_size <= 64 * 1024 * 1024 else b"(large)"
            found[str(path.relative_to(folder))] = (info.st_size, info.st_mtime_ns, data)
    return found


def changed_files(before: Snapshot, folder: Path) -> list[str]:
    """Files that were there before and differ now, and temporaries left behind."""
    after = snapshot(folder)
    changed = [name for name, state in before.items() if after.get(name) != state]
    leftovers = [name for name in after if name not in before and Path(name).name.endswith(".tmp")]
    return changed + leftovers


# ---- limits ---------------------------------------------------------------------------------------
def mapped_bytes() -> int:
    """This process's address space now (VmSize)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@contextlib.contextmanager
def environment(changes: dict[str, str | None]) -> Iterator[None]:
    """``os.environ`` with ``changes`` (None removes a variable) for the duration."""
    saved = {key: os.environ.get(key) for key in changes}
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def limits(seconds: float, headroom: int) -> Iterator[None]:
    """SIGALRM after ``seconds``; RLIMIT_AS at the current address space plus ``headroom``."""
    def expire(signum: int, frame: object) -> None:
        raise CaseTimeout(f"still running after {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = mapped_bytes() + headroom
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    resource.setrlimit(resource.RLIMIT_AS, (min(cap, hard) if hard != resource.RLIM_INFINITY else cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---- running ---------------------------------------------------------------------------------------
def run_in_process(invocation: Invocation, folder: Path, seconds: float = SECONDS,
                   headroom: int = HEADROOM) -> Outcome:
    """``netbuilder.cli.main(argv)`` here, with the output captured and the limits on."""
    from netbuilder.cli import main

    out, err = io.StringIO(), io.StringIO()
    escaped = ""
    code: int | None = None
    start = time.perf_counter()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with limits(seconds, headroom), environment(invocation.env), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            try:
                code = main(list(invocation.argv))
            except SystemExit as exc:  # argparse's own refusals: usage and exit 2
                code = exc.code if isinstance(exc.code, int) else 2
            except (Exception, CaseTimeout):
                escaped = traceback.format_exc()
    finally:
        os.chdir(cwd)
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - start, escaped)


def run_in_subprocess(invocation: Invocation, folder: Path, seconds: float = SECONDS,
                      address_space: int = PROCESS_LIMIT) -> Outcome:
    """``python -m netbuilder ARGV`` in ``folder`` under RLIMIT_AS (and RLIMIT_FSIZE when asked) and a timeout."""
    fsize = invocation.file_size_limit

    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        if fsize is not None:  # writes past the limit fail with EFBIG instead of killing the process
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = {k: v for k, v in os.environ.items() if k not in invocation.env}
    env.update({k: v for k, v in invocation.env.items() if v is not None})
    env["PYTHONPATH"] = str(ROOT)
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "netbuilder", *invocation.argv], cwd=folder, env=env,
                              capture_output=True, text=True, errors="replace", timeout=seconds,
                              preexec_fn=preexec)
    except subprocess.TimeoutExpired as exc:
        def text(b: bytes | str | None) -> str:
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return Outcome(None, text(exc.stdout), text(exc.stderr), time.perf_counter() - start,
                       f"killed after {seconds} s")
    return Outcome(done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


# ---- judging ---------------------------------------------------------------------------------------
def problems(case: Case, invocation: Invocation, outcome: Outcome, changed: list[str],
             folder: Path) -> list[str]:
    """What is wrong with this outcome (empty when the case is handled as promised)."""
    found = []
    if outcome.escaped:
        found.append(f"escaped: {outcome.escaped.strip().splitlines()[-1]}")
    if "Traceback" in outcome.out + outcome.err:
        found.append("a traceback was printed")
    if outcome.code not in invocation.codes:
        found.append(f"exit code {outcome.code}, expected one of {invocation.codes}")
    if invocation.mention and invocation.mention not in outcome.out + outcome.err:
        found.append(f"the message does not name {invocation.mention!r}")
    if changed:
        found.append(f"files changed or left behind: {', '.join(changed)}")
    if not found and invocation.verify is not None:
        try:
            invocation.verify(outcome.code or 0, outcome.out, outcome.err, folder)
        except AssertionError as exc:
            found.append(f"verify: {exc}")
    return found


def check(case: Case, folder: Path, in_subprocess: bool = False) -> Outcome:
    """Run ``case`` in ``folder`` and assert that it is handled as promised."""
    invocation = case.make(folder)
    before = snapshot(folder)
    run = run_in_subprocess if in_subprocess or case.subprocess_only else run_in_process
    outcome = run(invocation, folder)
    found = problems(case, invocation, outcome, changed_files(before, folder), folder)
    assert not found, (f"{case.id}: {'; '.join(found)}\n--- exit {outcome.code}, {outcome.seconds:.1f} s\n"
                       f"--- stdout\n{outcome.out[-2000:]}\n--- stderr\n{outcome.err[-3000:]}\n{outcome.escaped}")
    return outcome
