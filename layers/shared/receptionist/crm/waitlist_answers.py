"""A customer's answer to a waitlist offer (issue 29): the Lo quiero / No, gracias buttons of an
offer the offer pass sent (`waitlist:<token>:<accept|decline>`), applied without the model.

Everything happens in ONE transaction with the offer's row locked (`for update`): reading it, the
booking and marking the offer and its entry. So two taps of the same button (a retried turn, a
double tap) are serialised and the second finds the first's result; two customers offered the
same slot each lock their own offer, and the appointments' no-overlap constraint (or the slot
check, once the other has committed) lets only one booking in: the database decides. The loser's
offer becomes 'lost' and its entry stays waiting.

The token is looked up in the conversation's organization for the conversation's customer only
(the entry's contact's phone), so another business's or another customer's token finds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from receptionist.calendar.slot_guard import SlotGuard
from receptionist.crm import appointments, waitlist
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database, Transaction
from receptionist.deadline import Deadline

OfferAction = Literal["accept", "decline"]
# booked: the slot is the customer's (now or by an earlier tap); lost: someone else got it;
# expired: too late; declined: recorded; closed: the offer or its entry is no longer open (declined
# before, withdrawn, booked otherwise, skipped: never sent); unknown: not this customer's offer.
OfferOutcome = Literal["booked", "lost", "expired", "declined", "closed", "unknown"]

# The appointment's history says who booked it: the customer, through a waitlist offer.
ACTOR = "customer:waitlist"
# Still 'claimed' too: the pass sent it but died before marking it queued (its token reaches the
# customer only in the sent message, so a tap on it proves it was sent; the next pass's re-send is
# the same job, dropped as a duplicate).
_OPEN = ("claimed", "queued", "sent")
_REFUSED_AS_GONE = ("slot_taken", "not_available")


@dataclass(frozen=True)
class OfferAnswer:
    """What a tap did, with the offer's slot (local time) for the customer's sentence."""

    outcome: OfferOutcome
    service: str = ""
    member: str = ""
    starts_at: datetime | None = None


_LOCKED_OFFER = """
select o.id::text, o.status, o.expires_at, o.starts_at, o.member_id::text, o.service_id::text,
       o.appointment_id::text, e.id::text as entry_id, e.status as entry_status, e.contact_id::text,
       s.name as service, m.name as member
from waitlist_offers o
join waitlist_entries e on e.organization_id = o.organization_id and e.id = o.entry_id
join contacts c on c.organization_id = e.organization_id and c.id = e.contact_id
join services s on s.organization_id = o.organization_id and s.id = o.service_id
join members m on m.organization_id = o.organization_id and m.id = o.member_id
where o.organization_id = %s and o.token = %s and c.phone = %s
for update of o
"""


def answer_offer(
    db: Database,
    organization_id: str,
    customer_number: str,
    token: str,
    action: OfferAction,
    window: BookingWindow,
    *,
    now: datetime,
    slot_guard: SlotGuard | None = None,
    deadline: Deadline | None = None,
) -> OfferAnswer:
    """Apply a tap; the same tap again answers the same (idempotent). Inside `db.acting_for`."""
    tz = ZoneInfo(window.timezone)
    with db.transaction() as tx:
        row = tx.fetch_one(_LOCKED_OFFER, (organization_id, token, customer_number))
        if row is None:
            return OfferAnswer("unknown")

        def said(outcome: OfferOutcome) -> OfferAnswer:
            return OfferAnswer(outcome, row["service"], row["member"], row["starts_at"].astimezone(tz))

        status = row["status"]
        if status == "accepted":  # an earlier tap booked it: say so again, whatever this tap is
            return said("booked")
        if status in ("lost", "expired"):
            return said(status)
        if status == "declined":
            return said("declined" if action == "decline" else "closed")
        if status not in _OPEN or row["entry_status"] != "waiting":
            return said("closed")
        if action == "decline":
            _close_offer(tx, organization_id, row["id"], "declined", now)
            return said("declined")
        if row["expires_at"] <= now:
            return said("expired")  # the offer pass marks it expired and offers the slot on
        booked = appointments.book(
            db,
            organization_id,
            row["contact_id"],
            row["service_id"],
            row["member_id"],
            row["starts_at"],
            window,
            now=now,
            idempotency_key=f"waitlist:{row['id']}",  # one booking per offer, whatever retries
            actor=ACTOR,
            slot_guard=slot_guard,
            deadline=deadline,
        )
        if booked.appointment is None:
            if booked.failure not in _REFUSED_AS_GONE:  # the service no longer bookable, say: not a race
                return said("closed")
            _close_offer(tx, organization_id, row["id"], "lost", now)
            return said("lost")
        appointment_id = booked.appointment.id
        tx.execute(
            "update waitlist_offers set status = 'accepted', answered_at = %s, appointment_id = %s"
            " where organization_id = %s and id = %s",
            (now, appointment_id, organization_id, row["id"]),
        )
        waitlist.mark_booked(db, organization_id, row["entry_id"], appointment_id)
        return said("booked")


def _close_offer(tx: Transaction, organization_id: str, offer_id: str, status: str, now: datetime) -> None:
    tx.execute(
        "update waitlist_offers set status = %s, answered_at = %s where organization_id = %s and id = %s",
        (status, now, organization_id, offer_id),
    )
