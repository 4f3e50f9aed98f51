"""What every training scheme shares: the uniform constructor (`SchemeContext`), the `Scheme` base with its
optimiser steps, autocast and compile switches, and the registry the Trainer builds schemes from."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import torch
from torch import fx, nn

from netbuilder.compile import CompiledGraph, build, run_checked
from netbuilder.compile.errors import NodeRuntimeError
from netbuilder.data import Dataset
from netbuilder.graph import Project, TrainingSettings
from netbuilder.graph.schemes import SchemeSpec, scheme_names, scheme_spec
from netbuilder.train.acceleration import Acceleration, compile_mode
from netbuilder.train.events import Samples, Task
from netbuilder.train.metrics import Meter
from netbuilder.train.optim import make_optimizer
from netbuilder.train.stats import LayerProbe

_NO_AUTOCAST = contextlib.nullcontext()  # reusable: entering it twice is fine


class SchemeError(ValueError):
    """The project cannot be trained this way; the message says what to change."""


class Stepper:
    """backward + optional gradient clipping + optimiser step, with a GradScaler for CUDA mixed precision."""

    def __init__(self, optimizer: torch.optim.Optimizer, grad_clip: float,
                 scaler: torch.amp.GradScaler | None) -> None:
        self.optimizer = optimizer
        self.params = [p for group in optimizer.param_groups for p in group["params"]]
        self.grad_clip = grad_clip
        self.scaler = scaler

    def step(self, loss: torch.Tensor) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        if self.scaler is None:
            loss.backward()
            if self.grad_clip > 0:
                nn.utils.clip_grad_norm_(self.params, self.grad_clip)
            self.optimizer.step()
            return
        self.scaler.scale(loss).backward()
        if self.grad_clip > 0:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.params, self.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()


def _single(names: list[str], what: str, graph: str) -> None:
    if len(names) != 1:
        raise SchemeError(f"the graph '{graph}' has {len(names)} {what} nodes ({', '.join(names) or 'none'}); the "
                          f"trainer feeds exactly one {what} from the data set — keep one {what} node")


@dataclass(frozen=True)
class SchemeContext:
    """What every scheme is built from: the one constructor argument of every `Scheme` class."""

    project: Project
    settings: TrainingSettings
    device: torch.device
    acceleration: Acceleration  # precision, channels-last, compile mode
    dataset: Dataset  # already on ``device``


class Scheme:
    """Base: graphs, steppers, meters and the hooks the Trainer calls."""

    name: ClassVar[str] = ""  # the registry key, the same as its `SchemeSpec`'s name
    task: Task = "regression"  # what the metrics are
    # The attributes holding what the hot path calls: torch.compile wraps these in compiled mode.
    compile_targets: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: SchemeContext) -> None:
        self.context = context
        self.project = context.project
        self.settings = context.settings
        self.device = context.device
        self.acceleration = context.acceleration
        self.amp = context.acceleration.amp_dtype is not None
        self._eager: dict[str, Any] = {}  # the callables compiled mode replaced, to fall back to
        self.graphs: dict[str, CompiledGraph] = {}
        self.steppers: list[Stepper] = []
        self.probe: LayerProbe | None = None  # set by the Trainer on report batches only
        self.notes: list[str] = []  # said once when the run starts (RunStarted.notes)
        self.amp_dtype = context.acceleration.amp_dtype or torch.float32

    @property
    def spec(self) -> SchemeSpec:
        spec = scheme_spec(self.name)
        assert spec is not None, f"scheme class {type(self).__name__} has no descriptor"
        return spec

    def _build(self, name: str) -> CompiledGraph:
        if name not in self.project.graphs:
            raise SchemeError(f"the {self.project.scheme} scheme needs a graph called '{name}'")
        return build(self.project.graphs[name], self.project.purpose(name), device=self.device)

    def make_steppers(self) -> None:
        """Optimisers over what is trainable now (call after freezing)."""
        # bfloat16 has float32's range, so it needs no GradScaler — whose overflow check waits for the GPU
        # every step. float16 (older GPUs) needs the scaler.
        scaled = self.acceleration.needs_scaler
        # One GradScaler per optimiser: a GAN's two losses overflow at different scales.
        self.steppers = [Stepper(make_optimizer(g.trainable_parameters(), self.settings), self.settings.grad_clip,
                                 torch.amp.GradScaler(self.device.type) if scaled else None)
                         for g in self.graphs.values()]

    @property
    def optimizers(self) -> list[torch.optim.Optimizer]:
        return [s.optimizer for s in self.steppers]

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp:
            return torch.autocast(self.device.type, dtype=self.amp_dtype)
        return _NO_AUTOCAST

    def set_acceleration(self, acceleration: Acceleration) -> None:
        """Use ``acceleration``'s precision (call before the first step: the optimisers are made anew)."""
        self.acceleration = acceleration
        self.amp = acceleration.amp_dtype is not None
        self.amp_dtype = acceleration.amp_dtype or torch.float32
        self.make_steppers()

    def use_compiler(self, mode: str) -> None:
        """Run the hot path through torch.compile (compiled lazily, on the first step)."""
        self._eager = {name: getattr(self, name) for name in self.compile_targets}
        for name, fn in self._eager.items():
            setattr(self, name, torch.compile(fn, mode=compile_mode(mode)))

    def use_eager(self) -> None:
        """Back to plain eager execution (after a compile failure)."""
        for name, fn in self._eager.items():
            setattr(self, name, fn)
        self._eager = {}

    @property
    def is_compiled(self) -> bool:
        return bool(self._eager)

    def train(self) -> None:
        for g in self.graphs.values():
            g.train()

    def eval(self) -> None:
        for g in self.graphs.values():
            g.eval()

    # The Trainer's hooks -------------------------------------------------------------------------
    def make_meter(self, validation: bool) -> Meter:
        raise NotImplementedError

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        raise NotImplementedError

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        raise NotImplementedError

    def samples(self, epoch: int) -> Samples | None:
        """A few reconstructions or generated samples to show, in the data's own units (see `displayable`)."""
        return None

    def displayable(self, batch: torch.Tensor) -> torch.Tensor:
        """``batch`` on the CPU as float32 with the data's normalisation undone: pixels in their own range, so
        a sample reads as the data set's pictures do (standardised per pixel, digits were not recognisable)."""
        batch = batch.detach().float().cpu()
        try:
            return self.context.dataset.normalization.invert(batch)
        except RuntimeError:  # samples not shaped like the data (a generator that does not fit it)
            return batch

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        """Re-run the failed batch node by node to name the node that fails."""
        return str(exc)

    @property
    def has_validation_loss(self) -> bool:
        """Whether the validation loss means "better" when lower (not for a GAN)."""
        return True


