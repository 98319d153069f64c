"""Waitlist tests: each gets a `world` of its own businesses (waitlist_kit.World)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.aws import moto_client
from receptionist.crm.connection import Database

# The tests run with --import-mode=importlib; make the shared kit importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from waitlist_kit import World


@pytest.fixture
def world(db: Database, app_url: str, moto_endpoint: str) -> Iterator[World]:
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    url = sqs.create_queue(QueueName=f"wl-{uuid.uuid4().hex[:8]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    app = Database(app_url, application_name="waitlist-tests")
    try:
        yield World(db, app, sqs, url)
    finally:
        app.close()
