"""Google Calendar behind the CalendarProvider port: Google's OAuth 2.0 for web server apps (code
flow, offline access, PKCE S256) and Calendar API v3, over plain HTTPS with the standard library.

Each call is one request bounded by the caller's Deadline (receptionist/bounded_http.py; at most
CALL_SECONDS even with no deadline), so the slot re-check inside a customer's turn cannot outlive
the turn. Calls per operation: put_event 1 (insert; 2 when the event exists: insert 409, then
patch), delete_event 1, busy 1 (freeBusy), watch 1, stop 1, refresh 1 (token endpoint), changes
1 per page.

Errors (the port's): no answer in time, a connection that fails, 5xx, 429 and Google's 403
rate-limit reasons -> CalendarUnavailable (retry later); `invalid_grant` from the token endpoint
on a refresh -> GrantRevoked (on a code exchange -> CalendarRefused: that code, or its PKCE
verifier, is wrong); 401 from the API -> AccessTokenRejected (this adapter holds no refresh
token: `tokens.with_access_token` retries once with a fresh token and turns a second 401 into
GrantRevoked); 410 on a list -> SyncTokenGone; any other 4xx -> CalendarRefused. Error messages
carry the status and Google's reason code, never a token or an event's text.

Events are listed with `fields` limited to times, status, transparency, recurrence and our
private extended property: a title, description or guest list never reaches this process.

Scopes (SCOPES): `calendar.events` (read and write events, watch them) and
`calendar.events.freebusy` (free/busy of the user's own calendars): the narrowest Google documents
for events.list/insert/patch/delete/watch and freebusy.query. No e-mail scope: `Grant.account`
is filled only when an id_token comes back (a caller that adds "openid email" to the scopes).

Why no Google client library (measured 2026-12-07 on the shared 2-core CI machine under load
(load average 7-15), Python 3.11, each in a throwaway venv under /tmp; import time = the sum of
`python -X importtime` cumulative times over 40 fresh processes per case, interleaved: median
(minimum); three such sets spread by up to 2x, the order and ratios stayed; installed = the
venv's site-packages without pip/setuptools and .pyc):

    case                                              import time         installed
    (a) google-api-python-client 2.202 + google-auth  347 ms (197 ms)     139.0 MB (googleapiclient's
        2.63 + google-auth-httplib2 (its transport)                       discovery documents 110 MB)
    (b) google-auth 2.63 alone (credentials only:     247 ms (121 ms)     18.5 MB (cryptography 16 MB)
        it still needs requests or urllib3 to call)
    (c) this module + bounded_http (standard library) 150 ms (79 ms)      35 KB, no dependencies
        of which json, http.client, ssl, zoneinfo      73 ms (43 ms)
        in a process that has imported boto3           42 ms (24 ms)      (json, http.client, ssl
                                                                           loaded already)

(a) also builds each API from a discovery document at first use. (b) would only replace the ~30
lines of the token endpoint's form post, and its HTTP transports (requests, urllib3) bound each
socket read, not the request (the trickle bounded_http exists for). Decision: the standard
library; the layer gains no dependency and the sync's cold start no client library.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from receptionist import bounded_http
from receptionist.calendar.provider import (
    APPOINTMENT_PROPERTY,
    AccessToken,
    AccessTokenRejected,
    AppointmentEvent,
    CalendarEvent,
    CalendarRefused,
    CalendarUnavailable,
    Channel,
    EventChanges,
    EventStatus,
    EventTime,
    Grant,
    GrantRevoked,
    SyncTokenGone,
)
from receptionist.config import GoogleClientSettings
from receptionist.deadline import Deadline

logger = logging.getLogger(__name__)

AUTH_URL: Final = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL: Final = "https://oauth2.googleapis.com/token"  # noqa: S105 - an endpoint, not a secret
REVOKE_URL: Final = "https://oauth2.googleapis.com/revoke"
API_URL: Final = "https://www.googleapis.com/calendar/v3"
SCOPES: Final = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.events.freebusy",
)
# One call never waits longer than this, whatever the deadline (Deadline.never() included).
CALL_SECONDS: Final = 10.0
PAGE_SIZE: Final = 250  # events per page (Google allows up to 2500; 250 is its default)
# What a listed event is read for (see the module's docstring): times and marks, never text.
EVENT_FIELDS: Final = (
    "id,status,start,end,transparency,recurrence,recurringEventId,originalStartTime,extendedProperties/private"
)
LIST_FIELDS: Final = f"nextPageToken,nextSyncToken,timeZone,items({EVENT_FIELDS})"
# Google answers 403 (not 429) with these reasons when a quota or rate limit is hit: retry later.
_RATE_LIMITED = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
_STATUSES: Final[frozenset[str]] = frozenset({"confirmed", "tentative", "cancelled"})


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _reason(body: bytes) -> str:
    """Google's reason code from an error answer (never its message: it may quote the request)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return "unreadable"
    if not isinstance(payload, dict):
        return "unreadable"
    error = payload.get("error")
    if isinstance(error, str):  # the OAuth endpoints: {"error": "invalid_grant", ...}
        return error
    if isinstance(error, dict):  # the API: {"error": {"code", "message", "errors": [{"reason"}]}}
        errors = error.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("reason") or error.get("status") or "unknown")
        return str(error.get("status") or "unknown")
    return "unknown"


