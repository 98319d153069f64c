"""Notifier integration fixtures (helpers in notifier_kit.py): the real handler, loaded as Lambda
loads it, against a local Gupshup server, PostgreSQL (migrations + demo seed) and moto."""

from __future__ import annotations

import os
import random
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from aws_lambda_powertools.utilities import parameters

# The tests run with --import-mode=importlib: make the kit importable by name.
sys.path.insert(0, str(Path(__file__).parent))

from notifier_kit import API_KEY, KEY_REF, ROOT, Gupshup, Notifier

from devstack.aws import moto_client
from devstack.lambda_context import load_function
from devstack.template import function_env
from receptionist.crm.connection import Database
from receptionist.notifier.retry import RetryPolicy


@pytest.fixture(scope="module")
def gupshup() -> Iterator[Gupshup]:
    with Gupshup(api_key=API_KEY, hang_seconds=2.0) as fake:
        yield fake


@pytest.fixture(scope="module")
def app(app_url: str, moto_endpoint: str, gupshup: Gupshup) -> Iterator[ModuleType]:
    """functions/notifier/app.py imported with the environment the template gives it."""
    suffix = uuid.uuid4().hex[:8]
    table = f"receptionist-test-idempotency-{suffix}"
    db_param = f"/receptionist/test-{suffix}/database-url"
    ddb = moto_client("dynamodb", moto_endpoint, "us-east-1")
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    # The functions' role: the notifier works under row level security, as deployed.
    ssm.put_parameter(Name=db_param, Value=app_url, Type="SecureString", Overwrite=True)
    ssm.put_parameter(Name=KEY_REF, Value=API_KEY, Type="SecureString", Overwrite=True)
    env = function_env(  # the seed's Gupshup key references live under the template's prefix
        "NotifierFunction",
        AWS_LAMBDA_FUNCTION_NAME="receptionist-dev-notifier",
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_REGION="us-east-1",
        IDEMPOTENCY_TABLE=table,
        GUPSHUP_API_URL=gupshup.url,
        DATABASE_URL_PARAM=db_param,
    )
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    parameters.clear_caches()  # an SSM client made earlier in this process may point elsewhere
    try:
        module = load_function(ROOT / "functions/notifier/app.py", "notifier_app_under_test")
        module.parts.service.sender.timeout = 0.5  # a hanging Gupshup costs half a second, not 8
        yield module
        module.parts.service.store.db.close()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        parameters.clear_caches()


@pytest.fixture
def notifier(app: ModuleType, gupshup: Gupshup, seeded_url: str) -> Iterator[Notifier]:
    db = Database(seeded_url)
    harness = Notifier(app, gupshup, db)
    # Short, recorded waits: the schedule is the production one, only the sleeping is skipped.
    app.parts.service.retry = RetryPolicy(
        attempts=4, base_seconds=0.5, cap_seconds=4.0, sleep=harness.slept.append, rng=random.Random(11)
    )
    gupshup.refuse = None
    yield harness
    gupshup.refuse = None
    db.close()
