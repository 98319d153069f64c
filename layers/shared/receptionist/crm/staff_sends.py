"""Templates sent to a business's staff numbers (migration 20261212040000; docs/stats.md "Staff
notices"): one row per send Gupshup accepted, so the daily roll-up counts and prices them. Staff
notices have no chat_messages row (they are not a conversation with a customer).

A row names the send by its key (notifier.service.staff_send_key: the job and the recipient's
place in the job's staff list), the template and the number's first 3 digits (its calling code,
which prices the send): never the number itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from receptionist.crm.connection import Database

# Digits of the number kept: enough for every calling code (1-3 digits), as the roll-up reads
# customers' numbers (left(customer_number, 3)).
PREFIX_DIGITS: Final = 3


def prefix_of(number: str) -> str:
    """The first digits of a WhatsApp number ("+34 600..." or "34600..."): its calling code is in them."""
    return "".join(ch for ch in number if ch.isdigit())[:PREFIX_DIGITS]


def record_staff_send(
    db: Database, organization_id: str, key: str, *, template_id: str, number: str, at: datetime
) -> bool:
    """Record a staff template Gupshup accepted; False when this send was already recorded."""
    return (
        db.execute(
            """
            insert into staff_template_sends (organization_id, send_key, at, template_id, prefix)
            values (%s, %s, %s, %s, %s)
            on conflict (organization_id, send_key) do nothing
            """,
            (organization_id, key, at, template_id, prefix_of(number)),
        )
        == 1
    )
