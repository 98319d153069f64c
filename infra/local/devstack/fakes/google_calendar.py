"""A local server speaking Google's OAuth 2.0 (web server apps, PKCE) and Calendar API v3, as far
as the calendar sync uses them (receptionist/adapters/google_calendar.py cites the documents).

OAuth (at the root, as accounts.google.com and oauth2.googleapis.com serve them):
- GET  /o/oauth2/v2/auth   client_id, redirect_uri, response_type=code, scope, access_type=offline,
                           state, code_challenge + code_challenge_method=S256 (anything else: 400).
                           Consents at once (no page): 302 to redirect_uri?code=&scope=&state=, for
                           the account named by `login_hint`, else set_next_account(), else a new
                           one (member-N@calendar.local). deny_next_consent(): ?error=access_denied.
- POST /token              grant_type=authorization_code (code once, same redirect_uri, the PKCE
                           verifier checked against the challenge) or refresh_token; a bad client
                           is 401 invalid_client, a bad code/verifier or a revoked or unknown
                           refresh token is 400 invalid_grant, as Google answers. An id_token
                           (unsigned) comes back when the scopes include "email".
- POST /revoke             token=<refresh or access token>: the whole grant goes; unknown: 400
                           invalid_token.

Calendar API v3 (under /calendar/v3; "primary" or the account's e-mail names its calendar):
- GET    /calendars/{id}/events         syncToken (changes since, deleted events as "cancelled";
                                        410 fullSyncRequired once expired), else timeMin/timeMax
                                        (a syncToken with either is a 400), showDeleted,
                                        singleEvents=false only, maxResults + pageToken (page
                                        size: the smaller of maxResults and `page_size`),
                                        nextSyncToken on the last page, the calendar's timeZone.
- POST   /calendars/{id}/events         insert; our own id (base32hex, 5-1024) or a new one; an
                                        id that exists, even deleted, is 409 duplicate.
- GET    /calendars/{id}/events/{event} get (a deleted one: status "cancelled"); unknown 404.
- PATCH  /calendars/{id}/events/{event} patch semantics (objects merged, the rest replaced):
                                        "status": "confirmed" revives a deleted event.
- DELETE /calendars/{id}/events/{event} 204; deleted already 410 deleted; unknown 404.
- POST   /freeBusy                      busy intervals (UTC) of opaque, not cancelled events,
                                        recurring series expanded (RRULE, EXDATE, RDATE,
                                        cancelled and moved instances), all-day in the calendar's
                                        zone.
- POST   /calendars/{id}/events/watch   web_hook channels (http allowed here: local receivers;
                                        Google wants https), expiration capped at 7 days; then a
                                        "sync" message, and an "exists" one after every change.
- POST   /channels/stop                 {id, resourceId}; unknown 404.
Every call wants `Authorization: Bearer <access token>` (expired or revoked: 401 authError).

Push messages are POSTs with Google's headers (X-Goog-Channel-ID, -Channel-Token,
-Channel-Expiration, -Resource-ID, -Resource-URI, -Resource-State, -Message-Number), sent from
one thread in order, each recorded in `pushes` with the status the receiver answered.

The control API (tests and `make demo`), as methods and as /_control routes (JSON):
- add_event(account, resource) -> id            POST   /_control/events {account, event}
- move_event(account, id, start, end)           POST   /_control/events/{id}/move {account, start, end}
- delete_event(account, id)                     DELETE /_control/events/{id}?account=
- cancel_instance(account, series_id, original_start) -> id
                                                POST   /_control/events/{id}/cancel-instance
                                                       {account, originalStartTime}
- move_instance(account, series_id, original_start, resource) -> id
                                                POST   /_control/events/{id}/move-instance
                                                       {account, originalStartTime, event}
- events(account, cancelled=False) -> [resource] GET   /_control/events?account=&cancelled=1
- revoke_grants(account)                        POST   /_control/revoke {account}
- expire_sync_tokens(account)                   POST   /_control/expire-sync-tokens {account}
- fail_next(count, status=503)                  POST   /_control/fail {count, status}
- trickle_next(count, seconds)                  (method only: a test's slow server)
- pushes_to(channel_id, at_least=0), live_channels(account)   (methods: what was pushed, what listens)
- set_time_zone(account, zone), set_next_account(account), deny_next_consent(), accounts()
                                                GET    /_control/accounts
Helpers build resources: timed(start, end, zone=None), all_day(first, last_exclusive).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import queue
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from dateutil import rrule  # type: ignore[import-untyped]

from devstack.fakes.base import FakeServer, Recorded, Reply

API = "/calendar/v3"
DEFAULT_ZONE = "America/Lima"
MAX_CHANNEL = timedelta(days=7)
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_EVENT_PATH = re.compile(rf"^{API}/calendars/([^/]+)/events(?:/([^/]+))?$")
_CONTROL_EVENT = re.compile(r"^/_control/events/([^/]+)/(move|cancel-instance|move-instance)$")


def timed(start: datetime, end: datetime, zone: str | None = None, **extra: Any) -> dict[str, Any]:
    """A timed event resource (start and end aware; `zone` their IANA zone when given)."""
    ends = [{"dateTime": t.isoformat()} | ({"timeZone": zone} if zone else {}) for t in (start, end)]
    return {"start": ends[0], "end": ends[1], **extra}


def all_day(first: date, last_exclusive: date, **extra: Any) -> dict[str, Any]:
    return {"start": {"date": first.isoformat()}, "end": {"date": last_exclusive.isoformat()}, **extra}


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(status: int, reason: str, message: str, state: str) -> Reply:
    """Google's API error shape."""
    errors = [{"domain": "global", "reason": reason, "message": message}]
    return Reply.json(status, {"error": {"code": status, "message": message, "errors": errors, "status": state}})


