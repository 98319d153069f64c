"""The assistant's persona and booking rules (agent_settings): what the owner's settings page
reads and writes. One round trip each."""

from __future__ import annotations

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.models import AgentSettings
from receptionist.crm.settings.errors import InvalidSetting

DEFAULT_PERSONA = AgentSettings(
    "Asistente", "cercano y profesional", "", "es", "Europe/Madrid", 60, 60, 15, emergency_number="112"
)

_COLUMNS = (
    "assistant_name, tone, instructions, language, timezone, booking_lead_minutes, booking_horizon_days,"
    " slot_step_minutes, interactive_replies, emergency_number, disclosure_text, disclosure_after_days"
)
# The table's checks Python also makes (console/forms/settings.py), as the sentence each is shown as.
_REFUSED = {
    "agent_settings_emergency_number_check": "set_bad_emergency_number",
    "agent_settings_disclosure_text_check": "set_bad_disclosure_text",
    "agent_settings_disclosure_after_days_check": "set_bad_disclosure_after_days",
}


def persona(db: Database, organization_id: str) -> AgentSettings:
    row = db.fetch_one(f"select {_COLUMNS} from agent_settings where organization_id = %s", (organization_id,))
    return AgentSettings(**row) if row else DEFAULT_PERSONA


def save_persona(db: Database, organization_id: str, persona: AgentSettings) -> None:
    params = {"org": organization_id, **persona.__dict__}
    try:
        db.execute(
            f"""
            insert into agent_settings (organization_id, {_COLUMNS})
            values (%(org)s, %(assistant_name)s, %(tone)s, %(instructions)s, %(language)s, %(timezone)s,
                    %(booking_lead_minutes)s, %(booking_horizon_days)s, %(slot_step_minutes)s,
                    %(interactive_replies)s, %(emergency_number)s, %(disclosure_text)s,
                    %(disclosure_after_days)s)
            on conflict (organization_id) do update set
                assistant_name = excluded.assistant_name, tone = excluded.tone,
                instructions = excluded.instructions, language = excluded.language,
                timezone = excluded.timezone, booking_lead_minutes = excluded.booking_lead_minutes,
                booking_horizon_days = excluded.booking_horizon_days,
                slot_step_minutes = excluded.slot_step_minutes,
                interactive_replies = excluded.interactive_replies,
                emergency_number = excluded.emergency_number, disclosure_text = excluded.disclosure_text,
                disclosure_after_days = excluded.disclosure_after_days, updated_at = now()
            """,
            params,
        )
    except errors.CheckViolation as exc:
        # Otherwise the only check Python cannot see: PostgreSQL's own list of zones.
        raise InvalidSetting(_REFUSED.get(exc.diag.constraint_name or "", "set_bad_timezone")) from exc
