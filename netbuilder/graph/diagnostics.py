"""What is wrong with a graph, where, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Severity = Literal["error", "warning"]
ERROR: Final = "error"
WARNING: Final = "warning"


@dataclass(frozen=True)
class Diagnostic:
    """One problem. ``code`` names its kind (``cycle``, ``shape``, ``param`` ...) for tools and tests.

    ``node_id``/``edge_id`` say where; both None means the whole graph. ``graph`` is the
    graph's name in the project (a GAN project has two).
    """

    severity: Severity
    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    graph: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR
