"""Hand a conversation back to the bot (staff are done with it).

An escalation turns the bot off for a conversation (the processor records it); staff hand it
back when they are done, which resolves the conversation's open escalations and turns the bot on.
The console to come will call hand_back(); until then ops use the CLI:

    DATABASE_URL=postgresql://... python -m receptionist.ops.handback --app ClinicaSonrisa --customer 34600111222

Exit status: 0 handed back (also when the bot was already on), 1 unknown app or customer,
2 usage error (including DATABASE_URL missing).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from typing import Literal

from receptionist.crm import chats, organizations
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
    identity = chats.find_identity(db, org.id, customer_number)
    if identity is None:
        return HandBack("unknown_customer")
    chats.hand_back_to_bot(db, org.id, identity.id)
    return HandBack("handed_back", was_bot_enabled=identity.bot_enabled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.handback",
        description="Hand a WhatsApp conversation back to the bot: resolve its open escalations "
        "and turn the bot on. Connects to the CRM at $DATABASE_URL.",
    )
    parser.add_argument("--app", required=True, help="the organization's Gupshup app name, e.g. ClinicaSonrisa")
    parser.add_argument("--customer", required=True, help="the customer's WhatsApp number, digits only")
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")
    customer = re.sub(r"[\s+()-]", "", args.customer)
    if not re.fullmatch(r"[0-9]{6,15}", customer):
        parser.error("--customer must be a phone number in international format (6 to 15 digits)")
    db = Database(url)
    try:
        outcome = hand_back(db, args.app, customer)
    finally:
        db.close()
    if outcome.result == "unknown_app":
        print(f"no active Gupshup app named {args.app!r}", file=sys.stderr)
        return 1
    if outcome.result == "unknown_customer":
        print(f"no conversation with that customer on {args.app}", file=sys.stderr)
        return 1
    already = " (the bot was already on)" if outcome.was_bot_enabled else ""
    print(f"handed back to the bot{already}: open escalations resolved, bot enabled")
    return 0


if __name__ == "__main__":
    sys.exit(main())