def _explain_with(compiled: CompiledGraph, gm: fx.GraphModule, args: tuple, exc: BaseException) -> str:
    try:
        with torch.no_grad():
            run_checked(compiled, gm, *args)
    except NodeRuntimeError as named:
        # fx appends the generated code and hints to the cause; the first paragraph is the real reason.
        cause = str(named.cause).split("\n\n")[0].strip()
        return f"{named.layer_type} '{named.node_name}' failed while running: {cause}"
    except Exception:  # the node-by-node run failed elsewhere: keep the original message
        pass
    return f"{type(exc).__name__}: {exc}"


SchemeClass = TypeVar("SchemeClass", bound=type[Scheme])
TRAINING_SCHEMES: dict[str, type[Scheme]] = {}


def training_scheme(name: str) -> Callable[[SchemeClass], SchemeClass]:
    """Register a `Scheme` class as the training side of the scheme described by ``name`` in graph.schemes."""
    def register(cls: SchemeClass) -> SchemeClass:
        if scheme_spec(name) is None:
            raise ValueError(f"no scheme descriptor called {name!r}: register a SchemeSpec first")
        cls.name = name
        TRAINING_SCHEMES[name] = cls
        return cls
    return register


def make_scheme(context: SchemeContext) -> Scheme:
    """The project's scheme, built for ``context``; SchemeError when no class trains it."""
    name = context.project.scheme
    cls = TRAINING_SCHEMES.get(name)
    if cls is None:
        known = ", ".join(n for n in scheme_names() if n in TRAINING_SCHEMES)
        raise SchemeError(f"unknown training scheme {name!r}: use {known}")
    return cls(context)