def _oauth_error(status: int, error: str, description: str) -> Reply:
    return Reply.json(status, {"error": error, "error_description": description})


def _copy(event: dict[str, Any]) -> dict[str, Any]:
    """A deep copy: what a caller gets never aliases the stored event."""
    copied: dict[str, Any] = json.loads(json.dumps(event))
    return copied


def _merge(into: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


@dataclass
class _Calendar:
    account: str
    zone: str = DEFAULT_ZONE
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)  # event id -> change number
    seq: int = 0
    epoch: int = 0  # sync tokens of an older epoch are expired (410)


@dataclass
class _Grant:
    account: str
    refresh_token: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class _Channel:
    id: str
    resource_id: str
    account: str
    address: str
    token: str | None
    expires: datetime
    messages: int = 0


@dataclass(frozen=True)
class Push:
    """One push message sent to a channel's address, and what the receiver answered (0: none)."""

    channel_id: str
    state: str
    number: int
    headers: dict[str, str]
    status: int


class FakeGoogleCalendar(FakeServer):
    name = "google-calendar"

    def __init__(
        self,
        client_id: str = "local-google-client",
        client_secret: str = "local-google-secret",  # noqa: S107 - a local stand-in's default
        *,
        page_size: int = 250,
        token_seconds: int = 3600,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        port: int = 0,
    ) -> None:
        super().__init__(port=port)
        self.client_id, self.client_secret = client_id, client_secret
        self.page_size, self.token_seconds, self.clock = page_size, token_seconds, clock
        self.oauth_url = f"{self.url}/o/oauth2/v2/auth"
        self.token_url = f"{self.url}/token"
        self.revoke_url = f"{self.url}/revoke"
        self.api_url = f"{self.url}{API}"
        self._calendars: dict[str, _Calendar] = {}
        self._codes: dict[str, dict[str, Any]] = {}
        self._grants: dict[str, _Grant] = {}  # refresh token -> grant
        self._access: dict[str, tuple[_Grant, datetime]] = {}  # access token -> grant, expiry
        self._channels: dict[str, _Channel] = {}
        self._pages: dict[str, tuple[list[dict[str, Any]], str, str]] = {}  # token -> rest, sync token, zone
        self._failures: list[tuple[int, float]] = []  # (status or 0 for a trickle, trickle seconds)
        self._next_account: str | None = None
        self._deny_next = False
        self._ids = itertools.count(1)
        self.pushes: list[Push] = []
        self._pushed = threading.Condition(self.lock)
        self._outbox: queue.Queue[tuple[_Channel, str, int] | None] = queue.Queue()
        self._pusher = threading.Thread(target=self._push_loop, name="fake-google-push", daemon=True)

    def start(self) -> FakeGoogleCalendar:
        self._pusher.start()
        super().start()
        return self

    def stop(self) -> None:
        self._outbox.put(None)
        super().stop()

    # -- control ---------------------------------------------------------------------------------
    def calendar(self, account: str) -> _Calendar:
        with self.lock:
            return self._calendar(account)

    def _calendar(self, account: str) -> _Calendar:
        return self._calendars.setdefault(account, _Calendar(account))

    def accounts(self) -> list[str]:
        with self.lock:
            return sorted(self._calendars)

    def set_time_zone(self, account: str, zone: str) -> None:
        ZoneInfo(zone)
        with self.lock:
            self._calendar(account).zone = zone

    def set_next_account(self, account: str) -> None:
        with self.lock:
            self._next_account = account

    def deny_next_consent(self) -> None:
        with self.lock:
            self._deny_next = True

    def add_event(self, account: str, resource: dict[str, Any]) -> str:
        """An event made by someone else (the member in Google Calendar, the front desk)."""
        with self.lock:
            event_id = resource.get("id") or self._new_id()
            self._store(self._calendar(account), {"status": "confirmed", **resource, "id": event_id})
        self._changed(account)
        return str(event_id)

    def move_event(self, account: str, event_id: str, start: datetime, end: datetime) -> None:
        with self.lock:
            cal = self._calendar(account)
            event = _copy(cal.events[event_id])
            for key, when in (("start", start), ("end", end)):
                zone = event[key].get("timeZone")
                event[key] = {"dateTime": when.isoformat()} | ({"timeZone": zone} if zone else {})
            self._store(cal, event)
        self._changed(account)

    def delete_event(self, account: str, event_id: str) -> None:
        with self.lock:
            cal = self._calendar(account)
            self._store(cal, {**cal.events[event_id], "status": "cancelled"})
        self._changed(account)

    def cancel_instance(self, account: str, series_id: str, original_start: dict[str, Any]) -> str:
        """One instance of a series removed ("delete this event" on a repeating one): an exception
        with the series' id, the instance's original start and status cancelled."""
        return self._exception(account, series_id, original_start, {"status": "cancelled"})

    def move_instance(
        self, account: str, series_id: str, original_start: dict[str, Any], resource: dict[str, Any]
    ) -> str:
        """One instance of a series moved ("this event" only): an exception with its new times."""
        return self._exception(account, series_id, original_start, {"status": "confirmed", **resource})

    def _exception(self, account: str, series_id: str, original_start: dict[str, Any], state: dict[str, Any]) -> str:
        if "dateTime" in original_start:
            stamp = _parse_instant(original_start["dateTime"]).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        else:
            stamp = str(original_start.get("date", "")).replace("-", "")
        instance_id = f"{series_id}_{stamp}"  # as Google names an instance of a series
        with self.lock:
            event = {**state, "id": instance_id, "recurringEventId": series_id, "originalStartTime": original_start}
            self._store(self._calendar(account), event)
        self._changed(account)
        return instance_id

    def events(self, account: str, cancelled: bool = False) -> list[dict[str, Any]]:
        with self.lock:
            found = list(self._calendar(account).events.values())
        return [_copy(e) for e in found if cancelled or e.get("status") != "cancelled"]

    def revoke_grants(self, account: str) -> None:
        """The member removes the app's access in their Google account."""
        with self.lock:
            for grant in self._grants.values():
                if grant.account == account:
                    grant.revoked = True

    def expire_sync_tokens(self, account: str) -> None:
        with self.lock:
            self._calendar(account).epoch += 1

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """The next `count` OAuth or API calls answer `status` (503: backendError)."""
        with self.lock:
            self._failures.extend([(status, 0.0)] * count)

    def trickle_next(self, count: int = 1, seconds: float = 0.5) -> None:
        """The next `count` calls answer one byte every `seconds`."""
        with self.lock:
            self._failures.extend([(0, seconds)] * count)

    def live_channels(self, account: str | None = None) -> list[str]:
        now = self.clock()
        with self.lock:
            return [c.id for c in self._channels.values() if c.expires > now and account in (None, c.account)]

    def pushes_to(self, channel_id: str, at_least: int = 0, timeout: float = 10.0) -> list[Push]:
        """The pushes sent to a channel, once there are `at_least` (or `timeout` passed)."""
        with self._pushed:
            self._pushed.wait_for(lambda: len([p for p in self.pushes if p.channel_id == channel_id]) >= at_least,
                                  timeout)  # fmt: skip
            return [p for p in self.pushes if p.channel_id == channel_id]

    # -- state -----------------------------------------------------------------------------------
    def _new_id(self) -> str:
        return "ev" + secrets.token_hex(8) + str(next(self._ids))  # hex digits, e and v: base32hex

    def _store(self, cal: _Calendar, event: dict[str, Any]) -> None:
        now = _rfc3339(self.clock())
        old = cal.events.get(event["id"])
        event.setdefault("created", old["created"] if old else now)
        event |= {
            "kind": "calendar#event",
            "updated": now,
            "iCalUID": f"{event['id']}@google.com",
            "sequence": (old.get("sequence", 0) + 1) if old else 0,
            "etag": f'"{time.time_ns()}"',
        }
        cal.seq += 1
        cal.events[event["id"]] = event
        cal.changed[event["id"]] = cal.seq

    def _changed(self, account: str) -> None:
        """Every live channel on the calendar hears of a change (Google: "exists")."""
        now = self.clock()
        with self.lock:
            channels = [c for c in self._channels.values() if c.account == account and c.expires > now]
            for channel in channels:
                channel.messages += 1
                self._outbox.put((channel, "exists", channel.messages))

    def _push_loop(self) -> None:
        while (item := self._outbox.get()) is not None:
            channel, state, number = item
            headers = {
                "X-Goog-Channel-ID": channel.id,
                "X-Goog-Channel-Expiration": format_datetime(channel.expires, usegmt=True),
                "X-Goog-Resource-ID": channel.resource_id,
                "X-Goog-Resource-URI": f"{self.api_url}/calendars/{channel.account}/events?alt=json",
                "X-Goog-Resource-State": state,
                "X-Goog-Message-Number": str(number),
                "Content-Length": "0",
            }
            if channel.token is not None:
                headers["X-Goog-Channel-Token"] = channel.token
            status = 0
            try:
                request = urllib.request.Request(channel.address, data=b"", headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=5) as answer:
                    status = answer.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0  # unreachable: recorded, not retried (Google retries with backoff)
            with self._pushed:
                self.pushes.append(Push(channel.id, state, number, headers, status))
                self._pushed.notify_all()

    # -- HTTP ------------------------------------------------------------------------------------
    def answer(self, request: Recorded) -> Reply:
        if request.path.startswith("/_control/"):
            return self._control(request)
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None and failure[0]:
            return _error(failure[0], "backendError", "Backend Error", "UNAVAILABLE")
        reply = self._route(request)
        if failure is not None:
            reply.trickle = failure[1]
        return reply

    def _route(self, request: Recorded) -> Reply:
        if request.path == "/o/oauth2/v2/auth" and request.method == "GET":
            return self._authorize(request)
        if request.path == "/token" and request.method == "POST":
            return self._token(request.form())
        if request.path == "/revoke" and request.method == "POST":
            return self._revoke(request.form().get("token") or request.query.get("token", [""])[0])
        if not request.path.startswith(API):
            return Reply.json(404, {"error": "not found"})
        grant = self._bearer(request)
        if grant is None:
            return _error(401, "authError", "Invalid Credentials", "UNAUTHENTICATED")
        return self._api(grant.account, request)

    def _api(self, account: str, request: Recorded) -> Reply:
        if request.path == f"{API}/freeBusy" and request.method == "POST":
            return self._free_busy(account, request.json())
        if request.path == f"{API}/channels/stop" and request.method == "POST":
            return self._stop(account, request.json())
        watch = re.fullmatch(rf"{API}/calendars/([^/]+)/events/watch", request.path)
        if watch and request.method == "POST":
            return self._watch(account, watch.group(1), request.json())
        match = _EVENT_PATH.fullmatch(request.path)
        if match is None or match.group(1) not in ("primary", account):
            return _error(404, "notFound", "Not Found", "NOT_FOUND")
        event_id = match.group(2)
        if event_id is None and request.method == "GET":
            return self._list(account, request.query)
        if event_id is None and request.method == "POST":
            return self._insert(account, request.json())
        if event_id is not None and request.method in ("GET", "PATCH", "DELETE"):
            return self._one(account, event_id, request)
        return _error(405, "methodNotAllowed", "Method Not Allowed", "INVALID_ARGUMENT")

    # -- OAuth -----------------------------------------------------------------------------------
    def _authorize(self, request: Recorded) -> Reply:
        q = {k: v[0] for k, v in request.query.items()}
        problems = [
            name
            for name, bad in (
                ("client_id", q.get("client_id") != self.client_id),
                ("redirect_uri", not q.get("redirect_uri", "").startswith(("http://", "https://"))),
                ("response_type", q.get("response_type") != "code"),
                ("scope", not q.get("scope")),
                ("access_type", q.get("access_type") != "offline"),
                ("code_challenge_method", q.get("code_challenge_method") != "S256"),
                ("code_challenge", not 43 <= len(q.get("code_challenge", "")) <= 128),
            )
            if bad
        ]
        if problems:
            body = f"Error 400: invalid_request ({', '.join(problems)})".encode()
            return Reply(400, body, {"content-type": "text/plain; charset=utf-8"})
        with self.lock:
            deny, self._deny_next = self._deny_next, False
            account = q.get("login_hint") or self._next_account or f"member-{next(self._ids)}@calendar.local"
            self._next_account = None
            code = "4/local-" + secrets.token_urlsafe(24)
            if not deny:
                self._codes[code] = {"account": account, **q}
                self._calendar(account)
        answer = {"error": "access_denied"} if deny else {"code": code, "scope": q["scope"]}
        parts = urlsplit(q["redirect_uri"])
        query = "&".join(p for p in (parts.query, urlencode({**answer, "state": q.get("state", "")})) if p)
        return Reply(302, b"", {"Location": urlunsplit(parts._replace(query=query))})

    def _token(self, form: dict[str, str]) -> Reply:
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _oauth_error(401, "invalid_client", "Unauthorized")
        kind = form.get("grant_type")
        with self.lock:
            if kind == "authorization_code":
                return self._exchange(form)
            if kind == "refresh_token":
                grant = self._grants.get(form.get("refresh_token", ""))
                if grant is None or grant.revoked:
                    return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
                return Reply.json(200, self._access_for(grant))
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type")

    def _exchange(self, form: dict[str, str]) -> Reply:
        asked = self._codes.pop(form.get("code", ""), None)  # a code is good once
        if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
            return _oauth_error(400, "invalid_grant", "Bad Request")
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != asked["code_challenge"]:
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        scopes = tuple(asked["scope"].split())
        grant = _Grant(asked["account"], "1//local-" + secrets.token_urlsafe(32), scopes)
        self._grants[grant.refresh_token] = grant
        payload = self._access_for(grant) | {"refresh_token": grant.refresh_token}
        if "email" in scopes:
            claims = {"iss": self.url, "aud": self.client_id, "email": asked["account"], "email_verified": True}
            body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            payload["id_token"] = f"eyJhbGciOiJub25lIn0.{body}."
        return Reply.json(200, payload)

    def _access_for(self, grant: _Grant) -> dict[str, Any]:
        token = "ya29.local-" + secrets.token_urlsafe(24)
        self._access[token] = (grant, self.clock() + timedelta(seconds=self.token_seconds))
        return {
            "access_token": token,
            "expires_in": self.token_seconds,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }

    def _revoke(self, token: str) -> Reply:
        with self.lock:
            grant = self._grants.get(token) or (self._access.get(token) or (None, None))[0]
            if grant is None or grant.revoked:
                return _oauth_error(400, "invalid_token", "Token expired or revoked")
            grant.revoked = True
        return Reply.json(200, {})

    def _bearer(self, request: Recorded) -> _Grant | None:
        header = request.headers.get("authorization", "")
        with self.lock:
            grant, expires = self._access.get(header.removeprefix("Bearer "), (None, None))
        if grant is None or expires is None or grant.revoked or expires <= self.clock():
            return None
        return grant

    # -- events ----------------------------------------------------------------------------------
    def _list(self, account: str, query: dict[str, list[str]]) -> Reply:
        q = {k: v[0] for k, v in query.items()}
        if q.get("singleEvents") == "true":
            return _error(400, "invalid", "singleEvents=true is not served by this stand-in", "INVALID_ARGUMENT")
        size = min(int(q.get("maxResults") or 250), self.page_size, 2500)
        with self.lock:
            cal = self._calendar(account)
            if q.get("pageToken"):
                page = self._pages.pop(q["pageToken"], None)
                if page is None:
                    return _error(400, "invalid", "Invalid page token", "INVALID_ARGUMENT")
                rest, sync_token, zone = page
            else:
                listed = self._listing(cal, q)
                if isinstance(listed, Reply):
                    return listed
                rest, sync_token, zone = listed, self._sync_token(cal), cal.zone
            items, rest = rest[:size], rest[size:]
            payload: dict[str, Any] = {
                "kind": "calendar#events",
                "summary": account,
                "timeZone": zone,
                "updated": _rfc3339(self.clock()),
                "items": items,
            }
            if rest:
                page_token = secrets.token_urlsafe(12)
                self._pages[page_token] = (rest, sync_token, zone)
                payload["nextPageToken"] = page_token
            else:
                payload["nextSyncToken"] = sync_token
        return Reply.json(200, payload)

    def _sync_token(self, cal: _Calendar) -> str:
        raw = json.dumps([cal.account, cal.epoch, cal.seq]).encode()
        return base64.urlsafe_b64encode(raw).decode()

    def _listing(self, cal: _Calendar, q: dict[str, str]) -> list[dict[str, Any]] | Reply:
        if q.get("syncToken"):
            if q.get("timeMin") or q.get("timeMax") or q.get("showDeleted") == "false":
                return _error(400, "invalid", "Sync token cannot be used with other request restrictions.",
                              "INVALID_ARGUMENT")  # fmt: skip
            try:
                account, epoch, since = json.loads(base64.urlsafe_b64decode(q["syncToken"]))
            except ValueError:
                return _error(400, "invalid", "Invalid sync token value.", "INVALID_ARGUMENT")
            if account != cal.account or epoch != cal.epoch:
                return _error(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.",
                              "GONE")  # fmt: skip
            changed = sorted((seq, i) for i, seq in cal.changed.items() if seq > since)
            return [self._listed(cal.events[i]) for _, i in changed]
        low = _parse_instant(q["timeMin"]) if q.get("timeMin") else None
        high = _parse_instant(q["timeMax"]) if q.get("timeMax") else None
        deleted = q.get("showDeleted") == "true"
        found = []
        for event in cal.events.values():
            # Cancelled instances of a series are listed (singleEvents=false); a deleted event only
            # with showDeleted, as Google lists them.
            if event["status"] == "cancelled" and not deleted and "recurringEventId" not in event:
                continue
            if event["status"] != "cancelled" and not _overlaps(event, cal.zone, low, high):
                continue
            found.append(self._listed(event))
        return found

    @staticmethod
    def _listed(event: dict[str, Any]) -> dict[str, Any]:
        if event["status"] == "cancelled":  # what Google keeps of a deleted event
            keep = ("kind", "etag", "id", "status", "updated", "recurringEventId", "originalStartTime")
            return {k: event[k] for k in keep if k in event}
        return _copy(event)

    def _insert(self, account: str, body: dict[str, Any]) -> Reply:
        event_id = body.get("id")
        if event_id is not None and (not isinstance(event_id, str) or not _EVENT_ID.fullmatch(event_id)):
            return _error(400, "invalid", "Invalid resource id value.", "INVALID_ARGUMENT")
        problem = _time_problem(body)
        if problem:
            return _error(400, problem[0], problem[1], "INVALID_ARGUMENT")
        with self.lock:
            cal = self._calendar(account)
            if event_id in cal.events:
                return _error(409, "duplicate", "The requested identifier already exists.", "ALREADY_EXISTS")
            event = {"status": "confirmed", **body, "id": event_id or self._new_id()}
            self._store(cal, event)
            stored = self._listed(event)
        self._changed(account)
        return Reply.json(200, stored)

    def _one(self, account: str, event_id: str, request: Recorded) -> Reply:
        with self.lock:
            cal = self._calendar(account)
            event = cal.events.get(event_id)
            if event is None:
                return _error(404, "notFound", "Not Found", "NOT_FOUND")
            if request.method == "GET":
                return Reply.json(200, self._listed(event))
            if request.method == "DELETE":
                if event["status"] == "cancelled":
                    return _error(410, "deleted", "Resource has been deleted", "GONE")
                self._store(cal, {**event, "status": "cancelled"})
                reply = Reply(204)
            else:
                patched = _copy(event)
                _merge(patched, request.json())
                patched["id"] = event_id
                problem = _time_problem(patched)
                if problem:
                    return _error(400, problem[0], problem[1], "INVALID_ARGUMENT")
                self._store(cal, patched)
                reply = Reply.json(200, self._listed(patched))
        self._changed(account)
        return reply

    # -- free/busy -------------------------------------------------------------------------------
    def _free_busy(self, account: str, body: dict[str, Any]) -> Reply:
        low, high = _parse_instant(body["timeMin"]), _parse_instant(body["timeMax"])
        calendars: dict[str, Any] = {}
        with self.lock:
            cal = self._calendar(account)
            events = [_copy(e) for e in cal.events.values()]
            zone = cal.zone
        for item in body.get("items") or ():
            if item.get("id") not in ("primary", account):
                calendars[item.get("id")] = {"errors": [{"domain": "global", "reason": "notFound"}], "busy": []}
                continue
            spans = sorted(s for s in _busy(events, zone, low, high))
            merged: list[list[datetime]] = []
            for start, end in spans:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            calendars[item["id"]] = {"busy": [{"start": _rfc3339(s), "end": _rfc3339(e)} for s, e in merged]}
        return Reply.json(
            200, {"kind": "calendar#freeBusy", "timeMin": body["timeMin"], "timeMax": body["timeMax"],
                  "calendars": calendars},
        )  # fmt: skip

    # -- channels --------------------------------------------------------------------------------
    def _watch(self, account: str, calendar_id: str, body: dict[str, Any]) -> Reply:
        if calendar_id not in ("primary", account):
            return _error(404, "notFound", "Not Found", "NOT_FOUND")
        if body.get("type") != "web_hook" or not str(body.get("address", "")).startswith(("http://", "https://")):
            return _error(400, "invalid", "A web_hook channel with an address is required.", "INVALID_ARGUMENT")
        channel_id = str(body.get("id") or "")
        if not 1 <= len(channel_id) <= 64:
            return _error(400, "required", "Required: id", "INVALID_ARGUMENT")
        now = self.clock()
        asked = datetime.fromtimestamp(int(body["expiration"]) / 1000, UTC) if body.get("expiration") else None
        expires = min(asked or now + MAX_CHANNEL, now + MAX_CHANNEL)
        with self.lock:
            if channel_id in self._channels:
                return _error(400, "channelIdNotUnique", f"Channel id {channel_id} not unique", "INVALID_ARGUMENT")
            channel = _Channel(
                channel_id, "res-" + secrets.token_hex(10), account, str(body["address"]), body.get("token"), expires
            )
            self._channels[channel_id] = channel
            channel.messages = 1
            self._outbox.put((channel, "sync", 1))
        payload = {
            "kind": "api#channel",
            "id": channel.id,
            "resourceId": channel.resource_id,
            "resourceUri": f"{self.api_url}/calendars/{calendar_id}/events?alt=json",
            "expiration": str(int(expires.timestamp() * 1000)),
        }
        if channel.token is not None:
            payload["token"] = channel.token
        return Reply.json(200, payload)

    def _stop(self, account: str, body: dict[str, Any]) -> Reply:
        with self.lock:
            channel = self._channels.get(str(body.get("id")))
            if channel is None or channel.resource_id != body.get("resourceId") or channel.account != account:
                return _error(404, "notFound", f"Channel '{body.get('id')}' not found for project", "NOT_FOUND")
            del self._channels[channel.id]
        return Reply(204)

    # -- control over HTTP -----------------------------------------------------------------------
    def _control(self, request: Recorded) -> Reply:
        body = request.json() if request.body else {}
        q = {k: v[0] for k, v in request.query.items()}
        path, method = request.path, request.method
        try:
            if path == "/_control/accounts" and method == "GET":
                return Reply.json(200, {"accounts": self.accounts()})
            if path == "/_control/events" and method == "GET":
                return Reply.json(200, {"items": self.events(q["account"], cancelled=q.get("cancelled") == "1")})
            if path == "/_control/events" and method == "POST":
                return Reply.json(200, {"id": self.add_event(body["account"], body["event"])})
            if path.startswith("/_control/events/") and method == "DELETE":
                self.delete_event(q["account"], path.rsplit("/", 1)[1])
                return Reply.json(200, {})
            match = _CONTROL_EVENT.fullmatch(path)
            if match and method == "POST" and match.group(2) == "move":
                start, end = _parse_instant(body["start"]), _parse_instant(body["end"])
                self.move_event(body["account"], match.group(1), start, end)
                return Reply.json(200, {})
            if match and method == "POST" and match.group(2) == "move-instance":
                made = self.move_instance(body["account"], match.group(1), body["originalStartTime"], body["event"])
                return Reply.json(200, {"id": made})
            if match and method == "POST":
                made = self.cancel_instance(body["account"], match.group(1), body["originalStartTime"])
                return Reply.json(200, {"id": made})
            if path == "/_control/revoke" and method == "POST":
                self.revoke_grants(body["account"])
                return Reply.json(200, {})
            if path == "/_control/expire-sync-tokens" and method == "POST":
                self.expire_sync_tokens(body["account"])
                return Reply.json(200, {})
            if path == "/_control/fail" and method == "POST":
                self.fail_next(int(body.get("count", 1)), int(body.get("status", 503)))
                return Reply.json(200, {})
        except (KeyError, ValueError) as exc:
            return Reply.json(400, {"error": f"bad control request: {exc!r}"})
        return Reply.json(404, {"error": "no such control route"})


