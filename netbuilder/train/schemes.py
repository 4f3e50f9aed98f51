"""The training side of each scheme: supervised, reconstruction (autoencoders), adversarial (GANs).

A scheme's description (its graphs, the graph the data feed, its checks) is
data in `netbuilder.graph.schemes`; here is the one class per scheme that
trains it, registered under the same name with `@training_scheme`. Every class
has the same constructor, ``Scheme(context)``, so the Trainer builds any of
them the same way. A scheme owns its compiled graphs, optimisers and meters,
and runs one batch (`train_step`, `eval_step`); the Trainer owns the loop
around it. `train_step` is the hot path: it queues device work and never waits
for the device.
"""

from __future__ import annotations

import contextlib
import copy
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
from netbuilder.train.loading import sample_batch
from netbuilder.train.metrics import ClassificationMeter, Meter, NamedLossMeter, RegressionMeter
from netbuilder.train.optim import make_optimizer
from netbuilder.train.stats import LayerProbe

_NO_AUTOCAST = contextlib.nullcontext()  # reusable: entering it twice is fine
GENERATED_SAMPLES = 16  # a GAN's fixed noise batch, shown once per epoch


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
        return None

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


@training_scheme("supervised")
class Supervised(Scheme):
    """A loss node fed by a prediction and a Target: classification or regression."""

    compile_targets = ("gm",)

    def __init__(self, context: SchemeContext) -> None:
        super().__init__(context)
        compiled = self._build("model")
        if compiled.training is None:
            raise SchemeError("the graph 'model' has no loss node — add one (e.g. CrossEntropyLoss) fed by the "
                              "prediction and a Target")
        _single(compiled.input_names, "Input", "model")
        _single(compiled.target_names, "Target", "model")
        self.compiled = compiled
        self.graphs = {"model": compiled}
        self.gm = compiled.training
        target = compiled.target_shapes[compiled.target_names[0]]
        self.task = "classification" if target.dtype == "int" else "regression"
        self.num_classes = context.dataset.num_classes or compiled._classes(compiled.target_names[0])
        losses = [compiled.node_for_module[n.target] for n in self.gm.graph.nodes
                  if n.op == "call_module" and compiled.node_for_module.get(n.target) in compiled.loss_names]
        if len(losses) > 1:
            # The training graph returns the summed loss and each loss's prediction; the meter scores the
            # first prediction only, so say which one the metrics describe.
            metric = "accuracy is" if self.task == "classification" else "mse and mae are"
            self.notes.append(f"the graph has {len(losses)} losses ({', '.join(losses)}): 'loss' is their sum; "
                              f"{metric} those of the prediction fed to '{losses[0]}'")
        self.make_steppers()

    def make_meter(self, validation: bool) -> Meter:
        if self.task == "classification":
            return ClassificationMeter(self.device, self.num_classes, confusion=validation)
        return RegressionMeter(self.device)

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(x, y)
        self.steppers[0].step(loss)
        if self.probe is not None:
            self.probe.record_grads("model")
        meter.update(loss, predictions[0], y)

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(x, y)
        meter.update(loss, predictions[0], y)

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        return _explain_with(self.compiled, self.gm, (x, y), exc)


def separate_targets(compiled: CompiledGraph) -> fx.GraphModule:
    """The training graph with each loss's target port fed by its own placeholder.

    An autoencoder's drawing wires the Input into the loss target, so the plain
    training graph compares the output with whatever went in. A denoising
    autoencoder must compare it with the clean input while feeding a noisy one:
    this variant's ``forward(x_in, x_target)`` makes that possible.
    """
    assert compiled.training is not None
    gm = compiled.training
    graph = copy.deepcopy(gm.graph)
    loss_modules = {m for m, node in compiled.node_for_module.items() if node in compiled.loss_names}
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    extra: dict[fx.Node, fx.Node] = {}
    with graph.inserting_after(placeholders[-1]):
        for ph in reversed(placeholders):
            extra[ph] = graph.placeholder(f"{ph.name}_target")
    for n in graph.nodes:
        if n.op == "call_module" and n.target in loss_modules and len(n.args) >= 2 and n.args[1] in extra:
            n.args = (n.args[0], extra[n.args[1]], *n.args[2:])
    used = [ph for ph in extra.values() if ph.users]
    for ph in extra.values():
        if ph not in used:
            graph.erase_node(ph)
    graph.lint()
    return fx.GraphModule(gm, graph, class_name=type(gm).__name__)


