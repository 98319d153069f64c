"""The console's side of the OAuth code flow (console/oauth.py): PKCE S256 as RFC 7636 defines
it, and the sealed flow cookie's checks (state, session, business, expiry, forgery)."""

from __future__ import annotations

import re

import pytest

from receptionist.console import oauth, security

SECRET = "unit-console-secret"
NOW = 1_800_000_000.0


def test_the_s256_challenge_is_rfc_7636s_example() -> None:
    # RFC 7636, Appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oauth.challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifiers_and_states_are_random_and_in_the_allowed_alphabet() -> None:
    verifiers = {oauth.new_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    assert all(43 <= len(v) <= 128 and re.fullmatch(r"[A-Za-z0-9\-._~]+", v) for v in verifiers)
    assert len({oauth.new_state() for _ in range(50)}) == 50


def _flow(session_id: str = "sid-1", org: str = "org-1") -> oauth.Flow:
    return oauth.Flow("the-state", "v" * 64, "member-1", security.session_hash(session_id), org)


def _check(
    sealed: str | None, *, state: str = "the-state", sid: str = "sid-1", org: str = "org-1", at: float = NOW
) -> oauth.Flow | str:
    return oauth.checked_flow(SECRET, sealed, at, state=state, session_id=sid, organization_id=org)


def test_a_flow_comes_back_whole_for_its_session_state_and_business() -> None:
    sealed = oauth.seal_flow(SECRET, _flow(), NOW)
    assert _check(sealed, at=NOW + oauth.FLOW_SECONDS - 1) == _flow()


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"state": "another-state"}, "calendar_flow_mismatch"),
        ({"sid": "sid-2"}, "calendar_flow_mismatch"),
        ({"org": "org-2"}, "calendar_flow_mismatch"),
        ({"at": NOW + oauth.FLOW_SECONDS}, "calendar_flow_expired"),
    ],
)
def test_a_flow_is_refused_for_another_state_session_business_or_too_late(
    change: dict[str, object], refusal: str
) -> None:
    sealed = oauth.seal_flow(SECRET, _flow(), NOW)
    assert _check(sealed, **change) == refusal  # type: ignore[arg-type]


def test_a_forged_or_missing_flow_is_refused() -> None:
    sealed = oauth.seal_flow(SECRET, _flow(), NOW)
    body, mac = sealed.rsplit(".", 1)
    forged = oauth.seal_flow("another-secret", _flow(), NOW)
    assert _check(None) == "calendar_flow_expired"
    assert _check(forged) == "calendar_flow_expired"
    assert _check(body[:-1] + ("A" if body[-1] != "A" else "B") + "." + mac) == "calendar_flow_expired"
