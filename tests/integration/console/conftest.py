"""The console app in process on its real parts (see console_kit.py)."""

from __future__ import annotations

import dataclasses
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

# The tests run with --import-mode=importlib: make the kits importable by name.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "webhook"))  # webhook_kit: callbacks
sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))  # privacy_kit: the stores an erasure reaches

from console_kit import Console
from privacy_kit import CUSTOMER_KEY, make_stores

from devstack.aws import moto_client
from devstack.template import function_env
from receptionist.config import ConsoleSettings
from receptionist.console import wiring
from receptionist.console.app import create_app


@pytest.fixture(scope="session")
def console(moto_endpoint: str, seeded_url: str, console_url: str) -> Iterator[Console]:
    idp = moto_client("cognito-idp", moto_endpoint, "us-east-1")
    pool = idp.create_user_pool(PoolName=f"staff-{uuid.uuid4().hex[:6]}", UsernameAttributes=["email"])["UserPool"][
        "Id"
    ]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="console", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    sqs = moto_client("sqs", moto_endpoint, "us-east-1")
    queue_url = sqs.create_queue(
        QueueName=f"out-{uuid.uuid4().hex[:6]}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
    )["QueueUrl"]
    stores = make_stores(moto_endpoint)  # what an owner's erasure reaches (console/services/privacy.py)
    env = function_env(
        "ConsoleFunction",
        USER_POOL_ID=pool,
        USER_POOL_CLIENT_ID=client_id,
        COGNITO_JWKS_URL=f"{moto_endpoint}/{pool}/.well-known/jwks.json",
        OUTBOUND_QUEUE_URL=queue_url,
        CONVERSATIONS_TABLE=stores.conversations,
        CHECKPOINTS_TABLE=stores.checkpoints,
        IDEMPOTENCY_TABLE=stores.idempotency,
        MEDIA_BUCKET=stores.bucket,
    )
    settings = ConsoleSettings.from_env(env)
    secrets = {
        settings.database_url_param: console_url,
        settings.console_secret_param: "test-console-secret",
        settings.customer_key_param: CUSTOMER_KEY,
    }
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    aws = {"dynamodb": stores.ddb, "s3": stores.s3}
    parts = wiring.build(settings, cognito=idp, sqs=sqs, ssm=ssm, secret=secrets.__getitem__, **aws)

    def container(ssm: Any) -> Any:
        return create_app(wiring.build(settings, cognito=idp, sqs=sqs, ssm=ssm, secret=secrets.__getitem__, **aws))

    yield Console(
        create_app(parts),
        idp,
        pool,
        sqs,
        queue_url,
        seeded_url,
        container,
        s3=stores.s3,
        bucket=stores.bucket,
        stores=stores,
    )
    parts.db.close()


@pytest.fixture
def clock(console: Console, request: pytest.FixtureRequest) -> Iterator[Callable[[datetime], None]]:
    """Sets the console's clock (ConsoleParts.now) for this test: the test module's NOW to start
    with, then wherever the test moves it (the app's parts, with that clock)."""
    state, built = console.app.state, console.app.state.parts

    def set_to(instant: datetime) -> None:
        state.parts = dataclasses.replace(built, now=lambda: instant)

    set_to(request.module.NOW)
    try:
        yield set_to
    finally:
        state.parts = built