@training_scheme("reconstruction")
class Reconstruction(Scheme):
    """Autoencoders: the loss target is the input; with the data's ``denoise`` the network sees a noisy copy."""

    task = "reconstruction"
    compile_targets = ("gm",)

    def __init__(self, context: SchemeContext) -> None:
        super().__init__(context)
        compiled = self._build("model")
        if compiled.training is None:
            raise SchemeError("the autoencoder graph has no loss node — add MSELoss fed by the last layer and "
                              "the Input")
        _single(compiled.input_names, "Input", "model")
        if compiled.target_names:
            raise SchemeError(f"the reconstruction scheme compares the output with the input, but the graph has "
                              f"Target node(s) {', '.join(compiled.target_names)} — wire the Input into the loss's "
                              "target port and delete the Target")
        self.compiled = compiled
        self.graphs = {"model": compiled}
        self.gm = separate_targets(compiled)
        placeholders = [n for n in self.gm.graph.nodes if n.op == "placeholder"]
        if len(placeholders) != 2:
            raise SchemeError("the autoencoder's loss must take the Input itself as its target")
        self.denoise = float(self.project.dataset.denoise)
        self.fixed = sample_batch(context.dataset)
        self.make_steppers()

    def noisy(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.denoise * torch.randn_like(x) if self.denoise > 0 else x

    def make_meter(self, validation: bool) -> Meter:
        return RegressionMeter(self.device)

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(self.noisy(x), x)
        self.steppers[0].step(loss)
        if self.probe is not None:
            self.probe.record_grads("model")
        meter.update(loss, predictions[0], x)

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        with self.autocast():
            loss, predictions = self.gm(self.noisy(x), x)
        meter.update(loss, predictions[0], x)

    def samples(self, epoch: int) -> Samples | None:
        if self.fixed is None or len(self.fixed) == 0:
            return None
        with torch.no_grad(), self.autocast():
            _, predictions = self.gm(self.noisy(self.fixed), self.fixed)
        return Samples(epoch, "reconstruction", predictions[0].float().cpu(), inputs=self.fixed.float().cpu())

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        return _explain_with(self.compiled, self.gm, (x, x), exc)


@training_scheme("adversarial")
class Adversarial(Scheme):
    """GANs: the discriminator learns real from fake, then the generator learns to fool it (BCE on logits)."""

    task = "adversarial"
    compile_targets = ("gen_forward", "disc_forward")

    def __init__(self, context: SchemeContext) -> None:
        super().__init__(context)
        settings = self.settings
        gen, disc = self._build("generator"), self._build("discriminator")
        _single(gen.input_names, "Input", "generator")
        _single(disc.input_names, "Input", "discriminator")
        self.graphs = {"generator": gen, "discriminator": disc}
        self.gen, self.disc = gen, disc
        self.gen_forward: Callable[[torch.Tensor], Any] = gen.model
        self.disc_forward: Callable[[torch.Tensor], Any] = disc.model
        self.latent = settings.latent_dim
        self.bce = nn.BCEWithLogitsLoss()
        generator = torch.Generator().manual_seed(settings.seed + 7)
        self.fixed_noise = torch.randn(GENERATED_SAMPLES, self.latent, generator=generator).to(self.device)
        self.make_steppers()

    def _generate(self, n: int) -> torch.Tensor:
        fake = self.gen_forward(torch.randn(n, self.latent, device=self.device))
        return fake[0] if isinstance(fake, tuple) else fake

    def _score(self, x: torch.Tensor) -> torch.Tensor:
        score = self.disc_forward(x)
        return score[0] if isinstance(score, tuple) else score

    def make_meter(self, validation: bool) -> Meter:
        return NamedLossMeter(self.device, ("d_loss", "g_loss"))

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        n = x.shape[0]
        ones = torch.ones(n, 1, device=self.device)
        zeros = torch.zeros(n, 1, device=self.device)
        d_step, g_step = self.steppers[1], self.steppers[0]
        with self.autocast():
            fake = self._generate(n)
            d_loss = self.bce(self._score(x), ones) + self.bce(self._score(fake.detach()), zeros)
        d_step.step(d_loss)
        if self.probe is not None:
            self.probe.record_grads("discriminator")
        with self.autocast():
            g_loss = self.bce(self._score(fake), ones)
        g_step.step(g_loss)
        if self.probe is not None:
            self.probe.record_grads("generator")
        assert isinstance(meter, NamedLossMeter)
        meter.add_parts(torch.stack([d_loss.detach(), g_loss.detach()]), n)

    def eval_step(self, x: torch.Tensor, y: torch.Tensor | None, meter: Meter) -> None:
        n = x.shape[0]
        with self.autocast():
            fake = self._generate(n)
            d_fake = self._score(fake)
            d_loss = self.bce(self._score(x), torch.ones(n, 1, device=self.device)) + \
                self.bce(d_fake, torch.zeros(n, 1, device=self.device))
            g_loss = self.bce(d_fake, torch.ones(n, 1, device=self.device))
        assert isinstance(meter, NamedLossMeter)
        meter.add_parts(torch.stack([d_loss.float(), g_loss.float()]), n)

    def samples(self, epoch: int) -> Samples | None:
        with torch.no_grad(), self.autocast():
            fake = self.gen.model(self.fixed_noise)
        fake = fake[0] if isinstance(fake, tuple) else fake
        return Samples(epoch, "generated", fake.float().cpu())

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        noise = torch.randn(x.shape[0], self.latent, device=self.device)
        message = _explain_with(self.gen, self.gen.model, (noise,), exc)
        if "failed while running" in message:
            return message
        return _explain_with(self.disc, self.disc.model, (x,), exc)

    @property
    def has_validation_loss(self) -> bool:
        return False
