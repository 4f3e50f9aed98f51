"""How much memory training a network needs, and how much the machine has: told before a run starts.

The estimate reads only the analysis (parameter counts and inferred shapes), so the window and the
command line give the same figure without building the network. It counts what a training step keeps:

- weights: every parameter, 4 bytes each (float32);
- gradients: one value per trainable parameter;
- optimiser state: Adam and AdamW keep two values per trainable parameter (the running mean and
  variance), SGD one with momentum and none without, RMSprop one (two with momentum);
- activations: every layer's output for a whole batch, kept for the backward pass.

It is a lower bound in spirit (framework buffers, the data set on the device and the allocator's slack
come on top) and it ignores what mixed precision saves, so a run it says fits may still run out, but a
run it says does not fit will not fit.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from netbuilder.graph.analysis import Analysis, analyze
from netbuilder.graph.project import Project

FLOAT_BYTES = 4
INDEX_BYTES = 8  # class ids and token ids are int64
GIB = 1024 ** 3
# Values an optimiser keeps per trainable parameter, without and with momentum.
OPTIMIZER_STATES: dict[str, tuple[int, int]] = {"sgd": (0, 1), "adam": (2, 2), "adamw": (2, 2), "rmsprop": (1, 2)}


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training step needs, by what they hold."""

    weights: int
    gradients: int
    optimizer_state: int
    activations: int
    batch_size: int
    optimizer: str

    @property
    def total(self) -> int:
        return self.weights + self.gradients + self.optimizer_state + self.activations

    def parts(self) -> str:
        """``weights 1.2 GiB, gradients 1.2 GiB, optimiser state (adam) 2.4 GiB, activations at batch 64 3 GiB``."""
        return (f"weights {format_bytes(self.weights)}, gradients {format_bytes(self.gradients)}, "
                f"optimiser state ({self.optimizer}) {format_bytes(self.optimizer_state)}, "
                f"activations at batch size {self.batch_size:,} {format_bytes(self.activations)}")


def format_bytes(n: float) -> str:
    """``512 B``, ``3.4 MiB``, ``12.0 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # not reached: TiB is the last unit


def estimate_training_bytes(analyses: Analysis | Iterable[Analysis], batch_size: int, optimizer: str = "adam",
                            momentum: float = 0.0, frozen_params: int = 0) -> MemoryEstimate:
    """What training the analysed graph(s) needs at ``batch_size`` with ``optimizer``.

    ``frozen_params`` parameters (of layers whose weights do not train) get no gradient and no
    optimiser state. An unknown optimiser is counted like Adam (the most any of them keeps)."""
    found = [analyses] if isinstance(analyses, Analysis) else list(analyses)
    params = sum(a.total_params for a in found)
    trainable = max(0, params - frozen_params)
    plain, with_momentum = OPTIMIZER_STATES.get(optimizer, OPTIMIZER_STATES["adam"])
    states = with_momentum if momentum > 0 else plain
    per_sample = 0
    for a in found:
        for info in a.nodes.values():
            for shape in info.outputs.values():
                per_sample += shape.size * (INDEX_BYTES if shape.dtype == "int" else FLOAT_BYTES)
    return MemoryEstimate(weights=params * FLOAT_BYTES, gradients=trainable * FLOAT_BYTES,
                          optimizer_state=states * trainable * FLOAT_BYTES,
                          activations=per_sample * max(1, batch_size), batch_size=batch_size, optimizer=optimizer)


def project_training_estimate(project: Project, analyses: Mapping[str, Analysis] | None = None) -> MemoryEstimate:
    """The estimate for every graph of ``project`` with its own batch size and optimiser (frozen layers
    counted as such). ``analyses`` are the window's, when it has them; else each graph is analysed."""
    spec = project.scheme_spec
    results = dict(analyses or {})
    frozen = 0
    for name, graph in project.graphs.items():
        if name not in results:
            results[name] = analyze(graph, spec.purpose(name) if spec is not None else "train")
        nodes = results[name].nodes
        frozen += sum(nodes[n.id].params for n in graph.nodes.values() if not n.trainable and n.id in nodes)
    settings = project.training
    return estimate_training_bytes(list(results.values()), settings.batch_size, settings.optimizer,
                                   settings.momentum, frozen)


def available_memory_bytes(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Memory the operating system can give a new run now (Linux's MemAvailable), or None when unknown."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the file counts in kB
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None  # neither /proc nor sysconf can say (macOS has no SC_AVPHYS_PAGES)


# ---- what this process may still allocate ------------------------------------------------------
class TooLarge(ValueError):
    """Something would need more memory than this process can have; the message gives both figures.

    Raised before anything is allocated: a network of 10^12 parameters, a file whose header
    announces 14 TiB of values, a data set resized into more memory than the machine has.
    """


def _cgroup_headroom(folder: Path = Path("/sys/fs/cgroup")) -> int | None:
    """What a container's memory limit (cgroup v2) still allows, or None when there is none."""
    try:
        limit = (folder / "memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((folder / "memory.current").read_text(encoding="ascii").strip()))
    except (OSError, ValueError):
        return None


def _address_space_headroom() -> int | None:
    """What this process's address-space limit (``ulimit -v``, RLIMIT_AS) leaves, or None when unlimited."""
    try:
        import resource  # Unix only
    except ImportError:
        return None
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ValueError, OSError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            mapped = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")), 0)
    except (OSError, ValueError):
        mapped = 0
    return max(0, soft - mapped)


def allocation_budget_bytes() -> int | None:
    """The most this process can still allocate: the smallest of the memory the system has available,
    a container's limit and the process's address-space limit. None when none of them is known."""
    known = [b for b in (available_memory_bytes(), _cgroup_headroom(), _address_space_headroom()) if b is not None]
    return min(known) if known else None


def check_allocation(need: int, what: str) -> None:
    """`TooLarge` when ``need`` bytes for ``what`` ("the array 'x' of d.npz") exceed `allocation_budget_bytes`."""
    budget = allocation_budget_bytes()
    if budget is not None and need > budget:
        raise TooLarge(f"{what} would need {format_bytes(need)} of memory, more than the {format_bytes(budget)} "
                       "this machine has available")


def check_model_fits(project: Project, graph_names: Iterable[str] | None = None, *, training: bool = False,
                     analyses: Mapping[str, Analysis] | None = None) -> MemoryEstimate:
    """`TooLarge`, with the figures, when the network cannot be built (or, with ``training``, trained on
    this machine's memory); call it before building: a Linear of 10^6×10^6 asks for 4 TB.

    Building needs the weights; training on the CPU needs the whole `project_training_estimate`.
    Returns the estimate.
    """
    names = list(project.graphs) if graph_names is None else list(graph_names)
    spec = project.scheme_spec
    results = {name: (analyses or {}).get(name) or analyze(project.graphs[name], spec.purpose(name) if spec else
                                                           "train") for name in names}
    estimate = project_training_estimate(project, results) if training else estimate_training_bytes(
        list(results.values()), project.training.batch_size, project.training.optimizer,
        project.training.momentum)
    params = sum(a.total_params for a in results.values())
    budget = allocation_budget_bytes()
    need = estimate.total if training else estimate.weights
    if budget is not None and need > budget:
        doing = (f"training it needs {format_bytes(need)} ({estimate.parts()})" if training else
                 f"building it needs {format_bytes(need)} for the weights alone")
        raise TooLarge(f"the network has {params:,} parameters; {doing}, more than the {format_bytes(budget)} of "
                       "memory available — make its layers smaller" + (" or the batch size smaller" if training
                                                                        else ""))
    return estimate
