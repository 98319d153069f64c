"""A business's Gupshup connections (platform_connections) as its owner sees and edits them, and
the rules every connection's values follow (the console's and ops.onboard's): an app name as
conversation keys and SSM parameter names carry it, and a key that is only ever the NAME of an SSM
parameter under the stage's Gupshup keys prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.inbox import is_id
from receptionist.crm.settings.errors import InvalidSetting

_APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_PARAM_PATH = re.compile(r"^[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*$")
_COLUMNS = (
    "id::text as id, app_name, business_number, api_key_ref, active, gupshup_app_id, templates_synced_at,"
    " templates_sync_error"
)


@dataclass(frozen=True)
class Connection:
    id: str
    app_name: str
    business_number: str
    api_key_ref: str  # the NAME of the SSM SecureString holding the key, never the key
    active: bool
    gupshup_app_id: str | None = None  # Gupshup's id of the app: its template API needs it
    templates_synced_at: datetime | None = None  # the last sync that read its templates
    templates_sync_error: str | None = None  # why the last one failed (receptionist.reminders.template_sync)


@dataclass(frozen=True)
class ConnectionInput:
    app_name: str
    business_number: str
    api_key_ref: str
    active: bool


def valid_app_name(name: str) -> bool:
    """A Gupshup app name as conversation keys and SSM parameter names can carry it."""
    return bool(_APP_NAME.fullmatch(name))


def check_key_ref(ref: str, keys_prefix: str | None) -> str:
    """`ref` when it names a parameter under `keys_prefix` (e.g. /receptionist/prod/gupshup/)."""
    if not keys_prefix:
        raise InvalidSetting("set_keys_prefix_unknown")
    rest = ref[len(keys_prefix) :] if ref.startswith(keys_prefix) else ""
    if not rest or len(ref) > 1011 or not _PARAM_PATH.fullmatch(rest) or ".." in rest.split("/"):
        raise InvalidSetting("set_bad_key_ref")
    return ref


def key_ref_for(app_name: str, keys_prefix: str | None) -> str:
    """The SSM parameter that holds an app's Gupshup key (checked like any key reference): the only
    one a connection may name, whatever a form says."""
    return check_key_ref(f"{keys_prefix or ''}{app_name}", keys_prefix)


def connections(db: Database, organization_id: str) -> list[Connection]:
    rows = db.fetch_all(
        f"select {_COLUMNS} from platform_connections"
        " where organization_id = %s and provider = 'gupshup' order by created_at, app_name",
        (organization_id,),
    )
    return [Connection(**r) for r in rows]


def connection(db: Database, organization_id: str, connection_id: str) -> Connection | None:
    if not is_id(connection_id):
        return None
    row = db.fetch_one(
        f"select {_COLUMNS} from platform_connections where organization_id = %s and provider = 'gupshup' and id = %s",
        (organization_id, connection_id),
    )
    return Connection(**row) if row else None


def update_connection(db: Database, organization_id: str, connection_id: str, wanted: ConnectionInput) -> bool:
    """Its business number and whether it is active (the app name never changes: it is part of
    every conversation's key and routes callbacks to this business)."""
    try:
        changed = db.execute(
            "update platform_connections set business_number = %s, api_key_ref = %s, active = %s"
            " where organization_id = %s and provider = 'gupshup' and id = %s",
            (wanted.business_number, wanted.api_key_ref, wanted.active, organization_id, connection_id),
        )
    except errors.CheckViolation as exc:
        raise InvalidSetting("set_bad_key_ref") from exc
    return changed > 0


def set_app_id(db: Database, organization_id: str, connection_id: str, app_id: str | None) -> bool:
    """The Gupshup app id of one of the business's connections (None: cleared). A new id is read
    by the next sync; the last sync's error no longer applies to it."""
    changed = db.execute(
        "update platform_connections set gupshup_app_id = %s, templates_sync_error = null,"
        " templates_sync_failed_at = null"
        " where organization_id = %s and provider = 'gupshup' and id = %s and gupshup_app_id is distinct from %s",
        (app_id, organization_id, connection_id, app_id),
    )
    return changed > 0
