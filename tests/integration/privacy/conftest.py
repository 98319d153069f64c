"""Blocking and erasing on real parts: PostgreSQL (the session's, seeded), the template's tables and
bucket in moto, a local Langfuse (privacy_kit.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # privacy_kit, with --import-mode=importlib

from privacy_kit import Stores, make_stores

from devstack.fakes.langfuse import FakeLangfuse


@pytest.fixture(scope="module")
def stores(moto_endpoint: str) -> Stores:
    return make_stores(moto_endpoint)


@pytest.fixture(scope="module")
def langfuse() -> Iterator[FakeLangfuse]:
    with FakeLangfuse() as server:
        yield server
