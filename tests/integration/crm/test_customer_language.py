"""A customer's language on their chat identity (crm/customer_language.py): detected, chosen by
staff (who outrank the detector), given back to detection; one statement each; row level security
keeps it to the acting organization."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_kit import DEMO_ORG, OrgFactory

from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.customer_language import CustomerLanguage, customer_language, set_by_staff, set_detected
from receptionist.crm.export import CrmCustomerData

T0 = datetime(2031, 3, 1, 10, tzinfo=UTC)


def _customer(db: Database, org: str = DEMO_ORG) -> str:
    return chats.touch_identity(db, org, f"3466{uuid.uuid4().int % 10**7:07d}", None, T0).id


def _number(db: Database, identity: str) -> str:
    row = db.fetch_one("select customer_number from chat_identities where id = %s", (identity,))
    assert row is not None
    return str(row["customer_number"])


def test_detected_then_changed_and_read_back_one_statement_each(app_db: Database, db: Database) -> None:
    identity = _customer(db)
    with app_db.acting_for(DEMO_ORG):
        before = app_db.round_trips
        assert set_detected(app_db, DEMO_ORG, identity, "pt_BR", T0)
        assert app_db.round_trips - before == 1
        assert not set_detected(app_db, DEMO_ORG, identity, "pt_BR", T0 + timedelta(minutes=1))  # no change
        assert set_detected(app_db, DEMO_ORG, identity, "en", T0 + timedelta(minutes=2))
        assert not set_detected(app_db, DEMO_ORG, identity, "ca", T0)  # older than what is stored: a late retry
        assert customer_language(app_db, DEMO_ORG, identity) == CustomerLanguage(
            "en", "detected", T0 + timedelta(minutes=2)
        )
    # The identity a turn reads carries it (crm/chats.py).
    touched = chats.touch_identity(db, DEMO_ORG, _number(db, identity), None, T0 + timedelta(minutes=3))
    assert (touched.language, touched.language_source) == ("en", "detected")


def test_staff_s_choice_is_never_overridden_and_none_gives_it_back(app_db: Database, db: Database) -> None:
    identity = _customer(db)
    with app_db.acting_for(DEMO_ORG):
        assert set_detected(app_db, DEMO_ORG, identity, "en", T0)
        assert set_by_staff(app_db, DEMO_ORG, identity, "es_PE", T0 + timedelta(hours=1))
        assert not set_detected(app_db, DEMO_ORG, identity, "pt_BR", T0 + timedelta(days=3))
        assert customer_language(app_db, DEMO_ORG, identity) == CustomerLanguage(
            "es_PE", "staff", T0 + timedelta(hours=1)
        )
        assert set_by_staff(app_db, DEMO_ORG, identity, None, T0 + timedelta(days=4))
        assert customer_language(app_db, DEMO_ORG, identity) is None
        row = app_db.fetch_one(
            "select language, language_source, language_set_at from chat_identities where id = %s", (identity,)
        )
        assert row == {"language": None, "language_source": None, "language_set_at": None}
        # Back to detection: the next confident detection sets it again, at any time.
        assert set_detected(app_db, DEMO_ORG, identity, "pt_BR", T0)


def test_another_organization_s_customer_is_out_of_reach(app_db: Database, db: Database, make_org: OrgFactory) -> None:
    other = make_org()["org"]
    theirs = _customer(db, other)
    with app_db.acting_for(DEMO_ORG):
        # Even naming the other organization: row level security hides its rows.
        assert not set_detected(app_db, other, theirs, "en", T0)
        assert not set_by_staff(app_db, other, theirs, "en", T0)
        assert customer_language(app_db, other, theirs) is None
    assert db.fetch_one("select language from chat_identities where id = %s", (theirs,)) == {"language": None}


def test_the_customer_s_export_carries_their_language(db: Database) -> None:
    identity = _customer(db)
    set_by_staff(db, DEMO_ORG, identity, "ca", T0)
    records = CrmCustomerData(db).records(DEMO_ORG, _number(db, identity))
    assert records is not None and records.conversation is not None
    conversation = records.conversation
    assert (conversation.language, conversation.language_source, conversation.language_set_at) == ("ca", "staff", T0)
