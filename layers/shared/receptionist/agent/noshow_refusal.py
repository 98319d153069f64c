"""book_appointment's no-show check (crm/noshow.py): a customer who reached the business's limit
of no-shows in its window is not booked by the assistant; the tool's result has the model explain
it politely and offer a person (escalate_to_human with the reason `noshow_policy`). One round trip
before anything is checked or written; only new bookings are refused."""

from __future__ import annotations

from receptionist.agent import noshow_wording as wording
from receptionist.agent.context import Conversation
from receptionist.agent.toolbox import ToolOutcome
from receptionist.crm import noshow


def refusal(conv: Conversation, contact_id: str, wanted: str) -> ToolOutcome | None:
    """The refusal when the policy stops this booking, else None (book it)."""
    settings = conv.organization.settings
    found = noshow.standing(conv.db, conv.organization.id, contact_id, conv.now(), settings.timezone)
    if not found.refused:
        return None
    text = wording.tool_result(found.no_shows, found.policy.months, wanted, conv.locale)
    return ToolOutcome(text, ok=False)
