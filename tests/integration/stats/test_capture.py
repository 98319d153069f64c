"""The facts the roll-up measures, kept as the message path writes them (docs/stats.md): the
webhook's receipt on inbound rows, Gupshup's acceptance and the template on outbound rows, the
model on a turn's usage. No extra round trip: each rides on the statement that already ran."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.adapters.turn_crm import TurnCrm
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.turns import AgentAnswer, BufferedMessage


def _customer(db: Database) -> tuple[str, str]:
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Capture {org[:8]}"))
    identity = chats.touch_identity(db, org, "34600777001", None, None)
    return org, identity.id


def test_an_inbound_row_keeps_the_webhook_receipt_once(db: Database) -> None:
    org, identity = _customer(db)
    received_ms = 1_773_140_400_123  # the ticket's received_at_ms
    message = BufferedMessage("sk", "wamid.R1", "text", {"type": "text"}, received_ms)
    crm = TurnCrm(db)
    crm.record_inbound(org, identity, message, "hola", "turn-1")
    crm.record_inbound(org, identity, BufferedMessage("sk", "wamid.R1", "text", {}, received_ms + 5000), "hola", "t")
    row = db.fetch_one("select received_at from chat_messages where organization_id = %s", (org,))
    assert row is not None and row["received_at"] == datetime.fromtimestamp(received_ms / 1000, tz=UTC)


def test_an_outbound_row_keeps_its_template_and_when_gupshup_accepted_it(db: Database) -> None:
    org, identity = _customer(db)
    crm = DeliveryCrm(db)
    row_id = crm.record_part(
        org,
        identity,
        text="[template recordatorio]",
        turn_id="job-1",
        part_index=0,
        kind="template",
        template_id="recordatorio",
    )
    queued = db.fetch_one("select template_id, accepted_at from chat_messages where id = %s", (row_id,))
    assert queued is not None and (queued["template_id"], queued["accepted_at"]) == ("recordatorio", None)
    crm.mark_sent(org, row_id, "gs-accepted-1")
    sent = db.fetch_one("select accepted_at, now() as now from chat_messages where id = %s", (row_id,))
    assert sent is not None and sent["accepted_at"] is not None and sent["accepted_at"] <= sent["now"]
    first = sent["accepted_at"]
    crm.mark_sent(org, row_id, "gs-accepted-1")  # a repeated acceptance changes nothing
    again = db.fetch_one("select accepted_at from chat_messages where id = %s", (row_id,))
    assert again is not None and again["accepted_at"] == first


def test_a_turn_usage_keeps_its_model(db: Database) -> None:
    org, identity = _customer(db)
    crm = TurnCrm(db)
    crm.record_usage(org, identity, "turn-9", AgentAnswer("ok", [], 1, 100, 10, model="gpt-4.1-mini"))
    crm.record_usage(org, identity, "turn-9", AgentAnswer("ok", [], 1, 50, 5))  # a retry that knew no model
    row = db.fetch_one("select model, prompt_tokens from turn_usage where organization_id = %s", (org,))
    assert row is not None and (row["model"], row["prompt_tokens"]) == ("gpt-4.1-mini", 150)
