"""Google's OAuth 2.0 code flow with PKCE, refresh, revocation and invalid_grant, adapter against
the stand-in over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from google_calendar_kit import REDIRECT, Connected, FakeClock, consent, pkce

from devstack.fakes.google_calendar import FakeGoogleCalendar
from receptionist.adapters.google_calendar import SCOPES, GoogleCalendar
from receptionist.calendar.provider import AccessTokenRejected, CalendarRefused, CalendarUnavailable, GrantRevoked
from receptionist.calendar.tokens import AccessTokens, with_access_token
from receptionist.deadline import Deadline

pytestmark = pytest.mark.integration


class _Tokens:
    """RefreshTokens in memory (the SSM one has its own test)."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}

    def put(self, ref: str, refresh_token: str) -> None:
        self.held[ref] = refresh_token

    def get(self, ref: str) -> str:
        return self.held[ref]

    def delete(self, ref: str) -> None:
        self.held.pop(ref, None)


def test_the_authorization_url_asks_for_offline_access_with_pkce_and_the_narrow_scopes(
    provider: GoogleCalendar,
) -> None:
    url = provider.authorization_url(state="s-1", code_challenge="c" * 43, redirect_uri=REDIRECT)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["access_type"] == "offline" and query["code_challenge_method"] == "S256"
    assert query["response_type"] == "code" and query["state"] == "s-1" and query["prompt"] == "consent"
    assert query["scope"].split() == list(SCOPES)
    assert "calendar.readonly" not in query["scope"] and not query["scope"].endswith("/calendar")


def test_code_exchange_with_the_right_verifier_gives_a_grant_that_works(
    connect: Callable[[], Connected], provider: GoogleCalendar
) -> None:
    connected = connect()
    assert connected.grant.refresh_token.startswith("1//") and set(SCOPES) <= set(connected.grant.scopes)
    assert connected.grant.expires_at > datetime.now(UTC) + timedelta(minutes=50)
    # The access token opens the member's calendar.
    assert provider.busy(connected.token, "primary", *_day(), Deadline.after(5)) == []


def test_a_wrong_verifier_or_a_reused_code_is_refused(provider: GoogleCalendar) -> None:
    verifier, challenge = pkce()
    answer = consent(provider.authorization_url(state="st-2", code_challenge=challenge, redirect_uri=REDIRECT))
    assert answer["state"] == "st-2"
    with pytest.raises(CalendarRefused, match="invalid_grant"):
        provider.exchange_code(
            answer["code"], code_verifier=pkce()[0], redirect_uri=REDIRECT, deadline=Deadline.after(5)
        )
    # A code is good for one try (the stand-in spends it on the failed one): now refused either way.
    with pytest.raises(CalendarRefused, match="invalid_grant"):
        provider.exchange_code(
            answer["code"], code_verifier=verifier, redirect_uri=REDIRECT, deadline=Deadline.after(5)
        )


def test_the_stand_in_refuses_an_authorization_request_without_pkce_or_offline_access(
    provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    import urllib.error
    import urllib.request

    url = provider.authorization_url(state="s", code_challenge="c" * 43, redirect_uri=REDIRECT)
    for broken in (url.replace("S256", "plain"), url.replace("access_type=offline", "access_type=online")):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(broken, timeout=5)
        assert refused.value.code == 400


def test_a_denied_consent_comes_back_as_an_error_with_the_state(
    provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    google.deny_next_consent()
    answer = consent(provider.authorization_url(state="st-3", code_challenge=pkce()[1], redirect_uri=REDIRECT))
    assert answer == {"error": "access_denied", "state": "st-3"}


def test_refresh_gives_a_new_access_token(connect: Callable[[], Connected], provider: GoogleCalendar) -> None:
    connected = connect()
    fresh = provider.refresh(connected.grant.refresh_token, Deadline.after(5))
    assert fresh.value != connected.grant.access_token
    assert provider.busy(fresh, "primary", *_day(), Deadline.after(5)) == []


def test_a_revoked_grant_is_grant_revoked_on_refresh(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    connected = connect()
    google.revoke_grants(connected.account)  # the member removes the app in their Google account
    with pytest.raises(GrantRevoked, match="invalid_grant") as revoked:
        provider.refresh(connected.grant.refresh_token, Deadline.after(5))
    said = f"{revoked.value} {revoked.value!r} {connected.grant!r} {provider!r}"
    assert connected.grant.refresh_token not in said and connected.grant.access_token not in said
    assert google.client_secret not in said  # no secret in an error, a grant's or the adapter's repr
    with pytest.raises(GrantRevoked):
        provider.refresh("1//never-issued", Deadline.after(5))


def test_revoking_gives_the_grant_back_and_twice_is_fine(
    connect: Callable[[], Connected], provider: GoogleCalendar
) -> None:
    connected = connect()
    provider.revoke(connected.grant.refresh_token, Deadline.after(5))
    provider.revoke(connected.grant.refresh_token, Deadline.after(5))  # already gone: not an error
    with pytest.raises(GrantRevoked):
        provider.refresh(connected.grant.refresh_token, Deadline.after(5))


def test_an_outage_of_the_token_endpoint_is_retryable_not_a_revocation(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    connected = connect()
    google.fail_next(1, 503)
    with pytest.raises(CalendarUnavailable) as failed:
        provider.refresh(connected.grant.refresh_token, Deadline.after(5))
    assert failed.value.retryable
    assert provider.refresh(connected.grant.refresh_token, Deadline.after(5)).value  # next try works


def test_a_401_is_retried_once_with_a_fresh_token(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar, clock: FakeClock
) -> None:
    connected = connect()
    store = _Tokens()
    store.put("ref-1", connected.grant.refresh_token)
    tokens = AccessTokens(provider, store)
    first = tokens.token_for("ref-1", Deadline.after(5))
    clock.now += timedelta(hours=2)  # Google expired it, our cache still holds it as good
    with pytest.raises(AccessTokenRejected):
        provider.busy(first, "primary", *_day(), Deadline.after(5))
    calls = provider.calls
    busy = with_access_token(
        tokens, "ref-1", Deadline.after(5), lambda t: provider.busy(t, "primary", *_day(), Deadline.after(5))
    )
    assert busy == [] and tokens.refreshes == 2 and provider.calls == calls + 3  # 401, refresh, retry


def test_a_401_with_a_revoked_grant_ends_as_grant_revoked(
    connect: Callable[[], Connected], provider: GoogleCalendar, google: FakeGoogleCalendar
) -> None:
    connected = connect()
    store = _Tokens()
    store.put("ref-2", connected.grant.refresh_token)
    tokens = AccessTokens(provider, store)
    tokens.token_for("ref-2", Deadline.after(5))
    google.revoke_grants(connected.account)
    with pytest.raises(GrantRevoked):
        with_access_token(
            tokens, "ref-2", Deadline.after(5), lambda t: provider.busy(t, "primary", *_day(), Deadline.after(5))
        )


def _day() -> tuple[datetime, datetime]:
    start = datetime(2026, 12, 9, tzinfo=UTC)
    return start, start + timedelta(days=1)
