"""escalate_to_human and the business's hours for people (issue 27, point 5), through the real
graph, tools and CRM with the demo clinic (opening hours by default: the union of its staff's,
Monday to Thursday 09:00-20:00, Friday 09:00-15:00 and 16:00-20:00, Madrid) on a frozen clock:
asked for a person outside them, the turn carries the code's sentence with the next opening, in
the business's language and time; inside them, none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from receptionist.agent.context import Conversation
from receptionist.crm import chats
from receptionist.crm.organizations import resolve_by_app

DEMO_ORG = "00000000-0000-4000-8000-000000000001"


def _asks_for_a_person(r: Any, db: Any, at: datetime) -> tuple[Any, Conversation]:
    org = resolve_by_app(db, "ClinicaSonrisa")
    assert org
    identity = chats.touch_identity(db, org.id, r.customer, "Cliente", at)
    conv = Conversation(r.app_db, org, identity, turn_id=f"turn-{uuid.uuid4().hex[:8]}", now=lambda: at)
    r.model.call("escalate_to_human", reason="Pide hablar con una persona").say("Te paso con el equipo.")
    return r.say("Quiero hablar con una persona", conv), conv


@pytest.mark.parametrize(
    ("at", "sentence", "opening"),
    [
        (  # Monday 22:30 in Madrid
            datetime(2031, 3, 3, 21, 30, tzinfo=UTC),
            "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat mañana a partir de las 9:00.",
            datetime(2031, 3, 4, 8, 0, tzinfo=UTC),
        ),
        (  # Friday 15:20: between the two shifts
            datetime(2031, 3, 7, 14, 20, tzinfo=UTC),
            "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat hoy a partir de las 16:00.",
            datetime(2031, 3, 7, 15, 0, tzinfo=UTC),
        ),
        (  # Saturday morning
            datetime(2031, 3, 8, 10, 0, tzinfo=UTC),
            "Ahora mismo no hay nadie del equipo atendiendo; te responderán por este chat el lunes 10 de marzo a"
            " partir de las 9:00.",
            datetime(2031, 3, 10, 8, 0, tzinfo=UTC),
        ),
    ],
)
def test_outside_the_hours_the_turn_carries_the_next_opening_in_the_code_s_words(
    receptionist: Any, db: Any, at: datetime, sentence: str, opening: datetime
) -> None:
    r = receptionist()
    result, conv = _asks_for_a_person(r, db, at)
    assert result.handoff_note == sentence
    assert result.escalations == ["Pide hablar con una persona"]  # staff told now (the clinic's setting)
    (tool,) = r.tool_results()
    assert sentence in tool["content"]  # the model is told what the code will add
    row = db.fetch_one(
        "select waiting_since, notify_at, created_at from escalations where turn_id = %s", (conv.turn_id,)
    )
    assert row == {"waiting_since": opening, "notify_at": None, "created_at": at}


def test_inside_the_hours_no_sentence_is_added(receptionist: Any, db: Any) -> None:
    r = receptionist()
    result, conv = _asks_for_a_person(r, db, datetime(2031, 3, 3, 9, 0, tzinfo=UTC))  # Monday 10:00
    assert result.handoff_note is None and result.escalations == ["Pide hablar con una persona"]
    row = db.fetch_one("select waiting_since, created_at from escalations where turn_id = %s", (conv.turn_id,))
    assert row["waiting_since"] == row["created_at"] == datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
