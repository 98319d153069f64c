"""`python -m receptionist.ops.forget` as ops run it: `--local` reading everything from a stack's
stack.json, `--stage` from the stage's deployed functions (moto's Lambda), on real parts (the
session's PostgreSQL as the tables' owner, moto, a local Langfuse)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))
import contextlib

from privacy_kit import CUSTOMER_KEY, Seeded, Stores, make_stores, new_number, scan_all, seed_customer

from devstack.aws import moto_client
from devstack.fakes.langfuse import FakeLangfuse
from receptionist.crm.connection import Database

ROOT = Path(__file__).resolve().parents[3]
CLINIC, APP = "00000000-0000-4000-8000-000000000001", "ClinicaSonrisa"
REASON = "Solicitud de supresión por escrito"


@pytest.fixture(scope="module")
def stores(moto_endpoint: str) -> Stores:
    return make_stores(moto_endpoint)


@pytest.fixture(scope="module")
def langfuse() -> FakeLangfuse:
    with FakeLangfuse() as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def local_stack(tmp_path: Path, seeded_url: str, moto_endpoint: str, stores: Stores, langfuse: FakeLangfuse) -> Path:
    """A stack.json as `make local` writes it, naming these stores, with the secrets in moto's SSM."""
    secrets_path = f"/receptionist/t{uuid.uuid4().hex[:8]}"
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    for name, value in (
        ("trace-user-key", CUSTOMER_KEY),
        ("langfuse-public-key", langfuse.public_key),
        ("langfuse-secret-key", langfuse.secret_key),
    ):
        ssm.put_parameter(Name=f"{secrets_path}/{name}", Value=value, Type="SecureString")
    info = {
        "database_url": seeded_url,
        "aws_endpoint_url": moto_endpoint,
        "region": "us-east-1",
        "secrets_path": secrets_path,
        "tables": {
            "ConversationsTable": stores.conversations,
            "CheckpointsTable": stores.checkpoints,
            "IdempotencyTable": stores.idempotency,
        },
        "buckets": {"MediaBucket": stores.bucket},
        "langfuse_host": langfuse.url,
    }
    (tmp_path / "stack.json").write_text(json.dumps(info))
    return tmp_path


def _forget(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "receptionist.ops.forget", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=120,
    )


def _seed(seeded_url: str, stores: Stores, langfuse: FakeLangfuse | None) -> Seeded:
    db = Database(seeded_url)
    try:
        return seed_customer(db, stores, langfuse, CLINIC, APP, new_number())
    finally:
        db.close()


