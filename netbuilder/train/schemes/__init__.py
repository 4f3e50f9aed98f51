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

from netbuilder.train.schemes.adversarial import GENERATED_SAMPLES, Adversarial
from netbuilder.train.schemes.base import (
    TRAINING_SCHEMES,
    Scheme,
    SchemeContext,
    SchemeError,
    Stepper,
    make_scheme,
    training_scheme,
)
from netbuilder.train.schemes.reconstruction import Reconstruction, separate_targets
from netbuilder.train.schemes.supervised import Supervised

__all__ = [
    "GENERATED_SAMPLES", "TRAINING_SCHEMES", "Adversarial", "Reconstruction", "Scheme", "SchemeContext",
    "SchemeError", "Stepper", "Supervised", "make_scheme", "separate_targets", "training_scheme",
]
