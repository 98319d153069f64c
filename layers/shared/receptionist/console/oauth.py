"""The console's side of an OAuth 2.0 authorization-code flow (connecting a member's calendar):
the state and the PKCE pair (RFC 7636, S256), and the sealed cookie they wait in between the
redirect to the provider and its callback.

Why a cookie and not a table: the flow lives a few minutes and belongs to one browser. The cookie
is sealed with the console's secret (security.seal, as a sign-in's pending challenge), so the
browser can neither forge nor change it; it carries the random state, the PKCE verifier, the
member and the hash of the session that started the flow, so a callback is accepted only in the
same session, for the same member, with the same state, within FLOW_SECONDS. The verifier never
leaves our side except to the token endpoint (the provider sees only its S256 challenge)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from receptionist.console import security

FLOW_COOKIE = "rc_calendar"
FLOW_SECONDS = 600  # a person picking an account and granting access; Google's codes live 10 minutes too
CALLBACK_PATH = "/console/calendar/callback"

Refusal = Literal["calendar_flow_expired", "calendar_flow_mismatch"]


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    """A PKCE code verifier: 64 random bytes, base64url (86 characters of the unreserved set;
    RFC 7636 asks 43-128)."""
    return secrets.token_urlsafe(64)


def challenge_for(verifier: str) -> str:
    """S256: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Flow:
    state: str
    verifier: str
    member_id: str
    session: str  # security.session_hash of the session that started it
    organization_id: str


def seal_flow(secret: str, flow: Flow, now: float) -> str:
    data = {"st": flow.state, "v": flow.verifier, "m": flow.member_id, "s": flow.session, "o": flow.organization_id}
    return security.seal(secret, data, now, ttl=FLOW_SECONDS)


def checked_flow(
    secret: str, sealed: str | None, now: float, *, state: str, session_id: str, organization_id: str
) -> Flow | Refusal:
    """The flow a callback finishes, or why it is refused: no cookie, forged or older than
    FLOW_SECONDS ("expired"); another state, another session, another business ("mismatch")."""
    data = security.unseal(secret, sealed, now)
    if data is None:
        return "calendar_flow_expired"
    flow = Flow(str(data["st"]), str(data["v"]), str(data["m"]), str(data["s"]), str(data["o"]))
    same = (
        hmac.compare_digest(flow.state.encode(), state.encode())
        and hmac.compare_digest(flow.session, security.session_hash(session_id))
        and flow.organization_id == organization_id
    )
    return flow if same else "calendar_flow_mismatch"
