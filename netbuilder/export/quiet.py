"""Silence the exporters' chatter (progress and warnings meant for PyTorch developers) around one export."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator

EXPORTER_LOGGERS = ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")


@contextlib.contextmanager
def quiet_exporters() -> Iterator[None]:
    """Keep the command line and the window readable while torch.onnx runs."""
    loggers = [logging.getLogger(n) for n in EXPORTER_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
