"""GANs: a generator graph and a discriminator graph trained in alternating steps (BCE on logits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from netbuilder.train.events import Samples
from netbuilder.train.metrics import Meter, NamedLossMeter
from netbuilder.train.schemes.base import Scheme, SchemeContext, _explain_with, _single, training_scheme

GENERATED_SAMPLES = 16  # a GAN's fixed noise batch, shown once per epoch


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
        return Samples(epoch, "generated", self.displayable(fake))

    def explain(self, x: torch.Tensor, y: torch.Tensor | None, exc: BaseException) -> str:
        noise = torch.randn(x.shape[0], self.latent, device=self.device)
        message = _explain_with(self.gen, self.gen.model, (noise,), exc)
        if "failed while running" in message:
            return message
        return _explain_with(self.disc, self.disc.model, (x,), exc)

    @property
    def has_validation_loss(self) -> bool:
        return False
