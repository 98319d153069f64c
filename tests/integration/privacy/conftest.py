"""Blocking, erasing and retention on real parts: PostgreSQL (the session's, seeded; a database of
its own where a run must meet only the test's business), the template's tables and bucket in moto,
a local Langfuse (privacy_kit.py, retention_kit.py)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).parent))  # privacy_kit, with --import-mode=importlib

from privacy_kit import Stores, make_stores

from devstack.fakes.langfuse import FakeLangfuse
from devstack.migrate import apply_migrations


@pytest.fixture(scope="module")
def stores(moto_endpoint: str) -> Stores:
    return make_stores(moto_endpoint)


@pytest.fixture(scope="module")
def langfuse() -> Iterator[FakeLangfuse]:
    with FakeLangfuse() as server:
        yield server


@pytest.fixture(scope="session")
def retention_url(seeded_url: str) -> str:
    """The session's server as the RetentionFunction reaches it: as `receptionist_retention`, which
    may call the retention functions and nothing else."""
    return seeded_url.replace("://postgres@", "://receptionist_retention@", 1)


@pytest.fixture
def owner(seeded_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection as the tables' owner (autocommit): the tests write their data's past with it."""
    with psycopg.connect(seeded_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A database of its own on the session's server, with every migration (and no seed): a run over
    every business there meets only the test's. Dropped afterwards."""
    name = f"retention_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'create database "{name}"'.encode())
    params = conninfo_to_dict(postgres_url)
    params["dbname"] = name
    url = make_conninfo("", **params)
    try:
        apply_migrations(url)
        yield url
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{name}" with (force)'.encode())
