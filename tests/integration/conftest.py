"""Fixtures that start the whole local stack (the real template deployed into moto), and tables
shaped like the template's for tests that wire adapters themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from stack_kit import share

from devstack.fakes.google_calendar import FakeGoogleCalendar
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
from devstack.stack import LocalConfig, LocalStack


@pytest.fixture(scope="session")
def local_google_calendar() -> Iterator[FakeGoogleCalendar]:
    """The Google Calendar stand-in the shared local stack's calendar functions talk to."""
    with FakeGoogleCalendar() as google:
        yield google


@pytest.fixture(scope="session")
def local_stack(
    tmp_path_factory: pytest.TempPathFactory, local_google_calendar: FakeGoogleCalendar
) -> Iterator[LocalStack]:
    """The whole local stack with debounce 0, a local model server that answers every turn with a
    fixed sentence, and a local Gupshup server so the notifier's sends succeed (the key matches
    LocalConfig.gupshup_api_key's default). One for every module that uses it (each test owns its
    customers), started by the first, paused between the tests that use it (tests/stack_kit.py:
    its schedules and pollers do not run on through the rest of the suite), stopped at the end."""
    with (
        FakeGupshup() as gupshup,
        FakeOpenAI(responder=lambda body: {"role": "assistant", "content": "Hola, ¿en qué puedo ayudarle?"}) as model,
        LocalStack(
            LocalConfig.ephemeral(
                tmp_path_factory.mktemp("stack"),
                gupshup_api_url=gupshup.url,
                gupshup_partner_api_url=gupshup.url,  # blue ticks and "typing…" (the same local server)
                openai_base_url=f"{model.url}/v1",
                google_oauth_url=local_google_calendar.oauth_url,
                google_token_url=local_google_calendar.token_url,
                google_calendar_api_url=local_google_calendar.api_url,
            )
        ) as stack,
    ):
        share("local_stack", stack)
        yield stack


def _create_conversations_table(ddb: Any, name: str) -> None:
    """The template's conversations table: keys and the sweep's open index."""
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "open_shard", "AttributeType": "S"},
            {"AttributeName": "open_at", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "open-conversations",
                "KeySchema": [
                    {"AttributeName": "open_shard", "KeyType": "HASH"},
                    {"AttributeName": "open_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["last_message_id", "last_message_sk"]},
            }
        ],
    )


@pytest.fixture(scope="session")
def new_conversations_table() -> Callable[[Any, str], None]:
    """Creates a table shaped like the template's conversations table (keys + open index)."""
    return _create_conversations_table
