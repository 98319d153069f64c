"""Fixtures that start the whole local stack (the real template deployed into moto)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
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
    """The whole local stack with debounce 0 (one per test module), a local model server that
    answers every turn with a fixed sentence, and a local Gupshup server so the notifier's sends
    succeed (the key matches LocalConfig.gupshup_api_key's default)."""
    with (
        FakeGupshup() as gupshup,
        FakeOpenAI(responder=lambda body: {"role": "assistant", "content": "Hola, ¿en qué puedo ayudarle?"}) as model,
        LocalStack(
            local_config(
                tmp_path_factory.mktemp("stack"), gupshup_api_url=gupshup.url, openai_base_url=f"{model.url}/v1"
            )
        ) as stack,
    ):
        yield stack
