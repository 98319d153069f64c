"""The business's Gupshup connections: its number and whether each is active, and rotating an
app's webhook secret (docs/security.md: both secrets valid while Gupshup moves over). Every
rotation step is a compare-and-set on the app's SSM parameter (SsmWebhookSecretStore.replace),
decided on what was read with it: two starts, or a start and a finish, can never both write; each
step written is audited after it (a secret's fingerprint, never the secret)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from receptionist.adapters.app_secrets import OutsideWrite, StoredSecrets
from receptionist.console.errors import Conflict, ConsoleError, NotFound
from receptionist.console.forms.settings import ConnectionForm
from receptionist.console.forms.templates import AppIdForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm.settings import connections as rows
from receptionist.crm.settings.connections import Connection, ConnectionInput

ROTATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
FINGERPRINT = re.compile(r"[0-9a-f]{4}(-[0-9a-f]{4}){2}")
_ROTATION_ATTEMPTS = 3


class WebhookSecretStore(Protocol):
    """Each Gupshup app's webhook secrets (adapters/app_secrets.SsmWebhookSecretStore): one, or
    two while rotating (the old one first), with the version they were read at."""

    def read(self, app: str) -> StoredSecrets: ...

    def replace(self, app: str, expected: StoredSecrets, secrets: Sequence[str]) -> bool:
        """Write if still at `expected`'s version: False (nothing written) when another write won."""
        ...


