"""Refresh tokens as SSM SecureStrings (adapters/calendar_tokens.py) with real boto3 against moto."""

from __future__ import annotations

import time

import pytest

from devstack.aws import moto_client
from receptionist.adapters.calendar_tokens import SsmRefreshTokens
from receptionist.calendar.provider import GrantRevoked
from receptionist.calendar.tokens import token_ref

pytestmark = pytest.mark.integration


def test_a_refresh_token_is_a_secure_string_overwritten_read_and_deleted(moto_endpoint: str) -> None:
    ssm = moto_client("ssm", moto_endpoint, "us-east-1")
    tokens = SsmRefreshTokens(ssm)
    ref = token_ref(f"/receptionist/it-{time.time_ns()}/calendar/tokens/", "5b0c1e2a-0000-4000-8000-00000000c001")
    assert ref.endswith("/calendar/tokens/5b0c1e2a-0000-4000-8000-00000000c001") and "//" not in ref

    tokens.put(ref, "1//first-grant")
    stored = ssm.get_parameter(Name=ref)["Parameter"]
    assert stored["Type"] == "SecureString" and stored["Value"] != "1//first-grant"  # encrypted at rest
    assert tokens.get(ref) == "1//first-grant"

    tokens.put(ref, "1//reconnected")  # connecting again replaces it
    assert tokens.get(ref) == "1//reconnected"

    tokens.delete(ref)
    tokens.delete(ref)  # gone already: not an error
    with pytest.raises(GrantRevoked):  # no token: the connection cannot work (marked broken)
        tokens.get(ref)
