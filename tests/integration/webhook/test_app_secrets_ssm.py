"""Per-app webhook secrets read from moto's SSM with real boto3: SecureStrings decrypted, every page
of GetParametersByPath read, and a rotation ("old,new", then "new") seen without waiting for the
5-minute cache (a miss reloads, at most every 30 s). And the console's writes: a compare-and-set
on the parameter's version (two writers that read the same version: only one writes), whose
claims the webhook never reads."""

from __future__ import annotations

import time
from typing import Any

import pytest
from webhook_aws_kit import Aws

from devstack.aws import moto_client
from devstack.template import load_template
from receptionist.adapters.app_secrets import (
    CLAIM_EXPIRES,
    WRITER_SECONDS,
    OutsideWrite,
    SsmAppSecrets,
    SsmWebhookSecretStore,
    StoredSecrets,
)


def test_rotation_through_ssm(aws: Aws) -> None:
    path = f"/receptionist/it-{time.time_ns()}/webhook-secrets"  # this test's own parameters
    ssm = aws.client("ssm")
    for i in range(12):  # more than one page (GetParametersByPath returns at most 10)
        ssm.put_parameter(Name=f"{path}/App{i:02d}", Value=f"secret-{i}", Type="SecureString")
    ssm.put_parameter(Name=f"{path}/nested/Ignored", Value="x", Type="SecureString")

    now = [0.0]
    secrets = SsmAppSecrets(path, ssm, clock=lambda: now[0])
    assert secrets.secrets_for("App11") == ["secret-11"]
    assert secrets.secrets_for("App00") == ["secret-0"]
    assert "x" not in secrets.all_secrets() and secrets.loads == 1

    ssm.put_parameter(Name=f"{path}/App00", Value="secret-0,rotated-0", Type="SecureString", Overwrite=True)
    assert secrets.refresh() is False  # a flood of wrong secrets right after a read costs no SSM call
    now[0] = 31
    assert secrets.refresh() is True
    assert secrets.secrets_for("App00") == ["secret-0", "rotated-0"]  # both valid while rotating

    ssm.put_parameter(Name=f"{path}/App00", Value="rotated-0", Type="SecureString", Overwrite=True)
    now[0] = 31 + 300  # the cache's 5 minutes
    assert secrets.secrets_for("App00") == ["rotated-0"] and secrets.loads == 3


# -- the console's compare-and-set (SsmWebhookSecretStore) -----------------------------------------
def _store_path() -> str:
    return f"/receptionist/cas-{time.time_ns()}/webhook-secrets"  # this test's own parameters


def test_of_two_writers_that_read_the_same_version_only_the_first_writes(moto_endpoint: str) -> None:
    """Interleaved at the claim/write boundary: B tries while A has claimed but not yet written.
    B writes nothing, whatever the order of the rest; A's value is the one the webhook reads."""
    path, app = _store_path(), "App"
    a_client, b_client = (moto_client("ssm", moto_endpoint, "us-east-1") for _ in range(2))
    a_client.put_parameter(Name=f"{path}/{app}", Value="old", Type="SecureString")
    a, b = SsmWebhookSecretStore(path, a_client), SsmWebhookSecretStore(path, b_client, wait_seconds=0.2)
    read_by_a, read_by_b = a.read(app), b.read(app)
    assert read_by_a == read_by_b == StoredSecrets(("old",), 1)
    b_won: list[bool] = []

    def b_tries_now(params: dict[str, Any], **_: Any) -> None:
        if params.get("Name") == f"{path}/{app}" and not b_won:  # A's write, after its claim
            b_won.append(b.replace(app, read_by_b, ["old", "from-b"]))

    a_client.meta.events.register("before-parameter-build.ssm.PutParameter", b_tries_now)
    assert a.replace(app, read_by_a, ["old", "from-a"]) is True
    assert b_won == [False]
    assert b.replace(app, read_by_b, ["old", "from-b"]) is False  # and again, after A's write
    assert SsmAppSecrets(path, b_client).secrets_for(app) == ["old", "from-a"]
    assert b.read(app) == StoredSecrets(("old", "from-a"), 2)


def test_creating_the_first_secret_is_conditional_too(moto_endpoint: str) -> None:
    path = _store_path()
    a = SsmWebhookSecretStore(path, moto_client("ssm", moto_endpoint, "us-east-1"))
    b = SsmWebhookSecretStore(path, moto_client("ssm", moto_endpoint, "us-east-1"))
    nothing = a.read("App")
    assert nothing == b.read("App") == StoredSecrets((), None)
    assert a.replace("App", nothing, ["first"]) is True
    assert b.replace("App", nothing, ["second"]) is False
    assert b.read("App") == StoredSecrets(("first",), 1)


def test_a_write_by_hand_in_between_is_reported(moto_endpoint: str) -> None:
    path, client = _store_path(), moto_client("ssm", moto_endpoint, "us-east-1")
    client.put_parameter(Name=f"{path}/App", Value="old", Type="SecureString")
    store = SsmWebhookSecretStore(path, client)
    read = store.read("App")
    client.put_parameter(Name=f"{path}/App", Value="old,by-hand", Type="SecureString", Overwrite=True)
    with pytest.raises(OutsideWrite):
        store.replace("App", read, ["old", "console"])


def test_claims_are_never_taken_for_secrets(moto_endpoint: str) -> None:
    path, client = _store_path(), moto_client("ssm", moto_endpoint, "us-east-1")
    client.put_parameter(Name=f"{path}/App", Value="old", Type="SecureString")
    store = SsmWebhookSecretStore(path, client)
    assert store.replace("App", store.read("App"), ["old", "new"])
    [claim] = client.get_parameters_by_path(Path=f"{path}/App/claims")["Parameters"]
    webhook = SsmAppSecrets(path, client)
    assert webhook.secrets_for("App") == ["old", "new"]
    assert claim["Value"] not in webhook.all_secrets()


def test_a_claim_outlives_every_console_request_that_could_hold_it() -> None:
    """The claims are sound only if no console request outlives WRITER_SECONDS, and the console
    may delete only expired claims, not the secrets themselves."""
    console = load_template()["Resources"]["ConsoleFunction"]["Properties"]
    assert console["Timeout"] * 2 <= WRITER_SECONDS and CLAIM_EXPIRES.total_seconds() >= 2 * WRITER_SECONDS
    statements = [st for p in console["Policies"] if isinstance(p, dict) for st in p.get("Statement", [])]
    deleting = [st for st in statements if "ssm:DeleteParameters" in st["Action"]]
    assert [r["Fn::Sub"].rsplit(":parameter", 1)[1] for st in deleting for r in st["Resource"]] == [
        "/receptionist/${Stage}/webhook-secrets/*/claims",
        "/receptionist/${Stage}/webhook-secrets/*/claims/*",
    ]
