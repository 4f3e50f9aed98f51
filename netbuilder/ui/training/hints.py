"""Advice read from the curves (pure functions, no Qt): when is a network overfitting?"""

from __future__ import annotations

from collections.abc import Sequence

# Validation loss must rise while training loss falls for this many epochs in a row before we say
# "overfitting": one noisy epoch is common on small validation sets and is not a trend.
OVERFIT_PATIENCE = 3


def overfitting_epochs(train_loss: Sequence[float], val_loss: Sequence[float]) -> int:
    """How many of the latest epochs in a row had the validation loss rising while the training loss fell."""
    n = min(len(train_loss), len(val_loss))
    count = 0
    for i in range(n - 1, 0, -1):
        if val_loss[i] > val_loss[i - 1] and train_loss[i] < train_loss[i - 1]:
            count += 1
        else:
            break
    return count


def overfitting_message(epochs: int) -> str:
    return (f"Overfitting: for {epochs} epochs the validation loss rose while the training loss fell — the network "
            "is memorising the training set. Try Dropout, L2 (weight decay in the settings) or data augmentation, "
            "or stop earlier (early stopping).")
