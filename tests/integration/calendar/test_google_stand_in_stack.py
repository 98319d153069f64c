"""The local stack's Google: start_stand_ins starts the stand-in and points the stack's config at
it, and its /_control routes (what `make demo` and another process use) act on the same calendars
the adapter sees."""

from __future__ import annotations

import json
import urllib.request
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google_calendar_kit import REDIRECT, consent, pkce

from devstack.config import LocalConfig
from devstack.fakes.google_calendar import timed
from devstack.stand_ins import start_stand_ins
from receptionist.adapters.google_calendar import GoogleCalendar
from receptionist.calendar.provider import GrantRevoked
from receptionist.deadline import Deadline

pytestmark = pytest.mark.integration


def _control(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def test_the_stack_config_points_at_the_stand_in_and_its_control_routes_work(tmp_path: Any) -> None:
    config = LocalConfig.ephemeral(tmp_path)
    with ExitStack() as ctx:
        stand_ins = start_stand_ins(config, ctx, local_gupshup=True)
        fake = stand_ins.google_calendar
        assert fake is not None and "Google Calendar is a local server" in stand_ins.banner(config)
        assert (config.google_oauth_url, config.google_token_url, config.google_calendar_api_url) == (
            fake.oauth_url,
            fake.token_url,
            fake.api_url,
        )
        google = GoogleCalendar(
            config.google_client_id,
            config.google_client_secret,
            oauth_url=config.google_oauth_url,
            token_url=config.google_token_url,
            api_url=config.google_calendar_api_url,
        )
        verifier, challenge = pkce()
        fake.set_next_account("dentista@clinica.local")
        code = consent(google.authorization_url(state="s", code_challenge=challenge, redirect_uri=REDIRECT))["code"]
        grant = google.exchange_code(code, code_verifier=verifier, redirect_uri=REDIRECT, deadline=Deadline.after(5))
        token = google.refresh(grant.refresh_token, Deadline.after(5))

        assert _control(fake.url, "GET", "/_control/accounts") == {"accounts": ["dentista@clinica.local"]}
        start = datetime(2026, 12, 17, 15, tzinfo=UTC)
        event = timed(start, start + timedelta(hours=1))
        made = _control(fake.url, "POST", "/_control/events", {"account": "dentista@clinica.local", "event": event})
        busy = google.busy(token, "primary", start - timedelta(hours=1), start + timedelta(hours=3), Deadline.after(5))
        assert busy == [(start, start + timedelta(hours=1))]

        later = start + timedelta(hours=1)
        _control(fake.url, "POST", f"/_control/events/{made['id']}/move",
                 {"account": "dentista@clinica.local", "start": later.isoformat(),
                  "end": (later + timedelta(hours=1)).isoformat()})  # fmt: skip
        busy = google.busy(token, "primary", start - timedelta(hours=1), start + timedelta(hours=3), Deadline.after(5))
        assert busy == [(later, later + timedelta(hours=1))]
        listed = _control(fake.url, "GET", "/_control/events?account=dentista%40clinica.local")
        assert [e["id"] for e in listed["items"]] == [made["id"]]

        _control(fake.url, "DELETE", f"/_control/events/{made['id']}?account=dentista%40clinica.local")
        assert _control(fake.url, "GET", "/_control/events?account=dentista%40clinica.local") == {"items": []}
        _control(fake.url, "POST", "/_control/revoke", {"account": "dentista@clinica.local"})
        with pytest.raises(GrantRevoked):
            google.refresh(grant.refresh_token, Deadline.after(5))
