"""Where the AI disclosure is recorded (migration 20261207080000): on the customer's chat identity,
due for a new one, cleared by the turn that carried it (whose retries still carry it), due again
after the business's silence; the business's sentence and silence come with the organization."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_kit import OrgFactory

from receptionist import disclosure
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app

T0 = datetime(2031, 2, 1, 9, 0, tzinfo=UTC)
SILENCE = timedelta(days=180)


def test_due_for_a_new_customer_then_after_a_silence(db: Database, app_db: Database, make_org: OrgFactory) -> None:
    org = make_org()["org"]
    number = f"346{uuid.uuid4().int % 10**8:08d}"
    with app_db.acting_for(org):
        first = chats.touch_identity(app_db, org, number, None, T0, silence=SILENCE)
        assert disclosure.due(first, "turn-1")
        chats.mark_disclosed(app_db, org, first.id, "turn-1", "0123456789ab")
        retried = chats.touch_identity(app_db, org, number, None, T0, silence=SILENCE)
        assert not retried.disclosure_due and disclosure.due(retried, "turn-1")  # that turn's retry says it again
        assert not disclosure.due(retried, "turn-2")
        later = chats.touch_identity(app_db, org, number, None, T0 + SILENCE - timedelta(minutes=1), silence=SILENCE)
        assert not disclosure.due(later, "turn-3")
        back = chats.touch_identity(app_db, org, number, None, later.last_inbound_at + SILENCE, silence=SILENCE)  # type: ignore[operator]
        assert disclosure.due(back, "turn-4")
        # A late, older message does not make it due, nor does a touch that is no message.
        chats.mark_disclosed(app_db, org, first.id, "turn-4", "0123456789ab")
        assert not chats.touch_identity(app_db, org, number, None, T0, silence=SILENCE).disclosure_due
        assert not chats.touch_identity(app_db, org, number, None, None, silence=SILENCE).disclosure_due
    row = db.fetch_one(
        "select disclosure_due, disclosure_turn, disclosure_version, disclosed_at from chat_identities where id = %s",
        (first.id,),
    )
    assert row is not None and row["disclosed_at"] is not None
    assert (row["disclosure_due"], row["disclosure_turn"], row["disclosure_version"]) == (
        False,
        "turn-4",
        "0123456789ab",
    )


def test_the_same_turn_marking_again_keeps_the_first_time(db: Database, make_org: OrgFactory) -> None:
    org = make_org()["org"]
    identity = chats.touch_identity(db, org, f"346{uuid.uuid4().int % 10**8:08d}", None, T0)
    chats.mark_disclosed(db, org, identity.id, "turn-1", "0123456789ab")
    first = db.fetch_one("select disclosed_at from chat_identities where id = %s", (identity.id,))
    chats.mark_disclosed(db, org, identity.id, "turn-1", "0123456789ab")
    assert db.fetch_one("select disclosed_at from chat_identities where id = %s", (identity.id,)) == first


def test_the_business_s_sentence_and_silence_come_with_it(db: Database, app_db: Database, make_org: OrgFactory) -> None:
    made = make_org()
    resolved = resolve_by_app(app_db, made["app"])
    assert resolved is not None
    assert (resolved.settings.disclosure_text, resolved.settings.disclosure_after_days) == (None, 180)
    db.execute(
        "update agent_settings set disclosure_text = 'Soy un bot.', disclosure_after_days = 30"
        " where organization_id = %s",
        (made["org"],),
    )
    resolved = resolve_by_app(app_db, made["app"])
    assert resolved is not None
    assert (resolved.settings.disclosure_text, resolved.settings.disclosure_after_days) == ("Soy un bot.", 30)
