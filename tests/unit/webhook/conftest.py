"""Webhook unit tests: the service on in-memory adapters (see webhook_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The tests run with --import-mode=importlib; make the shared testkit importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from webhook_kit import Harness


@pytest.fixture
def harness() -> Harness:
    return Harness()
