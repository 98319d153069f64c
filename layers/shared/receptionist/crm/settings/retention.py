"""How long a business's data is kept (agent_settings; receptionist/retention/rules.py,
docs/privacy.md): the owner's windows. One round trip each."""

from __future__ import annotations

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.retention.rules import COLUMNS, DEFAULT, Windows

# The sentence (an id of the console catalogue) of each window out of its bounds.
RETENTION_ERRORS = {"text_months": "set_bad_text_months", "media_days": "set_bad_media_days",
                    "usage_months": "set_bad_usage_months"}  # fmt: skip


def retention(db: Database, organization_id: str) -> Windows:
    columns = ", ".join(f"{column} as {name}" for name, column in COLUMNS.items())
    row = db.fetch_one(f"select {columns} from agent_settings where organization_id = %s", (organization_id,))
    return Windows(**row) if row else DEFAULT


def save_retention(db: Database, organization_id: str, windows: Windows) -> None:
    names = ", ".join(COLUMNS.values())
    values = ", ".join(f"%({name})s" for name in COLUMNS)
    updates = ", ".join(f"{column} = excluded.{column}" for column in COLUMNS.values())
    try:
        db.execute(
            f"insert into agent_settings (organization_id, {names}) values (%(org)s, {values})"
            f" on conflict (organization_id) do update set {updates}, updated_at = now()",
            {"org": organization_id, **windows.__dict__},
        )
    except errors.CheckViolation as exc:
        for name, column in COLUMNS.items():
            if exc.diag.constraint_name == f"agent_settings_{column}_check":
                raise InvalidSetting(RETENTION_ERRORS[name]) from exc
        raise
