"""The waitlist as the console shows it (issue 29): the waiting entries in the order they asked,
each with the slots it was offered, and staff withdrawing an entry. Inside
`db.acting_for(organization)` (row level security keeps it to the signed-in account's business;
withdrawing is crm.waitlist.withdraw_entry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from receptionist.crm.connection import Database


@dataclass(frozen=True)
class ListedOffer:
    status: str  # claimed, queued, sent, accepted, lost, declined, expired, skipped, failed
    starts_at: datetime
    member: str
    created_at: datetime
    expires_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None


@dataclass(frozen=True)
class ListedEntry:
    id: str
    customer: str  # the contact's name, else their WhatsApp name, else the number
    phone: str
    service: str
    member: str | None  # None: anyone who does the service
    first_day: date
    last_day: date
    day_part: str
    created_at: datetime
    created_by: str
    offers: list[ListedOffer]  # newest first


_WAITING = """
select e.id::text, coalesce(nullif(c.name, ''), ci.display_name, c.phone) as customer, c.phone, s.name as service,
       m.name as member, e.first_day, e.last_day, e.day_part, e.created_at, e.created_by,
       coalesce((
         select jsonb_agg(jsonb_build_object(
                  'status', o.status, 'starts_at', o.starts_at, 'member', om.name, 'created_at', o.created_at,
                  'expires_at', o.expires_at, 'sent_at', o.sent_at, 'answered_at', o.answered_at)
                order by o.created_at desc)
         from waitlist_offers o join members om on om.organization_id = o.organization_id and om.id = o.member_id
         where o.organization_id = e.organization_id and o.entry_id = e.id), '[]') as offers
from waitlist_entries e
join contacts c on c.organization_id = e.organization_id and c.id = e.contact_id
join services s on s.organization_id = e.organization_id and s.id = e.service_id
left join members m on m.organization_id = e.organization_id and m.id = e.member_id
left join chat_identities ci on ci.organization_id = e.organization_id and ci.customer_number = c.phone
where e.organization_id = %s and e.status = 'waiting'
order by e.created_at, e.id
limit %s
"""


def waiting(db: Database, organization_id: str, limit: int = 500) -> list[ListedEntry]:
    """The waiting entries, in the order they asked, with their offers. One round trip."""
    return [_entry(r) for r in db.fetch_all(_WAITING, (organization_id, limit))]


def _entry(row: dict[str, Any]) -> ListedEntry:
    return ListedEntry(
        id=row["id"],
        customer=row["customer"],
        phone=row["phone"],
        service=row["service"],
        member=row["member"],
        first_day=row["first_day"],
        last_day=row["last_day"],
        day_part=row["day_part"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        offers=[_offer(o) for o in row["offers"]],
    )


def _offer(item: dict[str, Any]) -> ListedOffer:
    def at(key: str) -> datetime | None:
        value = item.get(key)
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    starts, created, expires = at("starts_at"), at("created_at"), at("expires_at")
    assert starts is not None and created is not None and expires is not None
    return ListedOffer(item["status"], starts, item["member"], created, expires, at("sent_at"), at("answered_at"))
