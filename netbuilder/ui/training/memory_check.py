"""Before a run starts: if the network will not fit in the training device's memory, say how much it needs
and what the device has, and let the user train anyway or cancel.

The figure is `netbuilder.graph.memory`'s (the command line prints the same). The free memory is the
GPU's (``torch.cuda.mem_get_info``) when the run goes to CUDA, else the operating system's. torch is
imported only when the settings may pick CUDA; the Train click that calls this imports it anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QMessageBox, QWidget

from netbuilder.graph.memory import MemoryEstimate, available_memory_bytes, format_bytes, project_training_estimate
from netbuilder.graph.project import Project


@dataclass(frozen=True)
class MemoryCheck:
    """What a run needs, what its device has free (None: unknown) and what that device is, in words."""

    estimate: MemoryEstimate
    available: int | None
    where: str

    @property
    def fits(self) -> bool:
        return self.available is None or self.estimate.total <= self.available

    def message(self) -> str:
        have = format_bytes(self.available) if self.available is not None else "an unknown amount"
        return (f"Training this network needs about {format_bytes(self.estimate.total)} "
                f"({self.estimate.parts()}), but {self.where} has {have} free.\n\n"
                "Make the batch size or the layers smaller, or train anyway (the run will probably stop "
                "with an out-of-memory error).")


def device_memory(device: str) -> tuple[int | None, str]:
    """Free bytes on the device the settings pick, and its name in words."""
    if device in ("auto", "cuda") or device.startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            free, _total = torch.cuda.mem_get_info()
            return int(free), f"the GPU ({torch.cuda.get_device_name()})"
    return available_memory_bytes(), "this computer's memory"


def check_memory(project: Project) -> MemoryCheck:
    available, where = device_memory(project.training.device)
    return MemoryCheck(project_training_estimate(project), available, where)


def confirm_memory(parent: QWidget, project: Project) -> bool:
    """True to go on: the run fits, or the user chose "Train anyway" in the dialog that says it does not."""
    check = check_memory(project)
    if check.fits:
        return True
    box = QMessageBox(QMessageBox.Icon.Warning, "Not enough memory for this network", check.message(),
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("memory_warning")
    anyway = box.addButton("Train anyway", QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is anyway
