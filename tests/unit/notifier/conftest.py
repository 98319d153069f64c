"""Notifier unit tests: the delivery service on in-memory adapters (see delivery_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The tests run with --import-mode=importlib; make the shared testkit importable by name.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # tenancy_kit

from delivery_kit import Harness


@pytest.fixture
def h() -> Harness:
    return Harness()
