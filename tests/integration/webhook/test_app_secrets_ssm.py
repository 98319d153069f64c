"""Per-app webhook secrets read from moto's SSM with real boto3: SecureStrings decrypted, every page
of GetParametersByPath read, and a rotation ("old,new", then "new") seen without waiting for the
5-minute cache (a miss reloads, at most every 30 s)."""

from __future__ import annotations

import time

from webhook_aws_kit import Aws

from receptionist.adapters.app_secrets import SsmAppSecrets


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
