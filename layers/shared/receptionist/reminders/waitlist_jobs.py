"""The offer pass's rules, pure: which slot of an opening an entry is offered, until when, whether
a claimed offer may be sent, and the notifier's job for it.

- The slot: the earliest free slot (crm.availability, the real schedule) that starts within the
  opening (it may run on into time that was free already) and in the entry's part of the day.
- Until when: expires_at = min(now + offer minutes, slot start - the business's booking lead
  time): an offer never outlives the time the slot could still be booked. Less than
  MIN_OFFER_MINUTES left: no offer.
- The form: inside WhatsApp's 24-hour window (the customer's last message, with SESSION_MARGIN to
  spare for the queue) a session message with two reply buttons; outside it the business's
  approved UTILITY template with two quick replies; no such template: not sent ('skipped',
  no_template).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from receptionist.crm.models import Slot
from receptionist.crm.templates import placeholder_count, render_template
from receptionist.crm.waitlist import fits_day_part
from receptionist.crm.waitlist_offers import Offer, OfferContent, Opening, SkipReason
from receptionist.messages import Choice, OutboundJob
from receptionist.notifier.window import within_session_window
from receptionist.reminders import waitlist_wording as wording

MIN_OFFER_MINUTES = 5
SESSION_MARGIN = timedelta(minutes=10)
ACTIONS = ("accept", "decline")  # the buttons, in order


def postback_text(token: str, action: str) -> str:
    """What a button sends back: the offer's token and the action, never an id."""
    return f"waitlist:{token}:{action}"


def offer_expiry(now: datetime, slot_start: datetime, offer_minutes: int, lead_minutes: int) -> datetime | None:
    """When an offer of a slot starting at `slot_start` made at `now` expires; None: too little time."""
    expires = min(now + timedelta(minutes=offer_minutes), slot_start - timedelta(minutes=lead_minutes))
    if expires - now < timedelta(minutes=MIN_OFFER_MINUTES):
        return None
    return expires


def pick_slot(
    slots: Iterable[Slot], opening: Opening, day_part: str, now: datetime, offer_minutes: int, lead_minutes: int
) -> tuple[Slot, datetime] | None:
    """The earliest slot starting within the opening, in the entry's part of the day, that leaves
    time for an offer; with the offer's expiry."""
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.member_name)):
        if slot.member_id != opening.member_id:
            continue
        if not opening.starts_at <= slot.starts_at < opening.ends_at:
            continue
        if not fits_day_part(day_part, slot.starts_at):
            continue
        expires = offer_expiry(now, slot.starts_at, offer_minutes, lead_minutes)
        if expires is not None:
            return slot, expires
    return None


def in_session(content: OfferContent, now: datetime) -> bool:
    """Whether a session message will still be inside the 24-hour window when the notifier sends it."""
    return within_session_window(content.last_inbound_at, now + SESSION_MARGIN)


def unsendable(content: OfferContent | None, now: datetime) -> SkipReason | None:
    """Why a claimed offer must not be sent at `now`, or None."""
    if content is None:
        return "gone"
    if content.entry_status != "waiting":
        return "entry_closed"
    if content.taken:  # booked meanwhile (a claim re-sent a while after it was made)
        return "taken"
    if not content.app_name:
        return "no_app"
    if not content.has_identity:
        return "no_conversation"
    if content.opted_out:
        return "opted_out"
    if in_session(content, now):
        return None
    if not content.template_id or not content.template_usable:
        return "no_template"
    return None


def offer_job(offer: Offer, content: OfferContent, now: datetime) -> OutboundJob:
    """The notifier's job for a claimed offer that may be sent (`unsendable` said None)."""
    postbacks = [postback_text(offer.token, action) for action in ACTIONS]
    if in_session(content, now):
        return OutboundJob.for_offer(
            content.conversation,
            offer.ref,
            text=wording.offer_text(content, now),
            choices=[
                Choice(id=postbacks[0], title=wording.accept_title(content.locale)),
                Choice(id=postbacks[1], title=wording.decline_title(content.locale)),
            ],
        )
    params = content.params(now)
    return OutboundJob.for_offer(
        content.conversation,
        offer.ref,
        text=preview(content, params),
        template_id=content.template_id,
        params=params,
        postbacks=postbacks,
    )


def preview(content: OfferContent, params: list[str]) -> str:
    """The template's text as the customer sees it (the chat history's row), when it is known."""
    body = content.template_body
    if body and placeholder_count(body) == len(params):
        return render_template(body, params)
    return f"[template {content.template_id}] " + " | ".join(params)
