"""Organizations, resolved from the Gupshup app a message came through."""

from __future__ import annotations

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import AgentSettings, NotificationSettings, Organization, PlatformConnection

# SECURITY DEFINER (migrations 20261130000000, 20261201000000, 20261203000200, 20261207070000,
# 20261207080000): the one lookup made before a tenant is set.
_BY_APP = """
select r.id::text as id, r.name, r.app_name, r.business_number, r.api_key_ref,
       r.assistant_name, r.tone, r.instructions, r.language, r.timezone,
       r.booking_lead_minutes, r.booking_horizon_days, r.slot_step_minutes, r.catalogue_updated_at,
       r.interactive_replies, r.emergency_number, r.disclosure_text, r.disclosure_after_days
from public.resolve_gupshup_app(%s) r
"""


def _organization(row: Row) -> Organization:
    return Organization(
        id=row["id"],
        name=row["name"],
        settings=AgentSettings(
            assistant_name=row["assistant_name"],
            tone=row["tone"],
            instructions=row["instructions"],
            language=row["language"],
            timezone=row["timezone"],
            booking_lead_minutes=row["booking_lead_minutes"],
            booking_horizon_days=row["booking_horizon_days"],
            slot_step_minutes=row["slot_step_minutes"],
            interactive_replies=row["interactive_replies"],
            emergency_number=row["emergency_number"],
            disclosure_text=row["disclosure_text"],
            disclosure_after_days=row["disclosure_after_days"],
        ),
        connection=PlatformConnection(row["app_name"], row["business_number"], row["api_key_ref"]),
        catalogue_updated_at=row["catalogue_updated_at"],
    )


def resolve_by_app(db: Database, app_name: str) -> Organization | None:
    row = db.fetch_one(_BY_APP, (app_name,))
    return _organization(row) if row else None


def notification_settings(db: Database, organization_id: str) -> NotificationSettings:
    row = db.fetch_one(
        "select staff_numbers, escalation_template_id, escalation_template_params"
        " from notification_settings where organization_id = %s",
        (organization_id,),
    )
    if not row:
        return NotificationSettings([], None, [])
    return NotificationSettings(
        list(row["staff_numbers"]), row["escalation_template_id"], list(row["escalation_template_params"])
    )


def resolve_by_id(db: Database, organization_id: str) -> Organization | None:
    """An organization by its id (a staff notice names it): through its active Gupshup app, read
    as that organization (row level security), then resolved as a callback's would be."""
    with db.acting_for(organization_id):
        row = db.fetch_one(
            "select app_name from platform_connections where provider = 'gupshup' and active"
            " order by created_at limit 1"
        )
    return resolve_by_app(db, str(row["app_name"])) if row else None
