"""Recalls (table recalls, migration 20261210040000_recalls.sql; docs/recalls.md): a customer
whose last completed appointment of a service with a recall interval is that long ago is invited
back once, with an approved MARKETING template.

- `due_recalls` lists what is due across businesses (a SECURITY DEFINER function: ids and dates
  only, like due_reminders). One round trip.
- `claim_recall` writes the (customer, service, due day) row at most once: INSERT ... ON CONFLICT
  DO NOTHING RETURNING, so of two overlapping passes exactly one gets it (and its random token).
- `recall_content` reads what the template needs and whether it may still go, in one round trip;
  `mark_recall` moves a row forward (claimed -> queued -> sent | skipped); `record_failure` counts
  a failed try and gives it up ('failed') at the last one.
- the customer's taps: `recall_for_customer` (a token, for this business's customer only) and
  `record_answer` (idempotent: the first answer stays).
All but `due_recalls` and `unqueued_recalls` run inside `db.acting_for(organization)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database, Row
from receptionist.crm.models import ACTIVE_STATUSES_SQL
from receptionist.crm.settings.template_languages import choices_from, choices_sql, pick

RecallStatus = Literal["claimed", "queued", "sent", "booked", "declined", "skipped", "failed"]
# Why a claimed recall was not sent: the customer or the business changed since it was due.
SkipReason = Literal["gone", "disabled", "no_consent", "not_due", "no_template", "no_app", "refused"]
RecallAnswer = Literal["book", "no"]
RECALL_PARAM_NAMES = ("customer_name", "service", "business", "last_visit")
MARKETING = "MARKETING"

# A status only moves forward (claimed -> queued -> sent; claimed/queued -> skipped). 'booked'
# comes from the appointments' trigger, 'declined' from the tap, 'failed' from record_failure.
_EARLIER: dict[str, tuple[str, ...]] = {
    "queued": ("claimed",),
    "skipped": ("claimed", "queued"),
}


@dataclass(frozen=True)
class DueRecall:
    organization_id: str
    contact_id: str
    service_id: str
    last_appointment_id: str
    due_on: date


@dataclass(frozen=True)
class Recall:
    id: str
    organization_id: str
    contact_id: str | None
    service_id: str
    due_on: date
    token: str
    status: str
    created_at: datetime
    attempts: int = 0


@dataclass(frozen=True)
class RecallContent:
    """What the recall template needs, and whether the recall may still go out now."""

    organization_id: str
    business: str
    app_name: str  # the business's active Gupshup app ("" when it has none)
    customer_number: str
    customer_name: str | None
    service: str
    last_visit: datetime | None  # the completed appointment it follows
    language: str
    timezone: str
    enabled: bool  # the business still sends recalls
    template_id: str | None
    template_params: list[str]
    template_body: str | None
    template_usable: bool  # one of the business's, approved, listed by Gupshup, MARKETING
    consented: bool  # marketing consent, not opted out
    booked: bool  # something active still to come (booked since it was due)
    no_show: bool  # a no-show since the appointment it follows
    customer_language: str | None = None  # the customer's (chat_identities.language); None: not known

    @property
    def conversation(self) -> str:
        return str(ConversationKey(self.app_name, self.customer_number))

    def values(self) -> dict[str, str]:
        last = self.last_visit.astimezone(ZoneInfo(self.timezone)).strftime("%d/%m/%Y") if self.last_visit else "-"
        return {
            "customer_name": self.customer_name or f"+{self.customer_number}",
            "service": self.service,
            "business": self.business,
            "last_visit": last,
        }

    def params(self) -> list[str]:
        values = self.values()
        return [values.get(name, "-") for name in self.template_params]


_COLUMNS = (
    "id::text, organization_id::text, contact_id::text, service_id::text, due_on, token, status, created_at, attempts"
)


def _recall(row: Row) -> Recall:
    return Recall(
        id=row["id"],
        organization_id=row["organization_id"],
        contact_id=row["contact_id"],
        service_id=row["service_id"],
        due_on=row["due_on"],
        token=row["token"],
        status=row["status"],
        created_at=row["created_at"],
        attempts=row["attempts"],
    )


def due_recalls(db: Database, at: datetime, catch_up_days: int, max_rows: int) -> list[DueRecall]:
    """Every recall due at `at` not claimed yet, across businesses (earliest due day first)."""
    rows = db.fetch_all(
        "select organization_id::text, contact_id::text, service_id::text, last_appointment_id::text, due_on"
        " from public.due_recalls(%s, %s, %s)",
        (at, catch_up_days, max_rows),
    )
    return [
        DueRecall(r["organization_id"], r["contact_id"], r["service_id"], r["last_appointment_id"], r["due_on"])
        for r in rows
    ]


def unqueued_recalls(db: Database, before: datetime) -> list[tuple[str, str]]:
    """(organization, recall id) of claims made before `before` whose job never reached the queue."""
    rows = db.fetch_all("select organization_id::text, recall_id::text from public.unqueued_recalls(%s)", (before,))
    return [(r["organization_id"], r["recall_id"]) for r in rows]


def claim_recall(db: Database, due: DueRecall, at: datetime) -> Recall | None:
    """The new recall row (with its random token), claimed at `at` (the pass's moment), or None
    when it was claimed before."""
    row = db.fetch_one(
        "insert into recalls (organization_id, contact_id, service_id, last_appointment_id, due_on, claimed_at)"
        " values (%s, %s, %s, %s, %s, %s) on conflict (contact_id, service_id, due_on) do nothing"
        f" returning {_COLUMNS}",
        (due.organization_id, due.contact_id, due.service_id, due.last_appointment_id, due.due_on, at),
    )
    return _recall(row) if row else None


def get_recall(db: Database, organization_id: str, recall_id: str) -> Recall | None:
    row = db.fetch_one(
        f"select {_COLUMNS} from recalls where organization_id = %s and id = %s", (organization_id, recall_id)
    )
    return _recall(row) if row else None


def mark_recall(
    db: Database, organization_id: str, recall_id: str, status: Literal["queued", "skipped"], reason: SkipReason | None
) -> bool:
    """Move a recall forward to `status` (`reason`: why it is skipped); whether it changed."""
    changed = db.execute(
        "update recalls set status = %s, skip_reason = %s, updated_at = now(),"
        " queued_at = case when %s = 'queued' then now() else queued_at end"
        " where organization_id = %s and id = %s and status = any(%s)",
        (status, reason, status, organization_id, recall_id, list(_EARLIER[status])),
    )
    return changed > 0


def record_failure(
    db: Database, organization_id: str, recall_id: str, error: str, give_up_after: int
) -> RecallStatus | None:
    """Count a failed try of a claimed recall and keep why (no personal data); at the
    `give_up_after`-th it is given up ('failed'). Its status after, or None when no longer claimed."""
    row = db.fetch_one(
        "update recalls set attempts = attempts + 1, last_error = left(%s, 300), updated_at = now(),"
        " status = case when attempts + 1 >= %s then 'failed' else status end"
        " where organization_id = %s and id = %s and status = 'claimed' returning status",
        (error, give_up_after, organization_id, recall_id),
    )
    return row["status"] if row else None


def mark_offer(
    db: Database,
    organization_id: str,
    recall_id: str,
    status: Literal["sent", "failed"],
    reason: str | None = None,
    *,
    at: datetime | None = None,
) -> bool:
    """What the notifier says of the recall's message (its offer marker, adapters.delivery_crm):
    sent (sent_at kept, at `at` or now; status 'sent' unless already further on: booked, declined)
    or failed (status 'failed' with `reason`, never a message's text; unless answered or booked
    meanwhile). Whether it changed; idempotent. One round trip."""
    if status == "sent":
        changed = db.execute(
            "update recalls set sent_at = coalesce(sent_at, %s, now()), updated_at = now(),"
            " status = case when status in ('claimed', 'queued') then 'sent' else status end"
            " where organization_id = %s and id = %s and (sent_at is null or status in ('claimed', 'queued'))",
            (at, organization_id, recall_id),
        )
    else:
        changed = db.execute(
            "update recalls set status = 'failed', last_error = left(coalesce(%s, 'delivery: failed'), 300),"
            " updated_at = now() where organization_id = %s and id = %s and status in ('claimed', 'queued', 'sent')",
            (reason, organization_id, recall_id),
        )
    return changed > 0


def recall_content(db: Database, organization_id: str, recall_id: str, at: datetime) -> RecallContent | None:
    """What the recall template needs and whether it may still be sent at `at` (None when the
    recall or its customer is gone). One round trip."""
    row = db.fetch_one(
        f"""
        select o.name as business, coalesce(pc.app_name, '') as app_name, c.phone,
               coalesce(c.name, ci.display_name) as customer_name, s.name as service, la.starts_at as last_visit,
               st.language, st.timezone, st.recalls_enabled, st.recall_template_id, st.recall_template_params,
               t.body,
               coalesce(t.status = 'APPROVED' and t.removed_at is null and t.category = %(marketing)s, false)
                 as template_usable,
               coalesce(not ci.opted_out and public.consent_granted(ci.organization_id, ci.id, 'marketing'), false)
                 as consented,
               exists (select 1 from appointments f where f.organization_id = r.organization_id
                       and f.contact_id = r.contact_id and f.status in {ACTIVE_STATUSES_SQL}
                       and f.ends_at > %(at)s) as booked,
               exists (select 1 from appointments n where n.organization_id = r.organization_id
                       and n.contact_id = r.contact_id and n.status = 'no_show'
                       and n.starts_at > coalesce(la.starts_at, r.created_at)) as no_show,
               ci.language as customer_language, {choices_sql("recall", "r.organization_id")} as template_choices
        from recalls r
        join organizations o on o.id = r.organization_id
        join agent_settings st on st.organization_id = r.organization_id
        join contacts c on c.organization_id = r.organization_id and c.id = r.contact_id
        join services s on s.organization_id = r.organization_id and s.id = r.service_id
        left join appointments la on la.organization_id = r.organization_id and la.id = r.last_appointment_id
        left join chat_identities ci on ci.organization_id = r.organization_id and ci.customer_number = c.phone
        left join lateral (
            select p.app_name from platform_connections p
            where p.organization_id = r.organization_id and p.provider = 'gupshup' and p.active
            order by p.created_at limit 1
        ) pc on true
        left join message_templates t
          on t.organization_id = r.organization_id and t.template_id = st.recall_template_id
        where r.organization_id = %(org)s and r.id = %(id)s
        """,
        {"org": organization_id, "id": recall_id, "at": at, "marketing": MARKETING},
    )
    if row is None:
        return None
    # The customer's language's template when the business chose a usable one, else the default.
    chosen = pick(choices_from(row["template_choices"]), row["customer_language"], row["language"])
    return RecallContent(
        organization_id=organization_id,
        business=row["business"],
        app_name=row["app_name"],
        customer_number=row["phone"],
        customer_name=row["customer_name"],
        service=row["service"],
        last_visit=row["last_visit"],
        language=row["language"],
        timezone=row["timezone"],
        enabled=row["recalls_enabled"],
        template_id=chosen.template_id if chosen else row["recall_template_id"],
        template_params=chosen.params if chosen else list(row["recall_template_params"]),
        template_body=chosen.body if chosen else row["body"],
        template_usable=chosen.usable if chosen else row["template_usable"],
        customer_language=row["customer_language"],
        consented=row["consented"],
        booked=row["booked"],
        no_show=row["no_show"],
    )


# -- the customer's answer ----------------------------------------------------------------------
@dataclass(frozen=True)
class AnsweredRecall:
    """A recall the customer taps a button of."""

    recall_id: str
    service_id: str
    service: str
    status: str
    answer: str | None  # the first answer so far
    answer_turn: str | None


def recall_for_customer(db: Database, organization_id: str, customer_number: str, token: str) -> AnsweredRecall | None:
    """The recall behind a button's token, only when it is this organization's and went to this
    customer (another business's or another customer's token: None)."""
    row = db.fetch_one(
        "select r.id::text as recall_id, r.service_id::text, s.name as service, r.status, r.answer, r.answer_turn"
        " from recalls r"
        " join contacts c on c.organization_id = r.organization_id and c.id = r.contact_id"
        " join services s on s.organization_id = r.organization_id and s.id = r.service_id"
        " where r.organization_id = %s and r.token = %s and c.phone = %s",
        (organization_id, token, customer_number),
    )
    if row is None:
        return None
    return AnsweredRecall(
        row["recall_id"], row["service_id"], row["service"], row["status"], row["answer"], row["answer_turn"]
    )


def record_answer(db: Database, organization_id: str, recall_id: str, answer: RecallAnswer, turn_id: str) -> bool:
    """Record the customer's tap given in `turn_id` (whether it changed anything). The first answer
    stays: a second tap, or the same turn retried, changes nothing. "No, gracias" declines it
    (unless an appointment was already booked after it)."""
    changed = db.execute(
        "update recalls set answer = %s, answered_at = now(), answer_turn = %s, updated_at = now(),"
        " status = case when %s = 'no' and status in ('claimed', 'queued', 'sent') then 'declined' else status end"
        " where organization_id = %s and id = %s and answer is null",
        (answer, turn_id, answer, organization_id, recall_id),
    )
    return changed > 0