def _api_error(status: int, body: bytes, what: str) -> Exception:
    """The port's error for a failed API answer."""
    reason = _reason(body)
    message = f"Google Calendar {what}: HTTP {status} ({reason})"
    if status >= 500 or status == 429 or (status == 403 and reason in _RATE_LIMITED):
        return CalendarUnavailable(message)
    if status == 401:
        return AccessTokenRejected(message)
    if status == 410:
        return SyncTokenGone(message)
    return CalendarRefused(message)


def parse_time(raw: object, *, default_zone: str | None = None) -> EventTime | None:
    """An event's start, end or originalStartTime: {"dateTime", "timeZone"} or {"date"}."""
    if not isinstance(raw, dict):
        return None
    zone = raw.get("timeZone") if isinstance(raw.get("timeZone"), str) else None
    if isinstance(raw.get("date"), str):
        return EventTime(day=date.fromisoformat(raw["date"]), zone=zone or default_zone)
    if isinstance(raw.get("dateTime"), str):
        instant = datetime.fromisoformat(raw["dateTime"])
        if instant.tzinfo is None:  # Google writes the offset; without one, the event's zone says
            name = zone or default_zone
            if name is None:
                raise ValueError("a dateTime without an offset or a time zone")
            instant = instant.replace(tzinfo=ZoneInfo(name))
        return EventTime(instant=instant, zone=zone)
    return None


def parse_event(raw: Mapping[str, Any], calendar_zone: str | None = None) -> CalendarEvent:
    """One event resource as the port sees it. ValueError when it cannot be read."""
    event_id = raw.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise ValueError("an event without an id")
    status = raw.get("status") or "confirmed"
    if status not in _STATUSES:
        raise ValueError(f"an unknown event status {status!r}")
    recurrence = raw.get("recurrence") or ()
    private = (raw.get("extendedProperties") or {}).get("private") or {}
    appointment = private.get(APPOINTMENT_PROPERTY) if isinstance(private, dict) else None
    recurring = raw.get("recurringEventId")
    try:
        return CalendarEvent(
            id=event_id,
            status=_status(status),
            start=parse_time(raw.get("start"), default_zone=calendar_zone),
            end=parse_time(raw.get("end"), default_zone=calendar_zone),
            transparent=raw.get("transparency") == "transparent",
            recurrence=tuple(str(line) for line in recurrence),
            recurring_event_id=recurring if isinstance(recurring, str) else None,
            original_start=parse_time(raw.get("originalStartTime"), default_zone=calendar_zone),
            appointment_id=appointment if isinstance(appointment, str) else None,
            zone=calendar_zone,
        )
    except (TypeError, ZoneInfoNotFoundError) as exc:
        raise ValueError(f"an unreadable event time ({type(exc).__name__})") from exc


def _status(value: str) -> EventStatus:
    if value == "tentative":
        return "tentative"
    return "cancelled" if value == "cancelled" else "confirmed"


def event_body(event: AppointmentEvent) -> dict[str, Any]:
    """The event resource we write for an appointment (insert and patch alike)."""
    return {
        "summary": event.summary,
        "description": event.description,
        "start": {"dateTime": event.start.isoformat(), "timeZone": event.zone},
        "end": {"dateTime": event.end.isoformat(), "timeZone": event.zone},
        # Set on a patch too: a deleted (cancelled) event with our id comes back to life.
        "status": "tentative" if event.tentative else "confirmed",
        "transparency": "opaque",
        "extendedProperties": {"private": {APPOINTMENT_PROPERTY: event.appointment_id}},
    }


def _account(id_token: object) -> str | None:
    """The e-mail in an id_token's payload. Not verified: it came straight from Google's token
    endpoint over TLS, which OpenID Connect allows; it is shown to staff, never trusted for access."""
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload = id_token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except ValueError:
        return None
    email = claims.get("email") if isinstance(claims, dict) else None
    return email if isinstance(email, str) else None


