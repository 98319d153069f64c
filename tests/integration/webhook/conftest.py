"""Webhook integration fixtures (helpers in webhook_aws_kit.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The tests run with --import-mode=importlib: make the shared kits importable by name.
HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "unit" / "webhook"))  # webhook_kit
sys.path.insert(0, str(HERE))  # webhook_aws_kit

from webhook_aws_kit import Aws, Wired, deployed_stack, wire  # noqa: E402


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Aws]:
    """The real template in a moto server that serializes requests (see devstack.moto_server)."""
    with open(tmp_path_factory.mktemp("serial-moto") / "moto.log", "w") as log, deployed_stack(log) as stack:
        yield stack


@pytest.fixture
def wired(aws: Aws) -> Wired:
    return wire(aws)
