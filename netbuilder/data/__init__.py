"""Data sets for training: built-in sets, user files, the seeded split, normalisation, batches, augmentation.

Imports torch (never Qt). The Trainer calls `load_dataset` (or `load_for_graph`)
with the Input's shape, then `make_loaders`, and applies an `Augmenter` to
image training batches on the device.
"""

from netbuilder.data.augment import Augmenter
from netbuilder.data.batches import Batches, make_loaders
from netbuilder.data.builtin import BUILTIN_DATASETS, BuiltinInfo, text_vocabulary
from netbuilder.data.for_project import load_for
from netbuilder.data.dataset import DataError, Dataset, Normalization, RawData, split_indices
from netbuilder.data.loading import (
    USER_SOURCES,
    SourceInfo,
    fit_input,
    fit_target,
    load_dataset,
    load_for_graph,
    read_source,
)

__all__ = [
    "Augmenter", "BUILTIN_DATASETS", "Batches", "BuiltinInfo", "DataError", "Dataset", "Normalization", "RawData",
    "SourceInfo", "USER_SOURCES", "fit_input", "fit_target", "load_dataset", "load_for", "load_for_graph", "make_loaders",
    "read_source", "split_indices", "text_vocabulary",
]
