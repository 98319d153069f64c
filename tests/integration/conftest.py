"""Fixtures that start the whole local stack (the real template deployed into moto)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.stack import LocalConfig, LocalStack


def local_config(tmp: object, **overrides: object) -> LocalConfig:
    """A stack on free ports with its own state dir; tests override what they need."""
    from pathlib import Path

    cfg = LocalConfig(debounce_seconds=0, port=0, moto_port=0, postgres_port=0, state_dir=Path(str(tmp)))
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole local stack with debounce 0 (one per test module)."""
    with LocalStack(local_config(tmp_path_factory.mktemp("stack"))) as stack:
        yield stack
