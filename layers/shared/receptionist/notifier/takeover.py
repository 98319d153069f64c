"""Human takeover: an escalation turns the bot off for a conversation (crm open_escalation in the
processor, made sure again by the notifier's escalation job); staff hand it back when they are
done. Handing back resolves the conversation's open escalations and turns the bot on again.

The console to come will call hand_back(); until then ops use the CLI:
    DATABASE_URL=postgresql://... python -m receptionist.notifier.handback --app ClinicaSonrisa --customer 34600111222
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from receptionist.crm import conversations, organizations
from receptionist.crm.connection import Database


@dataclass(frozen=True)
class HandBack:
    result: Literal["handed_back", "unknown_app", "unknown_customer"]
    was_bot_enabled: bool | None = None


def hand_back(db: Database, app: str, customer_number: str) -> HandBack:
    """Give the conversation of `customer_number` on Gupshup app `app` back to the bot. Idempotent."""
    org = organizations.resolve_by_app(db, app)
    if org is None:
        return HandBack("unknown_app")
    identity = conversations.find_identity(db, org.id, customer_number)
    if identity is None:
        return HandBack("unknown_customer")
    conversations.hand_back_to_bot(db, org.id, identity.id)
    return HandBack("handed_back", was_bot_enabled=identity.bot_enabled)
