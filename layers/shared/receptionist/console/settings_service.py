"""What an owner can do in the console's settings, whatever the HTTP around it: every operation
takes the signed-in account, refuses anyone but an owner, runs for the account's organization
only (row level security and a filter on every statement), checks the values before writing
anything, and records who changed what in the audit log (never a secret: the Gupshup key is
only ever the name of its SSM parameter)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from receptionist import catalogue_writer, disclosure
from receptionist.adapters.app_secrets import OutsideWrite, StoredSecrets
from receptionist.agent.knowledge import Embedder
from receptionist.console.service import ConsoleError
from receptionist.crm import organizations, templates
from receptionist.crm import settings as crm
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.crm.models import AgentSettings, KnowledgeEntry, MessageTemplate, NotificationSettings
from receptionist.retention.rules import Windows

OWNER = "owner"


class WebhookSecretStore(Protocol):
    """Each Gupshup app's webhook secrets (adapters/app_secrets.SsmWebhookSecretStore): one, or
    two while rotating (the old one first), with the version they were read at."""

    def read(self, app: str) -> StoredSecrets: ...

    def replace(self, app: str, expected: StoredSecrets, secrets: Sequence[str]) -> bool:
        """Write if still at `expected`'s version: False (nothing written) when another write won."""
        ...


class OwnersOnly(ConsoleError):
    status = 403


class SettingNotFound(ConsoleError):
    status = 404


class RotationConflict(ConsoleError):
    """The secret's state is not the one the owner's page showed (another change is pending, was
    finished, or is being written right now): the page is shown again as it is now."""

    status = 409


ROTATION_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
FINGERPRINT = re.compile(r"[0-9a-f]{4}(-[0-9a-f]{4}){2}")
_ROTATION_ATTEMPTS = 3


