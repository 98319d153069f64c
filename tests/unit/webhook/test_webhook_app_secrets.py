"""Each Gupshup app's own secret: a business can never post as another business's customers."""

from __future__ import annotations

import pytest
from webhook_kit import APP, CONTENT, OTHER_APP, OTHER_SECRET, SECRET, Harness, message, status_event, user_event

from receptionist.adapters.app_secrets import SsmAppSecrets, parse_secrets
from receptionist.conversation_key import ConversationKey


def _for(app: str, kind: str = "text") -> dict[str, object]:
    body = message(kind, CONTENT[kind])
    body["app"] = app
    return body


@pytest.mark.parametrize(
    "body",
    [_for(APP), status_event("delivered"), user_event("opted-out")],
    ids=["message", "status", "opt-out"],
)
def test_another_business_s_secret_is_401_and_stores_nothing(body: dict[str, object]) -> None:
    harness = Harness()
    response = harness.post(body, token=OTHER_SECRET)  # SalonLima's secret, ClinicaSonrisa's app
    assert response.status == 401 and response.payload["error"] == "unauthorized"
    assert harness.nothing_stored_or_sent()


def test_each_app_is_served_with_its_own_secret() -> None:
    harness = Harness()
    assert harness.post(_for(APP), token=SECRET).status == 200
    assert harness.post(_for(OTHER_APP), token=OTHER_SECRET).status == 200
    assert harness.post(_for(OTHER_APP), token=SECRET).status == 401
    conversations = {ConversationKey.parse(s.body["conversation"]).app for s in harness.inbound.sent}
    assert conversations == {APP, OTHER_APP}


def test_an_unknown_app_is_401_whatever_secret_it_brings() -> None:
    harness = Harness()
    for token in (SECRET, OTHER_SECRET, "guess"):
        assert harness.post(_for("NoSuchApp"), token=token).status == 401
    assert harness.nothing_stored_or_sent()


def test_header_and_query_parameter_both_work_and_the_header_is_preferred() -> None:
    harness = Harness()
    assert harness.post(_for(APP), token=None, headers={"x-webhook-token": SECRET}).status == 200
    assert harness.post(_for(APP), token=None, headers={"authorization": f"Bearer {SECRET}"}).status == 200
    assert harness.post(_for(APP), token=SECRET).status == 200  # ?token=, for URL-only setups


def test_two_secrets_are_valid_while_rotating() -> None:
    harness = Harness(secrets={APP: ["old-secret", "new-secret"]})
    assert harness.post(_for(APP), token="old-secret").status == 200
    assert harness.post(_for(APP), token="new-secret").status == 200
    assert harness.post(_for(APP), token="older-secret").status == 401


def test_a_rotated_secret_works_at_once_without_waiting_for_the_cache() -> None:
    harness = Harness(secrets={APP: ["old-secret"]})
    assert harness.post(_for(APP), token="old-secret").status == 200
    harness.secrets.source[APP] = ["new-secret"]  # ops rotate in SSM; the loaded copy is stale
    assert harness.post(_for(APP), token="new-secret").status == 200  # a miss reloads once
    assert harness.secrets.refreshes == 1


def test_an_unreadable_body_needs_some_app_s_secret() -> None:
    harness = Harness()
    assert harness.post(b"{", token=OTHER_SECRET).status == 400  # a valid secret: the real error
    assert harness.post(b"{", token="guess").status == 401
    assert harness.post(b"{", token=None).status == 401


def test_secrets_are_one_or_two_per_parameter() -> None:
    assert parse_secrets("abc") == ["abc"]
    assert parse_secrets("abc, def\n") == ["abc", "def"]
    assert parse_secrets("  ") == []


class _Ssm:
    """GetParametersByPath as SSM answers it (pages of up to 10)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values, self.calls = values, 0

    def get_parameters_by_path(self, **kwargs: object) -> dict[str, object]:
        self.calls += 1
        names = sorted(self.values)
        start = int(str(kwargs.get("NextToken") or 0))
        page = names[start : start + 10]
        out: dict[str, object] = {
            "Parameters": [{"Name": f"{kwargs['Path']}/{n}", "Value": self.values[n]} for n in page]
        }
        if start + 10 < len(names):
            out["NextToken"] = str(start + 10)
        return out


def test_the_ssm_adapter_caches_and_rate_limits_its_reloads() -> None:
    now = [0.0]
    ssm = _Ssm({f"App{i:02d}": f"s{i}" for i in range(12)} | {"ClinicaSonrisa": "a,b"})
    secrets = SsmAppSecrets("/receptionist/dev/webhook-secrets/", ssm, clock=lambda: now[0])
    assert secrets.secrets_for("ClinicaSonrisa") == ["a", "b"] and secrets.secrets_for("App11") == ["s11"]
    assert ssm.calls == 2  # one read, two pages
    assert secrets.refresh() is False and ssm.calls == 2  # just loaded: a flood of misses costs nothing
    now[0] = 31
    assert secrets.refresh() is True and ssm.calls == 4
    now[0] = 400
    secrets.secrets_for("App00")  # the cache expired
    assert ssm.calls == 6
