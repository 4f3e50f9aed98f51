"""Data sets for training: built-in sets, user files, the seeded split, normalisation, batches, augmentation.

Imports torch (never Qt). The Trainer calls `load_dataset` (or `load_for_graph`)
with the Input's shape, then `make_loaders`, and applies an `Augmenter` to
image training batches on the device. A user file too large for memory comes
back as a `StreamingDataset`, whose batches `make_loaders` streams from disk.

The names below load on first use: the window imports `netbuilder.data.checks`
and `netbuilder.data.sources` (no torch, no numpy) on every analysis, and must
not pull torch in by importing this package.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netbuilder.data.augment import Augmenter
    from netbuilder.data.batches import Batches, make_loaders
    from netbuilder.data.builtin import text_vocabulary
    from netbuilder.data.checks import dataset_diagnostics
    from netbuilder.data.dataset import DataError, Dataset, Normalization, RawData, split_indices
    from netbuilder.data.for_project import load_for
    from netbuilder.data.loading import fit_input, fit_target, load_dataset, load_for_graph, read_source
    from netbuilder.data.progress import BadSample, DataEvent, LoadProgress, TextProgress
    from netbuilder.data.sources import BUILTIN_DATASETS, USER_SOURCES, BuiltinInfo, SourceInfo
    from netbuilder.data.streaming import StreamingDataset

_HOME = {
    "Augmenter": "augment", "Batches": "batches", "make_loaders": "batches", "text_vocabulary": "builtin",
    "dataset_diagnostics": "checks", "DataError": "dataset", "Dataset": "dataset", "Normalization": "dataset",
    "RawData": "dataset", "split_indices": "dataset", "load_for": "for_project", "fit_input": "loading",
    "fit_target": "loading", "load_dataset": "loading", "load_for_graph": "loading", "read_source": "loading",
    "BUILTIN_DATASETS": "sources", "USER_SOURCES": "sources", "BuiltinInfo": "sources", "SourceInfo": "sources",
    "BadSample": "progress", "DataEvent": "progress", "LoadProgress": "progress", "TextProgress": "progress",
    "StreamingDataset": "streaming",
}

__all__ = [
    "Augmenter", "BUILTIN_DATASETS", "BadSample", "Batches", "BuiltinInfo", "DataError", "DataEvent", "Dataset",
    "LoadProgress", "Normalization", "RawData", "SourceInfo", "StreamingDataset", "TextProgress", "USER_SOURCES",
    "dataset_diagnostics", "fit_input", "fit_target", "load_dataset", "load_for", "load_for_graph", "make_loaders",
    "read_source", "split_indices", "text_vocabulary",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'netbuilder.data' has no attribute {name!r}")
    value = getattr(import_module(f"netbuilder.data.{home}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value