def secret_fingerprint(secret: str) -> str:
    """How the page names a secret without showing it: 48 bits of a SHA-256 of 256 random bits
    (no way back to the secret), enough to tell two secrets apart."""
    digest = hashlib.sha256(f"webhook-secret-fingerprint:{secret}".encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


def gupshup_keys_prefix(environ: Mapping[str, str]) -> str | None:
    """Where the stage's Gupshup API keys live in SSM (/receptionist/<stage>/gupshup/): the
    notifier reads keys only there. GUPSHUP_KEYS_PATH when set, else next to the console's own
    database URL parameter (/receptionist/<stage>/console-database-url); None when neither says."""
    explicit = environ.get("GUPSHUP_KEYS_PATH", "").strip()
    if explicit:
        return explicit.rstrip("/") + "/"
    found = re.fullmatch(
        r"(/receptionist/[A-Za-z0-9_.-]+)/(?:console-)?database-url", environ.get("DATABASE_URL_PARAM", "")
    )
    return f"{found.group(1)}/gupshup/" if found else None


@dataclass(frozen=True)
class Overview:
    persona: AgentSettings
    changes: list[crm.AuditLine]


@dataclass(frozen=True)
class StaffOverview:
    members: list[crm.Member]
    closures: list[crm.TimeOff]
    timezone: str


@dataclass(frozen=True)
class MemberView:
    detail: crm.MemberDetail
    services: list[crm.ServiceSetting]
    timezone: str


@dataclass(frozen=True)
class RemindersView:
    settings: crm.ReminderSettings  # as stored (times and values kept while reminders are off)
    templates: list[MessageTemplate]  # the business's approved templates
    chosen: MessageTemplate | None  # the stored template, else the first one
    params: list[str]  # what fills each {{n}} of `chosen`: as stored, else the defaults
    example: str | None  # `chosen` as a customer would read it
    rows: list[tuple[str, str]]  # the times, as (amount, unit) rows of the form
    slots: int  # how many {{n}} selects the form has: the largest template's count


@dataclass
class SettingsService:
    db: Database
    keys_prefix: str | None
    # None in the console: rows are found by their text until `python -m receptionist.ops.reembed`.
    embedder: Embedder | None = None
    webhook_secrets: WebhookSecretStore | None = None
    rotation_key: Callable[[], str] | None = None  # the console's secret: a start form's token -> its secret

    @contextmanager
    def _owner(self, account: StaffAccount) -> Iterator[str]:
        if account.role != OWNER:
            raise OwnersOnly("set_owners_only")
        with self.db.acting_for(account.organization_id):
            yield account.organization_id

    def _audit(self, account: StaffAccount, what: str, target: str | None, details: dict[str, Any]) -> None:
        record_audit(self.db, account.organization_id, account.email, f"settings_{what}", target, details)

    # -- persona ---------------------------------------------------------------------------------
    def overview(self, account: StaffAccount) -> Overview:
        with self._owner(account) as org:
            return Overview(crm.persona(self.db, org), crm.settings_changes(self.db, org))

    def save_persona(self, account: StaffAccount, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            wanted = crm.parse_persona(values)
            before = crm.persona(self.db, org)
            crm.save_persona(self.db, org, wanted)
            changes = crm.changed_fields(before, wanted, long_fields=("tone", "instructions"))
            told = disclosure.text_for(wanted, account.organization_name)
            if told != disclosure.text_for(before, account.organization_name):
                # What customers are told from now on, and its version (chat_identities.disclosure_version).
                changes["disclosure"] = {"text": told, "version": disclosure.version_of(told)}
            self._audit(account, "persona", org, {"changed": changes})

    # -- retention (how long the business's data is kept; docs/privacy.md) -------------------------
    def retention(self, account: StaffAccount) -> Windows:
        with self._owner(account) as org:
            return crm.retention(self.db, org)

    def save_retention(self, account: StaffAccount, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            wanted = crm.parse_retention(values)
            before = crm.retention(self.db, org)
            crm.save_retention(self.db, org, wanted)
            self._audit(account, "retention", org, {"changed": crm.changed_fields(before, wanted)})

    # -- services ----------------------------------------------------------------------------------
    def services(self, account: StaffAccount) -> tuple[list[crm.ServiceSetting], str]:
        """The services (withdrawn ones last) and the currency a new one starts with."""
        with self._owner(account) as org:
            return crm.services(self.db, org), crm.usual_currency(self.db, org)

    def service(self, account: StaffAccount, service_id: str) -> crm.ServiceSetting:
        with self._owner(account) as org:
            return self._service(org, service_id)

    def _service(self, org: str, service_id: str) -> crm.ServiceSetting:
        found = crm.service(self.db, org, service_id)
        if found is None:  # another organization's, or none: the same answer
            raise SettingNotFound("set_not_found")
        return found

    def save_service(self, account: StaffAccount, values: Mapping[str, str], service_id: str = "") -> str:
        """Create a service (`service_id` "") or edit one; its id."""
        with self._owner(account) as org:
            before = self._service(org, service_id) if service_id else None
            wanted = crm.parse_service(values, service_id)
            with crm.name_must_be_free("set_service_name_taken"):
                saved, _ = catalogue_writer.save_service(self.db, self.embedder, org, wanted)
            details = (
                crm.changed_fields(before, wanted, long_fields=("description",)) if before else {"name": wanted.name}
            )
            self._audit(account, "service_update" if before else "service_create", saved, details)
            return saved

    def set_service_active(self, account: StaffAccount, service_id: str, active: bool) -> None:
        with self._owner(account) as org:
            if not crm.set_service_active(self.db, org, service_id, active):
                raise SettingNotFound("set_not_found")
            self._audit(account, "service_active", service_id, {"active": active})

    # -- knowledge entries -------------------------------------------------------------------------
    def entries(self, account: StaffAccount) -> list[KnowledgeEntry]:
        with self._owner(account) as org:
            return crm.entries(self.db, org)

    def entry(self, account: StaffAccount, entry_id: str) -> KnowledgeEntry:
        with self._owner(account) as org:
            return self._entry(org, entry_id)

    def _entry(self, org: str, entry_id: str) -> KnowledgeEntry:
        found = crm.entry(self.db, org, entry_id)
        if found is None:
            raise SettingNotFound("set_not_found")
        return found

    def save_entry(self, account: StaffAccount, values: Mapping[str, str], entry_id: str | None = None) -> str:
        with self._owner(account) as org:
            before = self._entry(org, entry_id) if entry_id else None
            title, body = crm.parse_entry(values)
            saved, _ = catalogue_writer.save_entry(self.db, self.embedder, org, title, body, entry_id)
            if before is None:
                self._audit(account, "entry_create", saved, {"title": title})
            else:
                after = KnowledgeEntry(saved, title, body)
                self._audit(account, "entry_update", saved, crm.changed_fields(before, after, long_fields=("body",)))
            return saved

    def delete_entry(self, account: StaffAccount, entry_id: str) -> None:
        with self._owner(account) as org:
            gone = self._entry(org, entry_id)
            crm.delete_entry(self.db, org, entry_id)
            self._audit(account, "entry_delete", entry_id, {"title": gone.title})

    # -- staff ---------------------------------------------------------------------------------------
    def staff(self, account: StaffAccount) -> StaffOverview:
        with self._owner(account) as org:
            timezone = crm.persona(self.db, org).timezone
            return StaffOverview(crm.members(self.db, org), crm.time_off(self.db, org, None), timezone)

    def member(self, account: StaffAccount, member_id: str) -> MemberView:
        with self._owner(account) as org:
            return MemberView(
                self._member(org, member_id), crm.services(self.db, org), crm.persona(self.db, org).timezone
            )

    def _member(self, org: str, member_id: str) -> crm.MemberDetail:
        found = crm.member(self.db, org, member_id)
        if found is None:
            raise SettingNotFound("set_not_found")
        return found

    def create_member(self, account: StaffAccount, values: Mapping[str, str]) -> str:
        with self._owner(account) as org:
            name, _ = crm.parse_member(values)
            created = crm.create_member(self.db, org, name)
            self._audit(account, "member_create", created, {"name": name})
            return created

    def update_member(self, account: StaffAccount, member_id: str, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            before = self._member(org, member_id).member
            name, active = crm.parse_member(values)
            crm.update_member(self.db, org, member_id, name, active)
            details = {k: v for k, v in (("name", name), ("active", active)) if getattr(before, k) != v}
            self._audit(account, "member_update", member_id, details)

    def set_member_services(self, account: StaffAccount, member_id: str, service_ids: Sequence[str]) -> None:
        with self._owner(account) as org:
            self._member(org, member_id)
            offered = crm.set_member_services(self.db, org, member_id, service_ids)
            self._audit(account, "member_services", member_id, {"services": offered})

    def add_hours(self, account: StaffAccount, member_id: str, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            self._member(org, member_id)
            weekday, starts, ends = crm.parse_hours(values)
            created = crm.add_hours(self.db, org, member_id, weekday, starts, ends)
            details = {"member": member_id, "weekday": weekday, "starts": starts, "ends": ends}
            self._audit(account, "hours_add", created, details)

    def delete_hours(self, account: StaffAccount, member_id: str, hours_id: str) -> None:
        with self._owner(account) as org:
            self._member(org, member_id)
            if not crm.delete_hours(self.db, org, member_id, hours_id):
                raise SettingNotFound("set_not_found")
            self._audit(account, "hours_delete", hours_id, {"member": member_id})

    def add_time_off(self, account: StaffAccount, member_id: str | None, values: Mapping[str, str]) -> None:
        """A member's absence, or (member None) a day the whole business is closed."""
        with self._owner(account) as org:
            if member_id is not None:
                self._member(org, member_id)
            starts, ends, reason = crm.parse_time_off(values, crm.persona(self.db, org).timezone)
            created = crm.add_time_off(self.db, org, member_id, starts, ends, reason)
            details = {"member": member_id, "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}
            self._audit(account, "time_off_add", created, details)

    def delete_time_off(self, account: StaffAccount, member_id: str | None, time_off_id: str) -> None:
        with self._owner(account) as org:
            if member_id is not None:
                self._member(org, member_id)
            if not crm.delete_time_off(self.db, org, member_id, time_off_id):
                raise SettingNotFound("set_not_found")
            self._audit(account, "time_off_delete", time_off_id, {"member": member_id})

    # -- notifications -------------------------------------------------------------------------------
    def notifications(self, account: StaffAccount) -> NotificationSettings:
        with self._owner(account) as org:
            return organizations.notification_settings(self.db, org)

    def save_notifications(self, account: StaffAccount, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            wanted = crm.parse_notifications(values)
            crm.save_notifications(self.db, org, wanted)
            details = {
                "staff_numbers": len(wanted.staff_numbers),
                "template_id": wanted.template_id,
                "template_params": wanted.template_params,
            }
            self._audit(account, "notifications", org, details)

    # -- reminders -----------------------------------------------------------------------------------
    def reminders(self, account: StaffAccount) -> RemindersView:
        with self._owner(account) as org:
            view = crm.reminders(self.db, org)
            found = templates.list_templates(self.db, org)
        stored = view.settings
        chosen = next((t for t in found if t.template_id == stored.template_id), found[0] if found else None)
        params: list[str] = []
        example = None
        if chosen is not None:
            kept = chosen.template_id == stored.template_id and len(stored.template_params) == chosen.param_count
            params = stored.template_params if kept else crm.default_reminder_params(chosen.param_count)
            example = crm.reminder_example(view, chosen, params)
        slots = min(max((t.param_count for t in found), default=0), crm.MAX_TEMPLATE_PARAMS)
        return RemindersView(stored, found, chosen, params, example, crm.offset_rows(stored.offsets_minutes), slots)

    def preview_reminders(self, account: StaffAccount, values: Mapping[str, str]) -> str | None:
        """The message as the entered settings would write it (checked as a save would be,
        reminders on or off; nothing is written)."""
        with self._owner(account) as org:
            wanted = crm.parse_reminders({**values, "enabled": "on"})
            assert wanted.template_id is not None
            template = templates.get_template(self.db, org, wanted.template_id)
            crm.check_reminder_template(wanted, template)
            assert template is not None
            return crm.reminder_example(crm.reminders(self.db, org), template, wanted.template_params)

    def save_reminders(self, account: StaffAccount, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            wanted = crm.parse_reminders(values)
            crm.save_reminders(self.db, org, wanted)
            details: dict[str, Any] = {"enabled": wanted.template_id is not None, "template_id": wanted.template_id}
            if wanted.template_id is not None:
                details |= {"offsets_minutes": wanted.offsets_minutes, "template_params": wanted.template_params}
            self._audit(account, "reminders", org, details)

    # -- Gupshup connections -------------------------------------------------------------------------
    def connections(self, account: StaffAccount) -> list[crm.Connection]:
        with self._owner(account) as org:
            return crm.connections(self.db, org)

    def update_connection(self, account: StaffAccount, connection_id: str, values: Mapping[str, str]) -> None:
        with self._owner(account) as org:
            before = crm.connection(self.db, org, connection_id)
            if before is None:
                raise SettingNotFound("set_not_found")
            wanted = crm.parse_connection(values, self.keys_prefix, app_name=before.app_name)
            crm.update_connection(self.db, org, connection_id, wanted)
            self._audit(account, "connection_update", connection_id, _connection_details(wanted))

    # -- webhook secret rotation (docs/security.md: both secrets valid while Gupshup moves over) --
    # Every step is a compare-and-set on the app's parameter (SsmWebhookSecretStore.replace),
    # decided on what was read with it: two starts, or a start and a finish, can never both write.
    def _own_app(self, org: str, connection_id: str) -> tuple[str, WebhookSecretStore]:
        """The app of one of this business's connections: the only app whose secret its owner may
        rotate (never an app named by the request)."""
        found = crm.connection(self.db, org, connection_id)
        if found is None:
            raise SettingNotFound("set_not_found")
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

    def start_secret_rotation(self, account: StaffAccount, connection_id: str, token: str) -> str:
        """A new webhook secret, valid from now on next to the current one, to be set in the
        Gupshup app's callback, then `finish_secret_rotation`. Refused (RotationConflict) while
        another one is pending; the same form sent again gets the same secret."""
        with self._owner(account) as org:
            app, store = self._own_app(org, connection_id)
            new = self._secret_for(app, token)
            details = {"app_name": app, "fingerprint": secret_fingerprint(new)}
            for _ in range(_ROTATION_ATTEMPTS):
                stored = store.read(app)
                if stored.secrets and hmac.compare_digest(stored.secrets[-1].encode(), new.encode()):
                    self._audit(account, "webhook_secret_shown_again", connection_id, details)
                    return new
                if len(stored.secrets) >= 2:
                    raise RotationConflict("set_rotation_already_pending")
                if self._replace(account, connection_id, "started", stored, [*stored.secrets[:1], new], details):
                    return new
            raise RotationConflict("set_rotation_busy")

    def finish_secret_rotation(self, account: StaffAccount, connection_id: str, fingerprint: str) -> None:
        """Gupshup sends the new secret now: the old one stops working. Only the pending secret the
        owner's page named (`fingerprint`): never one started elsewhere meanwhile."""
        self._end_rotation(account, connection_id, fingerprint, keep_new=True)

    def cancel_secret_rotation(self, account: StaffAccount, connection_id: str, fingerprint: str) -> None:
        """The pending secret stops working; the old one stays."""
        self._end_rotation(account, connection_id, fingerprint, keep_new=False)

    def _end_rotation(self, account: StaffAccount, connection_id: str, fingerprint: str, *, keep_new: bool) -> None:
        if not FINGERPRINT.fullmatch(fingerprint):
            raise ConsoleError("set_rotation_form_expired")
        with self._owner(account) as org:
            app, store = self._own_app(org, connection_id)
            for _ in range(_ROTATION_ATTEMPTS):
                stored = store.read(app)
                newest = secret_fingerprint(stored.secrets[-1]) if stored.secrets else None
                if len(stored.secrets) < 2:  # nothing pending: done already, or never started
                    if newest == fingerprint and not keep_new:
                        raise RotationConflict("set_rotation_already_finished")
                    if newest == fingerprint or not keep_new:
                        return  # the same form sent again: what it asked for is what is stored
                    raise ConsoleError("set_no_rotation")
                if newest != fingerprint:
                    raise RotationConflict("set_rotation_changed")
                kept = stored.secrets[-1:] if keep_new else stored.secrets[:1]
                details = {"app_name": app, "fingerprint": fingerprint}
                if self._replace(
                    account, connection_id, "finished" if keep_new else "cancelled", stored, kept, details
                ):
                    return
            raise RotationConflict("set_rotation_busy")

    def _replace(
        self,
        account: StaffAccount,
        connection_id: str,
        step: str,
        stored: StoredSecrets,
        secrets: Sequence[str],
        details: dict[str, Any],
    ) -> bool:
        """One step's compare-and-set, audited when written: False when another write won."""
        assert self.webhook_secrets is not None
        action = f"webhook_secret_rotation_{step}"
        try:
            written = self.webhook_secrets.replace(details["app_name"], stored, secrets)
        except OutsideWrite as exc:  # ours is stored, over a write by hand: recorded, and the page says so
            self._audit(account, action, connection_id, {**details, "over_a_write_by_hand": True})
            raise RotationConflict("set_rotation_outside_write") from exc
        if written:
            self._audit(account, action, connection_id, details)
        return written

    def pending_rotations(self, account: StaffAccount, apps: list[str]) -> dict[str, str]:
        """The apps with a rotation under way (two secrets), each with its new secret's fingerprint."""
        with self._owner(account):
            if self.webhook_secrets is None:
                return {}
            found = {app: self.webhook_secrets.read(app).secrets for app in apps}
            return {app: secret_fingerprint(values[-1]) for app, values in found.items() if len(values) >= 2}


def _connection_details(wanted: crm.ConnectionInput) -> dict[str, Any]:
    # The key's parameter NAME only: the console never sees a key.
    return {
        "app_name": wanted.app_name,
        "business_number": wanted.business_number,
        "api_key_ref": wanted.api_key_ref,
        "active": wanted.active,
    }