class GoogleCalendar:
    """CalendarProvider for Google Calendar. URLs default to Google's own; the local stack and the
    tests point them at devstack's stand-in (GOOGLE_OAUTH_URL, GOOGLE_TOKEN_URL,
    GOOGLE_CALENDAR_API_URL). The revoke endpoint sits beside the token endpoint."""

    name = "google"

    def __init__(
        self,
        client_id: str,
        client_secret: str | Callable[[], str],
        *,
        oauth_url: str = AUTH_URL,
        token_url: str = TOKEN_URL,
        api_url: str = API_URL,
        revoke_url: str | None = None,
        scopes: tuple[str, ...] = SCOPES,
        page_size: int = PAGE_SIZE,
        resolver: bounded_http.Resolver | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client_id = client_id
        # A function: read when first needed (a Lambda's cold start does not reach SSM for it).
        self._client_secret = client_secret if callable(client_secret) else (lambda: client_secret)
        self._oauth_url = oauth_url
        self._token_url = token_url
        self._api_url = api_url.rstrip("/")
        self._revoke_url = revoke_url or token_url.rsplit("/", 1)[0] + "/revoke"
        self.scopes = scopes
        self._page_size = page_size
        self._resolver = resolver or bounded_http.Resolver()
        self._clock = clock
        self.calls = 0  # HTTP requests made (the notes and the bench count them)

    def __repr__(self) -> str:
        return f"GoogleCalendar(client_id={self._client_id!r}, api_url={self._api_url!r})"  # never the secret

    # -- HTTP ----------------------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        deadline: Deadline,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        what: str,
    ) -> bounded_http.Answer:
        bounded = Deadline(min(deadline.at, deadline.clock() + CALL_SECONDS), deadline.clock)
        try:
            deadline.check(f"Google Calendar {what}")  # too little time left: not started at all
            self.calls += 1
            return bounded_http.request(method, url, body, headers or {}, bounded, resolver=self._resolver, query=query)
        except (TimeoutError, OSError, ValueError) as exc:
            # TimeoutError (DeadlineExceeded included) is an OSError; http.client's errors are
            # HTTPException, caught below. ValueError: a malformed URL, a configuration mistake.
            if isinstance(exc, ValueError):
                raise CalendarRefused(f"Google Calendar {what}: {exc}") from exc
            raise CalendarUnavailable(f"Google Calendar {what}: {type(exc).__name__}") from exc
        except http.client.HTTPException as exc:  # a malformed answer
            raise CalendarUnavailable(f"Google Calendar {what}: {type(exc).__name__}") from exc

    def _api(
        self,
        method: str,
        path: str,
        token: AccessToken,
        deadline: Deadline,
        *,
        payload: Mapping[str, Any] | None = None,
        query: Mapping[str, str] | None = None,
        what: str,
        ok: tuple[int, ...] = (),
    ) -> tuple[int, dict[str, Any]]:
        """One API call: (status, JSON body) on 2xx or a status in `ok`; else the port's error."""
        headers = {"Authorization": f"Bearer {token.value}", "Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        answer = self._send(method, self._api_url + path, deadline, body=body, headers=headers, query=query, what=what)
        if answer.status in ok:
            return answer.status, {}
        if not 200 <= answer.status < 300:
            raise _api_error(answer.status, answer.body, what)
        return answer.status, self._json(answer.body, what) if answer.body.strip() else {}

    @staticmethod
    def _json(body: bytes, what: str) -> dict[str, Any]:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):  # a proxy's HTML page with a 200
            raise CalendarUnavailable(f"Google Calendar {what}: the answer is not JSON")
        return payload

    def _token_call(self, form: Mapping[str, str], deadline: Deadline, what: str) -> dict[str, Any]:
        answer = self._send(
            "POST",
            self._token_url,
            deadline,
            body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            what=what,
        )
        if answer.status == 200:
            return self._json(answer.body, what)
        reason = _reason(answer.body)
        message = f"Google OAuth {what}: HTTP {answer.status} ({reason})"
        if answer.status >= 500 or answer.status == 429:
            raise CalendarUnavailable(message)
        if reason == "invalid_grant" and form.get("grant_type") == "refresh_token":
            raise GrantRevoked(message)
        raise CalendarRefused(message)  # invalid_client, a bad code or verifier, ...

    def _expires_at(self, payload: Mapping[str, Any]) -> datetime:
        try:
            seconds = int(payload.get("expires_in", 3600))
        except (TypeError, ValueError):
            seconds = 3600
        return self._clock() + timedelta(seconds=seconds)

    # -- OAuth ---------------------------------------------------------------------------------------
    def authorization_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        query = {
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(self.scopes),
            "access_type": "offline",  # a refresh token: the sync runs while nobody is signed in
            "prompt": "consent",  # a refresh token on every connection, even a repeated one
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self._oauth_url}?{urlencode(query)}"

    def exchange_code(self, code: str, *, code_verifier: str, redirect_uri: str, deadline: Deadline) -> Grant:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
            "client_id": self._client_id,
            "client_secret": self._client_secret(),
        }
        payload = self._token_call(form, deadline, "code exchange")
        refresh, access = payload.get("refresh_token"), payload.get("access_token")
        if not isinstance(refresh, str) or not refresh or not isinstance(access, str) or not access:
            raise CalendarRefused("Google OAuth code exchange: no refresh token in the answer")
        granted = tuple(str(payload.get("scope") or " ".join(self.scopes)).split())
        missing = [scope for scope in SCOPES if scope in self.scopes and scope not in granted]
        if missing:  # granular consent: the person unticked what the sync needs
            raise CalendarRefused(f"Google OAuth code exchange: scopes not granted: {' '.join(missing)}")
        return Grant(
            refresh_token=refresh,
            access_token=access,
            expires_at=self._expires_at(payload),
            scopes=granted,
            account=_account(payload.get("id_token")),
        )

    def refresh(self, refresh_token: str, deadline: Deadline) -> AccessToken:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self._client_id,
            "client_secret": self._client_secret(),
        }
        payload = self._token_call(form, deadline, "refresh")
        access = payload.get("access_token")
        if not isinstance(access, str) or not access:
            raise CalendarUnavailable("Google OAuth refresh: no access token in the answer")
        return AccessToken(access, self._expires_at(payload))

    def revoke(self, refresh_token: str, deadline: Deadline) -> None:
        answer = self._send(
            "POST",
            self._revoke_url,
            deadline,
            body=urlencode({"token": refresh_token}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            what="revoke",
        )
        if answer.status == 200:
            return
        reason = _reason(answer.body)
        if answer.status == 400 and reason in ("invalid_token", "invalid_grant"):
            return  # already revoked or expired: what revoking wants
        if answer.status >= 500 or answer.status == 429:
            raise CalendarUnavailable(f"Google OAuth revoke: HTTP {answer.status} ({reason})")
        raise CalendarRefused(f"Google OAuth revoke: HTTP {answer.status} ({reason})")

    # -- Calendar API --------------------------------------------------------------------------------
    @staticmethod
    def _events(calendar_id: str) -> str:
        return f"/calendars/{quote(calendar_id, safe='')}/events"

    def changes(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        sync_token: str | None,
        since: datetime,
        until: datetime,
        deadline: Deadline,
    ) -> EventChanges:
        # Series masters, not their instances (singleEvents=false): a series is stored once and
        # expanded by calendar/busy.py. A full sync is limited to the window; an incremental one
        # may not be (Google refuses timeMin/timeMax with a syncToken) and always lists deletions.
        query = {"singleEvents": "false", "maxResults": str(self._page_size), "fields": LIST_FIELDS}
        if sync_token is None:
            query |= {"timeMin": _utc(since), "timeMax": _utc(until)}
        else:
            query["syncToken"] = sync_token
        raws: list[dict[str, Any]] = []
        zone: str | None = None
        page: str | None = None
        while True:
            _, payload = self._api(
                "GET",
                self._events(calendar_id),
                token,
                deadline,
                query=query | ({"pageToken": page} if page else {}),
                what="events.list",
            )
            zone = payload.get("timeZone") if isinstance(payload.get("timeZone"), str) else zone
            raws.extend(item for item in payload.get("items") or () if isinstance(item, dict))
            page = payload.get("nextPageToken") or None
            if page is None:
                next_sync = payload.get("nextSyncToken")
                break
        if not isinstance(next_sync, str) or not next_sync:
            raise CalendarUnavailable("Google Calendar events.list: the last page has no nextSyncToken")
        events = []
        for raw in raws:
            try:
                events.append(parse_event(raw, zone))
            except ValueError as exc:
                # One unreadable event must not stop the calendar's sync; said, never silent.
                logger.warning("calendar_event_unreadable", extra={"event_id": raw.get("id"), "why": str(exc)})
        return EventChanges(events=events, sync_token=next_sync, full=sync_token is None, calendar_zone=zone)

    def event(self, token: AccessToken, calendar_id: str, event_id: str, deadline: Deadline) -> CalendarEvent | None:
        """One event by id (events.get; a deleted one comes as "cancelled"); None when unknown."""
        status, payload = self._api(
            "GET",
            f"{self._events(calendar_id)}/{quote(event_id, safe='')}",
            token,
            deadline,
            query={"fields": EVENT_FIELDS},
            what="events.get",
            ok=(404,),
        )
        return None if status == 404 else parse_event(payload)

    def put_event(self, token: AccessToken, calendar_id: str, event: AppointmentEvent, deadline: Deadline) -> None:
        body = event_body(event)
        status, _ = self._api(
            "POST",
            self._events(calendar_id),
            token,
            deadline,
            payload={"id": event.event_id, **body},
            query={"sendUpdates": "none", "fields": "id"},
            what="events.insert",
            ok=(409,),
        )
        if status != 409:
            return
        # The id exists (an earlier try, a move, or a deleted event): bring it to this state.
        self._api(
            "PATCH",
            f"{self._events(calendar_id)}/{quote(event.event_id, safe='')}",
            token,
            deadline,
            payload=body,
            query={"sendUpdates": "none", "fields": "id"},
            what="events.patch",
        )

    def delete_event(self, token: AccessToken, calendar_id: str, event_id: str, deadline: Deadline) -> None:
        self._api(
            "DELETE",
            f"{self._events(calendar_id)}/{quote(event_id, safe='')}",
            token,
            deadline,
            query={"sendUpdates": "none"},
            what="events.delete",
            ok=(404, 410),  # gone already (410: "Resource has been deleted")
        )

    def busy(
        self, token: AccessToken, calendar_id: str, since: datetime, until: datetime, deadline: Deadline
    ) -> list[tuple[datetime, datetime]]:
        _, payload = self._api(
            "POST",
            "/freeBusy",
            token,
            deadline,
            payload={"timeMin": _utc(since), "timeMax": _utc(until), "items": [{"id": calendar_id}]},
            what="freebusy.query",
        )
        calendars = payload.get("calendars") or {}
        entry = calendars.get(calendar_id)
        if entry is None and len(calendars) == 1:  # keyed by the calendar's e-mail rather than "primary"
            entry = next(iter(calendars.values()))
        if not isinstance(entry, dict):
            raise CalendarUnavailable("Google Calendar freebusy.query: the calendar is missing from the answer")
        errors = [e for e in entry.get("errors") or () if isinstance(e, dict)]
        if errors:
            reason = str(errors[0].get("reason") or "unknown")
            error = CalendarRefused if reason == "notFound" else CalendarUnavailable
            raise error(f"Google Calendar freebusy.query: {reason}")
        try:
            return [
                (datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])) for b in entry.get("busy") or ()
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise CalendarUnavailable("Google Calendar freebusy.query: an unreadable busy interval") from exc

    def watch(
        self,
        token: AccessToken,
        calendar_id: str,
        *,
        channel_id: str,
        channel_token: str,
        address: str,
        expires_at: datetime,
        deadline: Deadline,
    ) -> Channel:
        _, payload = self._api(
            "POST",
            f"{self._events(calendar_id)}/watch",
            token,
            deadline,
            payload={
                "id": channel_id,
                "type": "web_hook",
                "address": address,
                "token": channel_token,
                "expiration": str(int(expires_at.timestamp() * 1000)),
            },
            what="events.watch",
        )
        resource_id = payload.get("resourceId")
        if not isinstance(resource_id, str) or not resource_id:
            raise CalendarUnavailable("Google Calendar events.watch: no resourceId in the answer")
        try:  # Google may grant less time than asked (at most about a week for events)
            granted = datetime.fromtimestamp(int(payload["expiration"]) / 1000, UTC)
        except (KeyError, TypeError, ValueError):
            granted = expires_at
        return Channel(id=str(payload.get("id") or channel_id), resource_id=resource_id, expires_at=granted)

    def stop(self, token: AccessToken, channel: Channel, deadline: Deadline) -> None:
        self._api(
            "POST",
            "/channels/stop",
            token,
            deadline,
            payload={"id": channel.id, "resourceId": channel.resource_id},
            what="channels.stop",
            ok=(404,),  # already stopped or expired
        )


def google_client(
    settings: GoogleClientSettings, secret: Callable[[str], str], scopes: tuple[str, ...] = SCOPES
) -> GoogleCalendar:
    """Google Calendar as the settings name it (the one place the processor, the console and the
    calendar function build it). The client secret is read on the first token call, not here."""
    return GoogleCalendar(
        settings.google_client_id,
        lambda: secret(settings.google_client_secret_param),
        oauth_url=settings.google_oauth_url,
        token_url=settings.google_token_url,
        api_url=settings.google_calendar_api_url,
        scopes=scopes,
    )
