"""Whether a business invites its customers back (recalls, docs/recalls.md) and with which of its
approved MARKETING templates (agent_settings, migration 20261210040000_recalls.sql). Each
service's interval is on the service (crm.settings.catalogue.set_recall_interval). The template's
values follow its placeholders: customer name, service, business, last visit, in that order."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import errors

from receptionist.crm.connection import Database
from receptionist.crm.models import MessageTemplate
from receptionist.crm.recalls import MARKETING, RECALL_PARAM_NAMES
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.templates import SELECT_TEMPLATE, template_from


@dataclass(frozen=True)
class RecallSettings:
    enabled: bool
    template_id: str | None  # kept while recalls are off


@dataclass(frozen=True)
class RecallView:
    settings: RecallSettings
    services: list[tuple[str, int]]  # the services with an interval: (name, days), by name


def recall_params(count: int) -> list[str]:
    """What fills each {{n}} of a template with `count` placeholders."""
    if count > len(RECALL_PARAM_NAMES):
        raise InvalidSetting("rc_template_too_many_values")
    return list(RECALL_PARAM_NAMES[:count])


def recall_settings(db: Database, organization_id: str) -> RecallView:
    """The business's recall settings and its recalled services. One round trip."""
    row = db.fetch_one(
        """
        select coalesce(st.recalls_enabled, false) as enabled, st.recall_template_id as template_id,
               coalesce((select json_agg(json_build_array(s.name, s.recall_interval_days) order by s.name)
                         from services s where s.organization_id = o.id and s.active
                           and s.recall_interval_days is not null), '[]'::json) as services
        from organizations o left join agent_settings st on st.organization_id = o.id
        where o.id = %s
        """,
        (organization_id,),
    )
    if row is None:
        return RecallView(RecallSettings(False, None), [])
    return RecallView(
        RecallSettings(bool(row["enabled"]), row["template_id"]), [(str(n), int(d)) for n, d in row["services"]]
    )


def check_recall_template(template: MessageTemplate | None) -> list[str]:
    """The chosen template is the business's (read under its row level security), approved and
    listed by Gupshup, of the MARKETING category, with at most as many values as a recall has;
    the values it takes, in order."""
    if template is None:
        raise InvalidSetting("rc_bad_template")
    if not template.usable:
        raise InvalidSetting("rc_template_not_approved")
    if (template.category or "").upper() != MARKETING:
        raise InvalidSetting("rc_template_not_marketing")
    return recall_params(template.param_count)


def save_recall_settings(db: Database, organization_id: str, wanted: RecallSettings) -> None:
    """Recalls off (the template kept), or on with this template: read (locked against a change
    meanwhile), checked and written in one transaction."""
    try:
        with db.transaction() as tx:
            params: list[str] | None = None
            if wanted.enabled:
                if wanted.template_id is None:
                    raise InvalidSetting("rc_template_needed")
                row = tx.fetch_one(
                    f"{SELECT_TEMPLATE} where organization_id = %s and template_id = %s for share",
                    (organization_id, wanted.template_id),
                )
                params = check_recall_template(template_from(row) if row else None)
            tx.execute(
                """
                insert into agent_settings (organization_id, recalls_enabled, recall_template_id,
                                            recall_template_params)
                values (%s, %s, %s, coalesce(%s, '{customer_name,service}'::text[]))
                on conflict (organization_id) do update set
                    recalls_enabled = excluded.recalls_enabled,
                    recall_template_id = coalesce(excluded.recall_template_id, agent_settings.recall_template_id),
                    recall_template_params = coalesce(%s, agent_settings.recall_template_params),
                    updated_at = now()
                """,
                (organization_id, wanted.enabled, wanted.template_id, params, params),
            )
    except errors.CheckViolation as exc:
        raise InvalidSetting("rc_bad_template") from exc