def _parse_instant(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time_problem(event: dict[str, Any]) -> tuple[str, str] | None:
    start, end = event.get("start"), event.get("end")
    if not isinstance(start, dict) or not isinstance(end, dict):
        return ("required", "Missing end time." if isinstance(start, dict) else "Missing start time.")
    try:
        first, last = _bounds(start, end, DEFAULT_ZONE)
    except (KeyError, ValueError):
        return ("invalid", "Invalid start or end time.")
    if last < first:
        return ("timeRangeEmpty", "The specified time range is empty.")
    return None


def _moment(point: dict[str, Any], zone: str) -> datetime:
    if "date" in point:
        return datetime.combine(date.fromisoformat(point["date"]), datetime.min.time(), ZoneInfo(zone))
    value = datetime.fromisoformat(point["dateTime"])
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(point.get("timeZone") or zone))


def _bounds(start: dict[str, Any], end: dict[str, Any], zone: str) -> tuple[datetime, datetime]:
    return _moment(start, zone), _moment(end, zone)


def _overlaps(event: dict[str, Any], zone: str, low: datetime | None, high: datetime | None) -> bool:
    """Whether a listing limited to [low, high) shows the event (a series: any instance may)."""
    first, last = _bounds(event["start"], event["end"], zone)
    if event.get("recurrence"):
        return high is None or first < high
    return (high is None or first < high) and (low is None or last > low)


