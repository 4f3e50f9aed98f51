"""Metrics accumulated on the training device and read back only when reported.

Each update is a few tensor operations queued on the device; nothing waits for
it. `compute()` turns the sums into Python numbers with one transfer, and the
trainer calls it only every ``report_every`` batches and at the end of an epoch.
"""

from __future__ import annotations

import torch


class Meter:
    """The mean loss over the batches seen since the last reset.

    With `track_parts`, also the mean of each named part of the loss (a graph with several loss nodes
    reports each one, named so that it ends in ``loss``: plots put those beside the loss, not with the metrics).
    """

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.part_names: tuple[str, ...] = ()
        self.reset()

    def reset(self) -> None:
        self.loss_sum = torch.zeros((), device=self.device)
        self.part_sums = torch.zeros(len(self.part_names), device=self.device)
        self.batches = 0
        self.samples = 0  # counted on the host: batch sizes are known without asking the device

    def track_parts(self, names: tuple[str, ...]) -> Meter:
        """Report the mean of each of these parts of the loss too (see `add_loss_parts`)."""
        self.part_names = names
        self.part_sums = torch.zeros(len(names), device=self.device)
        return self

    def add_loss_parts(self, parts: torch.Tensor) -> None:
        """One value per tracked name, for the batch just given to `update`."""
        if self.part_names:
            self.part_sums += parts.detach().float()

    def add_loss(self, loss: torch.Tensor, samples: int) -> None:
        self.loss_sum += loss.detach()  # in place into float32, whatever precision the loss was computed in
        self.batches += 1
        self.samples += samples

    def update(self, loss: torch.Tensor, prediction: torch.Tensor | None, target: torch.Tensor | None) -> None:
        self.add_loss(loss, target.shape[0] if target is not None else 1)

    def _sums(self) -> list[torch.Tensor]:
        return [self.loss_sum]

    def _values(self, sums: list[float]) -> dict[str, float]:
        return {"loss": sums[0] / max(self.batches, 1)}

    def compute(self) -> dict[str, float]:
        """The metrics as Python floats (one device-to-host transfer)."""
        own = self._sums()
        parts = list(self.part_sums.unbind()) if self.part_names else []
        sums = torch.stack([s if s.is_floating_point() else s.float() for s in own + parts]).tolist()
        values = self._values(sums[:len(own)])
        batches = max(self.batches, 1)
        values.update({name: total / batches for name, total in zip(self.part_names, sums[len(own):])})
        return values


class ClassificationMeter(Meter):
    """Loss, accuracy and (when asked) the confusion matrix, from scores (N, C, ...) and class ids (N, ...)."""

    def __init__(self, device: torch.device, num_classes: int, confusion: bool = False) -> None:
        self.num_classes = num_classes
        self.track_confusion = confusion
        super().__init__(device)

    def reset(self) -> None:
        super().reset()
        self.correct = torch.zeros((), dtype=torch.long, device=self.device)
        self.count = 0
        self.confusion = (torch.zeros(self.num_classes * self.num_classes, dtype=torch.long, device=self.device)
                          if self.track_confusion else None)

    def update(self, loss: torch.Tensor, prediction: torch.Tensor | None, target: torch.Tensor | None) -> None:
        assert prediction is not None and target is not None, "a supervised meter needs predictions and targets"
        self.loss_sum += loss.detach()
        self.batches += 1
        self.samples += target.shape[0]
        predicted = prediction.detach().argmax(dim=1)
        self.correct += (predicted == target).long().sum()
        self.count += target.numel()
        if self.confusion is not None:
            # true*C + predicted indexes the flattened C×C matrix. A scatter-add into the fixed-size
            # matrix, unlike bincount, does not ask the GPU for the largest index (a wait per batch).
            index = target.reshape(-1) * self.num_classes + predicted.reshape(-1)
            self.confusion.scatter_add_(0, index, torch.ones_like(index))

    def _sums(self) -> list[torch.Tensor]:
        return [self.loss_sum, self.correct]

    def _values(self, sums: list[float]) -> dict[str, float]:
        return {"loss": sums[0] / max(self.batches, 1), "accuracy": sums[1] / max(self.count, 1)}

    def confusion_matrix(self) -> list[list[int]] | None:
        """[true class][predicted class] counts (a transfer: call at epoch end only)."""
        if self.confusion is None:
            return None
        return self.confusion.reshape(self.num_classes, self.num_classes).tolist()


class RegressionMeter(Meter):
    """Loss, mean squared error and mean absolute error over every predicted value."""

    def reset(self) -> None:
        super().reset()
        self.sse = torch.zeros((), device=self.device)
        self.sae = torch.zeros((), device=self.device)
        self.count = 0

    def update(self, loss: torch.Tensor, prediction: torch.Tensor | None, target: torch.Tensor | None) -> None:
        assert prediction is not None and target is not None, "a supervised meter needs predictions and targets"
        self.loss_sum += loss.detach()
        self.batches += 1
        self.samples += target.shape[0]
        error = prediction.detach().float() - target.float()
        self.sse += error.square().sum()
        self.sae += error.abs().sum()
        self.count += error.numel()

    def _sums(self) -> list[torch.Tensor]:
        return [self.loss_sum, self.sse, self.sae]

    def _values(self, sums: list[float]) -> dict[str, float]:
        n = max(self.count, 1)
        return {"loss": sums[0] / max(self.batches, 1), "mse": sums[1] / n, "mae": sums[2] / n}


class NamedLossMeter(Meter):
    """Several named losses (a GAN's discriminator and generator losses) summed on the device."""

    def __init__(self, device: torch.device, names: tuple[str, ...]) -> None:
        self.names = names
        super().__init__(device)

    def reset(self) -> None:
        super().reset()
        self.parts = torch.zeros(len(self.names), device=self.device)

    def add_parts(self, parts: torch.Tensor, samples: int) -> None:
        """``parts`` holds one value per name; the reported loss is their sum."""
        parts = parts.detach().float()
        self.parts += parts
        self.loss_sum += parts.sum()
        self.batches += 1
        self.samples += samples

    def _sums(self) -> list[torch.Tensor]:
        return [self.loss_sum, *self.parts.unbind()]

    def _values(self, sums: list[float]) -> dict[str, float]:
        n = max(self.batches, 1)
        return {"loss": sums[0] / n, **{name: s / n for name, s in zip(self.names, sums[1:])}}
