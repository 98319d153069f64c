"""Retention's rules in the CRM, on PostgreSQL (migration 20261207110000_retention.sql): the windows'
bounds are the code's; what is due is a customer's last activity of any kind against their business's
window; the retention role may call the retention functions and nothing else, and through them remove
only what is due; a customer active again while being removed is kept; media, usage and vault rules."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from privacy_kit import CUSTOMER_KEY
from retention_kit import DAY, add_blocked, add_customer, add_media, db_now, new_business

from receptionist.conversation_key import ConversationKey
from receptionist.crm.connection import Database
from receptionist.crm.retention import CrmRetention, RetentionPrivacyLedger
from receptionist.privacy import keys
from receptionist.privacy.ports import Caller, CustomerActive, ForgetRefused
from receptionist.retention.ports import AnotherRequest, DueMedia
from receptionist.retention.rules import BOUNDS, COLUMNS, DEFAULT, Windows

MONTH = 31 * DAY
RETENTION = Caller(actor="retention")


def _number() -> str:
    return f"349{uuid.uuid4().int % 10**8:08d}"


@pytest.fixture
def retention_db(retention_url: str) -> Any:
    database = Database(retention_url)
    yield database
    database.close()


def test_the_windows_bounds_and_defaults_are_the_code_s(owner: psycopg.Connection[Any]) -> None:
    org, _, _, _ = new_business(owner)
    owner.execute("delete from agent_settings where organization_id = %s", (org,))
    owner.execute("insert into agent_settings (organization_id) values (%s)", (org,))
    row = owner.execute(
        f"select {', '.join(COLUMNS.values())} from agent_settings where organization_id = %s",  # noqa: S608
        (org,),
    ).fetchone()
    assert row == (DEFAULT.text_months, DEFAULT.media_days, DEFAULT.usage_months)
    for field, column in COLUMNS.items():
        low, high = BOUNDS[field]
        for ok in (low, high):
            owner.execute(f"update agent_settings set {column} = %s where organization_id = %s", (ok, org))  # noqa: S608
        for bad in (low - 1, high + 1):
            with pytest.raises(psycopg.errors.CheckViolation, match=f"agent_settings_{column}_check"):
                owner.execute(f"update agent_settings set {column} = %s where organization_id = %s", (bad, org))  # noqa: S608


def test_a_customer_is_due_only_when_nothing_of_any_kind_happened_for_the_window(
    owner: psycopg.Connection[Any], retention_db: Database
) -> None:
    org, app, service, member = new_business(owner)
    now, sm = db_now(owner), (service, member)
    people = {
        "silent": add_customer(owner, org, app, _number(), now, last_message_ago=13 * MONTH),
        "wrote_recently": add_customer(owner, org, app, _number(), now, last_message_ago=11 * MONTH),
        "front_desk_consent": add_customer(owner, org, app, _number(), now, last_message_ago=13 * MONTH,
                                           consent_ago=1 * MONTH),
        "escalation_resolved": add_customer(owner, org, app, _number(), now, last_message_ago=13 * MONTH,
                                            escalation_ago=1 * MONTH),
        "appointment_to_come": add_customer(owner, org, app, _number(), now, last_message_ago=14 * MONTH,
                                            contact=True, service_member=sm, appointment_ago=14 * MONTH,
                                            future_appointment=True),
        "booked_by_phone_long_ago": add_customer(owner, org, app, _number(), now, last_message_ago=None,
                                                 contact=True, service_member=sm, appointment_ago=13 * MONTH),
        "booked_by_phone_lately": add_customer(owner, org, app, _number(), now, last_message_ago=None,
                                               contact=True, service_member=sm, appointment_ago=2 * MONTH),
        "never_wrote_identity": add_customer(owner, org, app, _number(), now, last_message_ago=15 * MONTH,
                                             messages=0, usage=0),
    }  # fmt: skip
    # An answer the business sent a month ago (a staff reply) keeps the conversation alive.
    answered = add_customer(owner, org, app, _number(), now, last_message_ago=13 * MONTH)
    owner.execute(
        "insert into chat_messages (organization_id, chat_identity_id, direction, processed_text, status, turn_id,"
        " created_at) values (%s, %s, 'outbound', 'Le esperamos', 'sent', %s, %s)",
        (org, answered.identity, f"human#{uuid.uuid4().hex}", now - MONTH),
    )
    # The same number is a customer of another business, active there: nothing to do with this one.
    other, other_app, _, _ = new_business(owner)
    add_customer(owner, other, other_app, people["silent"].number, now, last_message_ago=DAY)

    crm = CrmRetention(retention_db)
    due = crm.due_customers(org, 100, None)
    expected = ["never_wrote_identity", "booked_by_phone_long_ago", "silent"]  # the oldest activity first
    assert [d.number for d in due] == [people[k].number for k in expected]
    assert crm.due_customers(other, 100, None) == []
    # Paged by (activity, number): a run never meets one twice.
    first = crm.due_customers(org, 1, None)
    assert crm.due_customers(org, 2, (first[0].last_activity, first[0].number)) == due[1:]
    # The business's own window: 24 months keeps them all.
    owner.execute("update agent_settings set retention_months = 24 where organization_id = %s", (org,))
    assert crm.due_customers(org, 100, None) == []


def test_the_retention_role_calls_its_functions_and_nothing_else(
    owner: psycopg.Connection[Any], retention_db: Database, retention_url: str
) -> None:
    org, app, _, _ = new_business(owner)
    now = db_now(owner)
    active = add_customer(owner, org, app, _number(), now, last_message_ago=2 * MONTH)
    with psycopg.connect(retention_url, autocommit=True) as conn:
        for sql in (
            "select count(*) from contacts",
            "select count(*) from chat_messages",
            "delete from chat_identities",
            "select count(*) from privacy_requests",
            "select count(*) from blocked_customers",
            "select count(*) from retention_marks",
            f"select public.forget_begin(null, '{org}', '{active.number}', 'c-{'0' * 32}', 'erase', null, 'x x x',"
            " 'retention')",
            f"select public.privacy_customer_record('{org}', '{active.number}')",
            f"select public.retention_last_activity('{org}', '{active.number}')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.encode())
    # Through its functions it removes only what is due: an active customer is refused.
    ref = keys.pseudonym(CUSTOMER_KEY.encode(), org, active.number)
    with pytest.raises(CustomerActive):
        RetentionPrivacyLedger(retention_db).begin(RETENTION, org, active.number, ref, "erase", None, "retention")
    assert owner.execute("select count(*) from privacy_requests where organization_id = %s", (org,)).fetchone() == (0,)
    # A mark in the future would skip media never deleted: refused.
    with pytest.raises(ForgetRefused):
        CrmRetention(retention_db).media_done(org, DueMedia(active.number, "wamid.x", now, str(uuid.uuid4())))


def test_a_customer_who_writes_while_being_removed_is_kept_and_the_request_cancelled(
    owner: psycopg.Connection[Any], retention_db: Database
) -> None:
    org, app, _, _ = new_business(owner)
    now = db_now(owner)
    silent = add_customer(owner, org, app, _number(), now, last_message_ago=13 * MONTH, summary=True)
    ref = keys.pseudonym(CUSTOMER_KEY.encode(), org, silent.number)
    ledger = RetentionPrivacyLedger(retention_db)
    begun = ledger.begin(RETENTION, org, silent.number, ref, "erase", None, "retention")
    assert begun.refs.identity_ids == (silent.identity,) and not begun.resumed
    assert ledger.begin(RETENTION, org, silent.number, ref, "erase", None, "retention").resumed  # a rerun resumes it
    ledger.step(RETENTION, org, ref, "langfuse", {"found": 0, "removed": 0})
    owner.execute(  # they write: the processor records their message
        "insert into chat_messages (organization_id, chat_identity_id, direction, processed_text, provider_message_id)"
        " values (%s, %s, 'inbound', 'Hola, ¿tenéis hueco?', %s)",
        (org, silent.identity, f"wamid.{uuid.uuid4().hex}"),
    )
    with pytest.raises(CustomerActive):
        ledger.finish(RETENTION, org, silent.number, ref)
    request = owner.execute(
        "select status, actor, mode, reason from privacy_requests where organization_id = %s", (org,)
    ).fetchone()
    assert request == ("cancelled", "retention", "erase", "retention: no activity for 12 months "
                       "(agent_settings.retention_months)")  # fmt: skip
    assert owner.execute(
        "select count(*) from chat_messages where organization_id = %s and chat_identity_id = %s",
        (org, silent.identity),
    ).fetchone() == (silent.messages + 1,)
    actions = owner.execute(
        "select action, actor, target from audit_log where organization_id = %s order by id", (org,)
    ).fetchall()
    assert actions == [("customer_erase_requested", "retention", ref), ("customer_erase_cancelled", "retention", ref)]


def test_another_request_of_the_customer_is_left_to_its_owner(
    owner: psycopg.Connection[Any], retention_db: Database
) -> None:
    org, app, _, _ = new_business(owner)
    silent = add_customer(owner, org, app, _number(), db_now(owner), last_message_ago=13 * MONTH)
    ref = keys.pseudonym(CUSTOMER_KEY.encode(), org, silent.number)
    owner.execute(
        "insert into privacy_requests (organization_id, customer_ref, mode, reason, actor)"
        " values (%s, %s, 'erase', 'Solicitud escrita', 'owner@x.example')",
        (org, ref),
    )
    with pytest.raises(AnotherRequest):
        RetentionPrivacyLedger(retention_db).begin(RETENTION, org, silent.number, ref, "erase", None, "retention")
    # Nor may retention step or finish it, or cancel it.
    with pytest.raises(ForgetRefused):
        RetentionPrivacyLedger(retention_db).finish(RETENTION, org, silent.number, ref)
    assert CrmRetention(retention_db).cancel(org, ref) is False
    assert owner.execute("select status from privacy_requests where customer_ref = %s", (ref,)).fetchone() == (
        "running",
    )


def test_requests_a_dead_run_left_are_cancelled_after_an_hour(
    owner: psycopg.Connection[Any], retention_db: Database
) -> None:
    org, _, _, _ = new_business(owner)
    for minutes in (90, 10):
        owner.execute(
            "insert into privacy_requests (organization_id, customer_ref, mode, reason, actor, started_at)"
            " values (%s, %s, 'erase', 'retention: x', 'retention', now() - make_interval(mins => %s))",
            (org, f"c-{uuid.uuid4().hex}", minutes),
        )
    assert CrmRetention(retention_db).cancel_stale(org) == 1
    statuses = owner.execute(
        "select status from privacy_requests where organization_id = %s order by started_at", (org,)
    ).fetchall()
    assert statuses == [("cancelled",), ("running",)]


def test_media_past_its_days_is_listed_once_and_the_mark_only_moves_forward(
    owner: psycopg.Connection[Any], retention_db: Database, stores: Any
) -> None:
    org, app, _, _ = new_business(owner, Windows(media_days=30))
    now = db_now(owner)
    person = add_customer(owner, org, app, _number(), now, last_message_ago=DAY)
    old = [add_media(owner, stores, org, app, person, timedelta(days=d), now) for d in (45, 40)]
    add_media(owner, stores, org, app, person, timedelta(days=20), now)
    crm = CrmRetention(retention_db)
    due = crm.due_media(org, 10)
    assert [keys.media_key(str(ConversationKey(app, d.number)), d.message_id) for d in due] == old
    crm.media_done(org, due[0])
    assert crm.due_media(org, 10) == due[1:]
    crm.media_done(org, due[1])
    crm.media_done(org, due[0])  # an older mark (a slower run at the same time) does not move it back
    assert crm.due_media(org, 10) == []
    # The business keeps media 10 days now: the 20-day one is due too; never twice the others.
    owner.execute("update agent_settings set media_retention_days = 10 where organization_id = %s", (org,))
    assert [round((now - d.received_at) / DAY) for d in crm.due_media(org, 10)] == [20]


def test_usage_past_the_window_goes_in_batches(owner: psycopg.Connection[Any], retention_db: Database) -> None:
    org, _, _, _ = new_business(owner, Windows(usage_months=24))
    for i, months in enumerate((30, 26, 25, 23, 1)):
        owner.execute(
            "insert into turn_usage (organization_id, turn_id, at) values (%s, %s, now() - %s)",
            (org, f"t{i}", timedelta(days=31 * months)),
        )
    owner.execute(
        "insert into budget_notices (organization_id, scope, window_start) values (%s, 'tokens', now() - %s),"
        " (%s, 'tokens', now() - interval '1 day')",
        (org, timedelta(days=800), org),
    )
    crm = CrmRetention(retention_db)
    assert crm.remove_usage(org, 2).turn_usage == 2
    last = crm.remove_usage(org, 2)
    assert (last.turn_usage, last.budget_notices) == (1, 0)  # the notice went with the first batch
    assert owner.execute(
        "select turn_id from turn_usage where organization_id = %s order by at", (org,)
    ).fetchall() == [
        ("t3",),
        ("t4",),
    ]
    assert owner.execute("select count(*) from budget_notices where organization_id = %s", (org,)).fetchone() == (1,)


def test_staff_template_sends_past_the_usage_window_go_in_batches(
    owner: psycopg.Connection[Any], retention_db: Database
) -> None:
    """The templates sent to staff numbers (20261212040000) are usage: kept usage_retention_months."""
    org, _, _, _ = new_business(owner, Windows(usage_months=24))
    for i, months in enumerate((30, 26, 25, 1)):
        owner.execute(
            "insert into staff_template_sends (organization_id, send_key, at, template_id, prefix)"
            " values (%s, %s, now() - %s, 'aviso', '346')",
            (org, f"j{i}#staff#0", timedelta(days=31 * months)),
        )
    crm = CrmRetention(retention_db)
    assert crm.remove_usage(org, 2).staff_template_sends == 2
    assert crm.remove_usage(org, 2).staff_template_sends == 1
    assert owner.execute("select send_key from staff_template_sends where organization_id = %s", (org,)).fetchall() == [
        ("j3#staff#0",)
    ]


def test_a_blocked_customer_is_destroyed_at_its_date_and_not_before(
    owner: psycopg.Connection[Any], retention_db: Database, stores: Any
) -> None:
    org, _, _, _ = new_business(owner)
    today = add_blocked(owner, stores, org, _number(), 0)
    later = add_blocked(owner, stores, org, _number(), 1)
    crm = CrmRetention(retention_db)
    due = crm.due_vault(org, 10)
    assert [list(d.media) for d in due] == [today]
    future = owner.execute(
        "select id::text from blocked_customers where organization_id = %s and blocked_until > current_date", (org,)
    ).fetchone()
    assert future is not None and crm.remove_vault(org, future[0]) is False  # not before its date
    assert crm.remove_vault(org, due[0].vault_id) is True
    assert crm.remove_vault(org, due[0].vault_id) is False  # twice: harmless
    left = owner.execute("select media from blocked_customers where organization_id = %s", (org,)).fetchall()
    assert left == [(later,)]
    line = owner.execute(
        "select actor, target, details from audit_log"
        " where organization_id = %s and action = 'blocked_customer_destroyed'",
        (org,),
    ).fetchone()
    assert line is not None and line[0] == "retention" and line[1].startswith("c-") and line[2]["media"] == 2