def _busy(
    events: list[dict[str, Any]], zone: str, low: datetime, high: datetime
) -> Iterable[tuple[datetime, datetime]]:
    """Busy spans of opaque, live events within [low, high): series expanded, exceptions applied."""
    exceptions: dict[str, set[datetime]] = {}
    for event in events:
        if event.get("recurringEventId") and event.get("originalStartTime"):
            original = _moment(event["originalStartTime"], zone)
            exceptions.setdefault(event["recurringEventId"], set()).add(original)
    for event in events:
        if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
            continue
        first, last = _bounds(event["start"], event["end"], zone)
        starts: Iterable[datetime] = [first]
        if event.get("recurrence"):
            starts = _occurrences(event, first, zone, high)
        skip = exceptions.get(event["id"], set())
        for start in starts:
            end = start + (last - first)
            if start in skip or end <= low or start >= high:
                continue
            yield max(start, low), min(end, high)


def _occurrences(event: dict[str, Any], first: datetime, zone: str, high: datetime) -> list[datetime]:
    """A series' starts up to `high`, in its own zone's wall time (DST kept, as Google does).
    EXDATE / RDATE values with TZID or Z are compared as instants; floating or date-only ones (an
    all-day series) as wall times in the series' zone."""
    local_zone = ZoneInfo(event["start"].get("timeZone") or zone)
    lines = "\n".join(event["recurrence"])
    try:
        rules = rrule.rrulestr(lines, dtstart=first.astimezone(local_zone), forceset=True)
        starts = _until(rules, high)
    except (TypeError, ValueError):  # naive values beside an aware start: all wall times
        naive = rrule.rrulestr(lines, dtstart=first.astimezone(local_zone).replace(tzinfo=None), forceset=True,
                               ignoretz=True)  # fmt: skip
        starts = [s.replace(tzinfo=local_zone) for s in _until(naive, high.astimezone(local_zone).replace(tzinfo=None))]
    return [s.astimezone(local_zone) if s.tzinfo else s.replace(tzinfo=local_zone) for s in starts]


def _until(rules: Any, limit: datetime) -> list[datetime]:
    found = []
    for start in rules:
        if start >= limit:
            break
        found.append(start)
    return found
