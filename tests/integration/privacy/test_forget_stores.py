"""Blocking and erasing one customer on real parts: the CRM's SQL (as the tables' owner, and as the
console's role for an owner), the template's DynamoDB tables and bucket in moto, a local Langfuse.
After an erasure, a scan of every row of every public table, every item of the three tables, every
object of the bucket and everything Langfuse keeps finds none of the customer's number, name, words
or media; the business's other customers and the same number at another business are untouched."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest
from privacy_kit import CUSTOMER_KEY, STAFF, Seeded, Stores, new_number, scan_all, seed_customer

from devstack.fakes.langfuse import FakeLangfuse
from receptionist.crm.connection import Database
from receptionist.privacy import keys
from receptionist.privacy.forget import ForgetService
from receptionist.privacy.ports import Caller, ForgetRefused
from receptionist.privacy.stores import TABLES, customer_tables
from receptionist.privacy.wiring import build_forget

CLINIC, APP = "00000000-0000-4000-8000-000000000001", "ClinicaSonrisa"
SALON, SALON_APP = "00000000-0000-4000-9000-000000000001", "SalonLima"
OPS = Caller(actor="ops:test")
REASON = "Solicitud de supresión por escrito (art. 17 RGPD)"


def _service(db: Database, stores: Stores, langfuse: FakeLangfuse | None) -> ForgetService:
    secrets = stores.secrets(langfuse)
    names = stores.names(langfuse.url if langfuse else "")
    return build_forget(db, names, secret=secrets.__getitem__, dynamodb=stores.ddb, s3=stores.s3)


def _ids(seeded: Seeded) -> dict[str, Any]:
    return {
        "org": seeded.organization,
        "number": seeded.number,
        "identities": [seeded.identity],
        "contacts": [seeded.contact],
    }


def test_an_erasure_leaves_nothing_of_the_customer_in_any_store(
    db: Database, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    target = seed_customer(db, stores, langfuse, CLINIC, APP, new_number())
    neighbour = seed_customer(db, stores, langfuse, CLINIC, APP, new_number())
    before = scan_all(seeded_url, stores, langfuse)
    # The scan sees the customer where the code put them: in every store.
    seen = {store for _, store, _ in before.hits(target.needles())}
    assert seen == {"postgres", "dynamodb", "s3", "langfuse"}
    assert any(name.startswith("checkpoints/") for _, store, name in before.hits(target.needles()) if store == "s3")
    neighbour_before = sorted(before.hits(neighbour.needles()))

    outcome = _service(db, stores, langfuse).forget(OPS, CLINIC, target.number, "erase", REASON)

    after = scan_all(seeded_url, stores, langfuse)
    assert after.hits(target.needles()) == []
    assert sorted(after.hits(neighbour.needles())) == neighbour_before  # the business's other customer
    assert {n: r.removed > 0 for n, r in outcome.stores.items()} == dict.fromkeys(outcome.stores, True)
    # The notifier's records of the reply and the staff notice (job and send each): no text or
    # number in them, so the scan cannot see them; found by the ids derived from the CRM, all gone.
    assert outcome.stores["idempotency"].found == 4
    derived = [keys.idempotency_id(scope, key) for scope, key in (
        ("job", f"{target.turns[0]}#reply"), ("send", f"{target.turns[0]}#reply#0"),
        ("job", f"{target.turns[0]}#escalation#0"), ("send", f"{target.turns[0]}#escalation#0#staff#{STAFF}"),
    )]  # fmt: skip
    for record in derived:
        assert "Item" not in stores.ddb.get_item(TableName=stores.idempotency, Key={"id": {"S": record}})
    assert outcome.rows["chat_messages"] == 5 and outcome.rows["appointments"] == 2
    assert outcome.rows["appointments_cancelled"] == 1  # the one still to come

    # Each table of the data map: the customer's rows gone, or kept with the link to them cut.
    for table, rule in customer_tables().items():
        if not rule.rows:
            continue
        rows = db.fetch_all(f"select * from {table} where {rule.rows}", _ids(target))  # noqa: S608
        if rule.treatment == "deleted":
            assert rows == [], table
    anonymous = db.fetch_all(
        "select contact_id, notes, idempotency_key, status from appointments where id = any(%s::uuid[])",
        (target.appointments,),
    )
    assert sorted(r["status"] for r in anonymous) == ["cancelled", "completed"]  # the counts stay
    assert all(r["contact_id"] is None and r["notes"] is None and r["idempotency_key"] is None for r in anonymous)
    usage = db.fetch_all("select chat_identity_id from turn_usage where turn_id = %s", (target.turns[0],))
    assert usage == [{"chat_identity_id": None}]
    recalled = db.fetch_all(
        "select contact_id, status from recalls where last_appointment_id = any(%s::uuid[])", (target.appointments,)
    )
    assert recalled == [{"contact_id": None, "status": "declined"}]  # the recall's count stays, unlinked

    # Audited with the reason, named by the pseudonym only; the request is done.
    lines = db.fetch_all(
        "select action, target, details::text as details from audit_log where target = %s order by id",
        (target.pseudonym,),
    )
    assert [r["action"] for r in lines] == ["customer_erase_requested", "customer_erased"]
    assert all(REASON in r["details"] and target.number not in r["details"] for r in lines)
    request = db.fetch_one("select status, actor from privacy_requests where id = %s", (outcome.request_id,))
    assert request == {"status": "done", "actor": "ops:test"}

    # Erasing twice is harmless: a new request that finds nothing.
    again = _service(db, stores, langfuse).forget(OPS, CLINIC, target.number, "erase", REASON)
    assert again.request_id != outcome.request_id and again.items_removed == 0
    assert scan_all(seeded_url, stores, langfuse).hits(target.needles()) == []


def test_the_same_number_at_another_business_is_untouched(
    db: Database, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    number = new_number()
    clinic = seed_customer(db, stores, langfuse, CLINIC, APP, number)
    salon = seed_customer(db, stores, langfuse, SALON, SALON_APP, number)
    salon_before = sorted(scan_all(seeded_url, stores, langfuse).hits(salon.needles(number=False)))
    assert salon_before
    _service(db, stores, langfuse).forget(OPS, CLINIC, number, "erase", REASON)
    after = scan_all(seeded_url, stores, langfuse)
    assert after.hits(clinic.needles(number=False)) == []
    assert sorted(after.hits(salon.needles(number=False))) == salon_before
    assert db.fetch_one(
        "select count(*) as n from chat_identities where customer_number = %s and organization_id = %s",
        (number, SALON),
    ) == {"n": 1}


def test_a_block_keeps_the_record_in_the_owner_s_vault_until_its_date(
    db: Database, app_db: Database, console_db: Database, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    target = seed_customer(db, stores, langfuse, CLINIC, APP, new_number())
    until = date.today() + timedelta(days=400)
    outcome = _service(db, stores, langfuse).forget(OPS, CLINIC, target.number, "block", REASON, until)
    assert outcome.until == until and outcome.stores["media"].kept == 2

    # Gone from everything staff, the assistant and the jobs read...
    for table in ("chat_identities", "contacts", "chat_messages", "escalations", "thread_summaries"):
        assert db.fetch_all(f"select 1 from {table} where {TABLES[table].rows}", _ids(target)) == [], table  # noqa: S608
    # ...kept whole in the vault, until its date, with the media copies it lists.
    vault = db.fetch_one(
        "select blocked_until, record, media from blocked_customers where customer_number = %s", (target.number,)
    )
    assert vault is not None and vault["blocked_until"] == until
    record = str(vault["record"])
    assert target.name in record and all(w in record for w in target.words)
    assert len(vault["media"]) == 2
    bodies = [stores.s3.get_object(Bucket=stores.bucket, Key=k)["Body"].read() for k in vault["media"]]
    assert sorted(bodies) == sorted(target.media)
    assert all(target.number not in k and k.startswith(f"blocked/{target.pseudonym}/") for k in vault["media"])
    # Only the tables' owner reads the vault and the requests: neither function role.
    for role in (app_db, console_db):
        for table in ("blocked_customers", "privacy_requests"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), role.acting_for(CLINIC):
                role.fetch_all(f"select * from {table}")  # noqa: S608
    # Outside the vault the scan finds nothing of them.
    outside = [h for h in scan_all(seeded_url, stores, langfuse).hits(target.needles()) if h[2] != "blocked_customers"]
    assert [h for h in outside if not h[2].startswith(f"blocked/{target.pseudonym}/")] == []

    # A later erasure (the claims period is over, or the customer insists) takes the vault too.
    erased = _service(db, stores, langfuse).forget(OPS, CLINIC, target.number, "erase", "Fin del plazo de reclamación")
    assert erased.rows["blocked_customers"] == 1 and erased.stores["media"].removed == 2
    assert scan_all(seeded_url, stores, langfuse).hits(target.needles()) == []


def test_a_run_that_stopped_midway_is_finished_by_the_next(
    db: Database, seeded_url: str, stores: Stores, langfuse: FakeLangfuse
) -> None:
    target = seed_customer(db, stores, langfuse, CLINIC, APP, new_number())
    service = _service(db, stores, langfuse)
    langfuse.fail_next("500", "500", "500")  # Langfuse down: three attempts, then the step fails
    with pytest.raises(Exception, match="Langfuse answered 500"):
        service.forget(OPS, CLINIC, target.number, "erase", REASON)
    running = db.fetch_one(
        "select status, steps from privacy_requests where customer_ref = %s order by started_at desc limit 1",
        (target.pseudonym,),
    )
    assert running == {"status": "running", "steps": {}}
    # The hold: the assistant does not answer the customer while the request runs.
    assert db.fetch_one("select bot_enabled from chat_identities where id = %s", (target.identity,)) == {
        "bot_enabled": False
    }
    outcome = service.forget(OPS, CLINIC, target.number, "erase", REASON)
    assert outcome.resumed and scan_all(seeded_url, stores, langfuse).hits(target.needles()) == []
    assert db.fetch_one(
        "select count(*) as n from audit_log where target = %s and action = 'customer_erase_requested'",
        (target.pseudonym,),
    ) == {"n": 1}  # one request, audited once


def test_the_reason_must_not_name_the_customer(db: Database, stores: Stores, langfuse: FakeLangfuse) -> None:
    target = seed_customer(db, stores, langfuse, CLINIC, APP, new_number())
    service = _service(db, stores, langfuse)
    surname = target.name.split()[1]
    for reason in (f"Lo pidió {target.name}", f"Petición de la Sra. {surname} por correo"):
        with pytest.raises(ForgetRefused) as refused:
            service.forget(OPS, CLINIC, target.number, "erase", reason)
        assert refused.value.code == "reason_names_customer"
    assert db.fetch_one("select count(*) as n from privacy_requests where customer_ref = %s", (target.pseudonym,)) == {
        "n": 0
    }


def test_only_an_owner_of_the_business_may_ask_through_the_console_role(
    db: Database, console_db: Database, app_db: Database, stores: Stores
) -> None:
    target = seed_customer(db, stores, None, CLINIC, APP, new_number())
    subs = {}
    for org, role in ((CLINIC, "staff"), (SALON, "owner"), (CLINIC, "owner")):
        sub = f"sub-{uuid.uuid4().hex}"
        db.execute(
            "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, %s)",
            (sub, org, f"{sub}@example.com", role),
        )
        subs[(org, role)] = sub
    console = _service(console_db, stores, None)
    for caller in (Caller(sub=subs[(CLINIC, "staff")]), Caller(sub=subs[(SALON, "owner")]), Caller(actor="ops:x")):
        with pytest.raises(ForgetRefused) as refused:
            console.forget(caller, CLINIC, target.number, "erase", REASON)
        assert refused.value.code == "not_allowed"
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # the message functions cannot call it at all
        _service(app_db, stores, None).forget(OPS, CLINIC, target.number, "erase", REASON)
    outcome = console.forget(Caller(sub=subs[(CLINIC, "owner")]), CLINIC, target.number, "erase", REASON)
    assert outcome.rows["chat_identities"] == 1
    line = db.fetch_one(
        "select actor from audit_log where target = %s and action = 'customer_erased'", (target.pseudonym,)
    )
    assert line == {"actor": f"{subs[(CLINIC, 'owner')]}@example.com"}
    assert CUSTOMER_KEY not in str(db.fetch_all("select details::text from audit_log where target = %s",
                                                 (target.pseudonym,)))  # fmt: skip