def secret_fingerprint(secret: str) -> str:
    """How the page names a secret without showing it: 48 bits of a SHA-256 of 256 random bits
    (no way back to the secret), enough to tell two secrets apart."""
    digest = hashlib.sha256(f"webhook-secret-fingerprint:{secret}".encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


@dataclass
class ConnectionsService(OwnerService):
    keys_prefix: str | None = None  # where the stage's Gupshup keys live (ConsoleSettings)
    webhook_secrets: WebhookSecretStore | None = None
    rotation_key: Callable[[], str] | None = None  # the console's secret: a start form's token -> its secret

    def connections(self) -> list[Connection]:
        return rows.connections(self.db, self.org)

    def update(self, connection_id: str, form: ConnectionForm) -> None:
        before = rows.connection(self.db, self.org, connection_id)
        if before is None:
            raise NotFound("set_not_found")
        wanted = form.connection(self.keys_prefix, app_name=before.app_name)
        with self.db.transaction():
            rows.update_connection(self.db, self.org, connection_id, wanted)
            self._audit("connection_update", connection_id, _connection_details(wanted))

    def set_app_id(self, connection_id: str, form: AppIdForm) -> None:
        """The Gupshup app id the template API needs (templates page: sync, submit)."""
        if rows.connection(self.db, self.org, connection_id) is None:
            raise NotFound("set_not_found")
        app_id = form.app_id()
        with self.db.transaction():
            if rows.set_app_id(self.db, self.org, connection_id, app_id):
                self._audit("connection_app_id", connection_id, {"gupshup_app_id": app_id})

    # -- webhook secret rotation -------------------------------------------------------------------
    def _own_app(self, connection_id: str) -> tuple[str, WebhookSecretStore]:
        """The app of one of this business's connections: the only app whose secret its owner may
        rotate (never an app named by the request)."""
        found = rows.connection(self.db, self.org, connection_id)
        if found is None:
            raise NotFound("set_not_found")
        if self.webhook_secrets is None or self.rotation_key is None:
            raise ConsoleError("set_rotation_unavailable")
        return found.app_name, self.webhook_secrets

    def _secret_for(self, app: str, token: str) -> str:
        """The secret a start form makes: HMAC(console secret, app, the form's token). The token is
        256 random bits drawn with the page, so the secret is as unpredictable as a random one, and
        a form sent twice (a double click, a refreshed POST) names the same secret: the second
        send finds it stored and shows it again, instead of replacing what the owner may already
        have pasted into Gupshup."""
        if not ROTATION_TOKEN.fullmatch(token):
            raise ConsoleError("set_rotation_form_expired")
        assert self.rotation_key is not None
        message = f"webhook-secret\x00{app}\x00{token}".encode()
        return hmac.new(self.rotation_key().encode(), message, hashlib.sha256).hexdigest()

    def start_secret_rotation(self, connection_id: str, token: str) -> str:
        """A new webhook secret, valid from now on next to the current one, to be set in the
        Gupshup app's callback, then `finish_secret_rotation`. Refused (Conflict) while another
        one is pending; the same form sent again gets the same secret."""
        app, store = self._own_app(connection_id)
        new = self._secret_for(app, token)
        details = {"app_name": app, "fingerprint": secret_fingerprint(new)}
        for _ in range(_ROTATION_ATTEMPTS):
            stored = store.read(app)
            if stored.secrets and hmac.compare_digest(stored.secrets[-1].encode(), new.encode()):
                self._audit("webhook_secret_shown_again", connection_id, details)
                return new
            if len(stored.secrets) >= 2:
                raise Conflict("set_rotation_already_pending")
            if self._replace(connection_id, "started", stored, [*stored.secrets[:1], new], details):
                return new
        raise Conflict("set_rotation_busy")

    def finish_secret_rotation(self, connection_id: str, fingerprint: str) -> None:
        """Gupshup sends the new secret now: the old one stops working. Only the pending secret the
        owner's page named (`fingerprint`): never one started elsewhere meanwhile."""
        self._end_rotation(connection_id, fingerprint, keep_new=True)

    def cancel_secret_rotation(self, connection_id: str, fingerprint: str) -> None:
        """The pending secret stops working; the old one stays."""
        self._end_rotation(connection_id, fingerprint, keep_new=False)

    def _end_rotation(self, connection_id: str, fingerprint: str, *, keep_new: bool) -> None:
        if not FINGERPRINT.fullmatch(fingerprint):
            raise ConsoleError("set_rotation_form_expired")
        app, store = self._own_app(connection_id)
        for _ in range(_ROTATION_ATTEMPTS):
            stored = store.read(app)
            newest = secret_fingerprint(stored.secrets[-1]) if stored.secrets else None
            if len(stored.secrets) < 2:  # nothing pending: done already, or never started
                if newest == fingerprint and not keep_new:
                    raise Conflict("set_rotation_already_finished")
                if newest == fingerprint or not keep_new:
                    return  # the same form sent again: what it asked for is what is stored
                raise ConsoleError("set_no_rotation")
            if newest != fingerprint:
                raise Conflict("set_rotation_changed")
            kept = stored.secrets[-1:] if keep_new else stored.secrets[:1]
            details = {"app_name": app, "fingerprint": fingerprint}
            if self._replace(connection_id, "finished" if keep_new else "cancelled", stored, kept, details):
                return
        raise Conflict("set_rotation_busy")

    def _replace(
        self, connection_id: str, step: str, stored: StoredSecrets, secrets: Sequence[str], details: dict[str, Any]
    ) -> bool:
        """One step's compare-and-set, audited when written: False when another write won."""
        assert self.webhook_secrets is not None
        action = f"webhook_secret_rotation_{step}"
        try:
            written = self.webhook_secrets.replace(details["app_name"], stored, secrets)
        except OutsideWrite as exc:  # ours is stored, over a write by hand: recorded, and the page says so
            self._audit(action, connection_id, {**details, "over_a_write_by_hand": True})
            raise Conflict("set_rotation_outside_write") from exc
        if written:
            self._audit(action, connection_id, details)
        return written

    def pending_rotations(self, apps: list[str]) -> dict[str, str]:
        """The apps with a rotation under way (two secrets), each with its new secret's fingerprint."""
        if self.webhook_secrets is None:
            return {}
        found = {app: self.webhook_secrets.read(app).secrets for app in apps}
        return {app: secret_fingerprint(values[-1]) for app, values in found.items() if len(values) >= 2}


def _connection_details(wanted: ConnectionInput) -> dict[str, Any]:
    # The key's parameter NAME only: the console never sees a key.
    return {
        "app_name": wanted.app_name,
        "business_number": wanted.business_number,
        "api_key_ref": wanted.api_key_ref,
        "active": wanted.active,
    }