def test_local_erases_everywhere_and_says_what_each_store_held(
    local_stack: Path, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    seeded = _seed(seeded_url, stores, langfuse)
    env = {"LOCAL_STATE_DIR": str(local_stack)}
    args = ("--local", "--app", APP, "--customer", f"+{seeded.number}", "--reason", REASON, "--actor", "maria")
    done = _forget(*args, "--mode", "erase", env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "erased: request " in out and seeded.pseudonym in out
    for store in ("langfuse", "idempotency", "checkpoints", "conversations", "media"):
        assert f"  {store}" in out
    assert "chat_messages 5" in out and seeded.number not in out + done.stderr and seeded.name not in out
    assert scan_all(seeded_url, stores, langfuse).hits(seeded.needles()) == []
    db = Database(seeded_url)
    try:
        actor = db.fetch_one("select actor from privacy_requests where customer_ref = %s", (seeded.pseudonym,))
    finally:
        db.close()
    assert actor == {"actor": "ops:maria"}
    again = _forget(*args, "--mode", "erase", env=env)  # harmless
    assert again.returncode == 0 and "crm            nothing" in again.stdout


def test_local_stops_midway_says_so_and_the_same_command_finishes(
    local_stack: Path, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    seeded = _seed(seeded_url, stores, langfuse)
    env = {"LOCAL_STATE_DIR": str(local_stack)}
    args = ("--local", "--app", APP, "--customer", seeded.number, "--mode", "block", "--reason", REASON)
    langfuse.fail_next("500", "500", "500")
    stopped = _forget(*args, env=env)
    assert stopped.returncode == 3 and "Run the same command again" in stopped.stderr
    done = _forget(*args, env=env)
    assert done.returncode == 0, done.stderr
    assert "finished" in done.stdout and "kept for legal claims until" in done.stdout
    assert "2 kept in the vault" in done.stdout


def test_refusals_and_usage_errors_remove_nothing(local_stack: Path, seeded_url: str, stores: Stores) -> None:
    seeded = _seed(seeded_url, stores, None)
    env = {"LOCAL_STATE_DIR": str(local_stack)}
    base = ("--local", "--customer", seeded.number, "--mode", "erase")
    named = _forget(*base, "--app", APP, "--reason", f"El +{seeded.number} lo pidió", env=env)
    assert named.returncode == 1 and "must not name the customer" in named.stderr
    unknown = _forget(*base, "--app", "NoSuchApp", "--reason", REASON, env=env)
    assert unknown.returncode == 1 and "no Gupshup app" in unknown.stderr
    assert _forget(*base, "--app", APP, "--reason", REASON, "--until", "2031-01-01", env=env).returncode == 2
    assert (
        _forget("--app", APP, "--customer", seeded.number, "--mode", "erase", "--reason", REASON, env=env).returncode
        == 2
    )
    assert scan_all(seeded_url, stores).hits(seeded.needles())  # all still there


def _function(lam: object, name: str, variables: dict[str, str]) -> None:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return None\n")
    lam.create_function(  # type: ignore[attr-defined]
        FunctionName=name,
        Runtime="python3.13",
        Role="arn:aws:iam::123456789012:role/receptionist-test",
        Handler="app.handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": variables},
    )


def test_stage_takes_the_names_from_the_deployed_functions(
    moto_endpoint: str, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    iam = moto_client("iam", moto_endpoint, "us-east-1")
    with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
        iam.create_role(RoleName="receptionist-test", AssumeRolePolicyDocument="{}")
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    params = f"/receptionist/prod-test-{uuid.uuid4().hex[:6]}"
    for name, value in (("key", CUSTOMER_KEY), ("pk", langfuse.public_key), ("sk", langfuse.secret_key)):
        ssm.put_parameter(Name=f"{params}/{name}", Value=value, Type="SecureString")
    seeded = _seed(seeded_url, stores, langfuse)
    env = {"DATABASE_URL": seeded_url, "AWS_ENDPOINT_URL": moto_endpoint, "AWS_DEFAULT_REGION": "us-east-1"}
    args = ("--stage", "prod", "--app", APP, "--customer", seeded.number, "--mode", "erase", "--reason", REASON)
    missing = _forget(*args, env=env)  # no stage deployed: said so, nothing removed
    assert missing.returncode == 1 and "could not be read" in missing.stderr
    assert scan_all(seeded_url, stores, langfuse).hits(seeded.needles())

    lam = moto_client("lambda", moto_endpoint, "us-east-1")
    processor = {
        "CONVERSATIONS_TABLE": stores.conversations,
        "CHECKPOINTS_TABLE": stores.checkpoints,
        "MEDIA_BUCKET": stores.bucket,
        "LANGFUSE_HOST": langfuse.url,
        "LANGFUSE_PUBLIC_KEY_PARAM": f"{params}/pk",
        "LANGFUSE_SECRET_KEY_PARAM": f"{params}/sk",
        "LANGFUSE_USER_KEY_PARAM": f"{params}/key",
    }
    _function(lam, "receptionist-prod-processor", processor)
    _function(lam, "receptionist-prod-notifier", {"IDEMPOTENCY_TABLE": stores.idempotency})
    try:
        done = _forget(*args, env=env)
    finally:
        for function in ("processor", "notifier"):
            lam.delete_function(FunctionName=f"receptionist-prod-{function}")
    assert done.returncode == 0, done.stderr
    assert "langfuse       1 found, 1 removed" in done.stdout
    assert scan_all(seeded_url, stores, langfuse).hits(seeded.needles()) == []
