"""Shared helpers for the training tests: small thread count, example projects, a scratch run folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from netbuilder.graph import Project, load_project

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


@pytest.fixture(autouse=True, scope="session")
def _few_threads():
    # The machine is shared; two threads keep the tests' timing predictable.
    torch.set_num_threads(2)


def load_example(name: str) -> Project:
    return load_project(EXAMPLES / f"{name}.nbproj")


@pytest.fixture
def example():
    """``example("mlp_iris")`` loads a fresh copy of an example project."""
    return load_example


@pytest.fixture
def iris() -> Project:
    return load_example("mlp_iris")
