"""Reading a business's templates from Gupshup (receptionist.reminders.template_sync) on real parts: the CRM
as the message functions' role under row level security, and the local Gupshup server over HTTP.
Each test makes its own business, app and templates."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.fakes.gupshup import FakeGupshup, HostedTemplate
from receptionist.adapters.gupshup_templates import GupshupTemplates
from receptionist.crm.connection import Database
from receptionist.crm.templates import list_templates, usable_templates
from receptionist.deadline import Deadline
from receptionist.reminders.template_sync import RETRY_AFTER, SYNC_EVERY, TemplateSync

KEY = "key-of-this-app"
PREFIX = "/receptionist/test/gupshup/"
T0 = datetime(2031, 5, 6, 4, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def gupshup() -> Iterator[FakeGupshup]:
    with FakeGupshup(api_key=KEY, hang_seconds=3) as fake:
        yield fake


def business(db: Database, *, app_id: str | None = "new", key_ref: str | None = None) -> dict[str, str]:
    """A business with one active Gupshup connection (its app id; None: not set)."""
    org, app = str(uuid.uuid4()), f"App{uuid.uuid4().hex[:10]}"
    app_id = str(uuid.uuid4()) if app_id == "new" else app_id
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Org {app}"))
    row = db.fetch_one(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref, gupshup_app_id)"
        " values (%s, %s, '34910000999', %s, %s) returning id::text",
        (org, app, key_ref or f"{PREFIX}{app}", app_id),
    )
    assert row is not None
    return {"org": org, "app": app, "app_id": app_id or "", "connection": row["id"]}


def syncer(app_db: Database, gupshup: FakeGupshup, clock: Clock | None = None) -> TemplateSync:
    return TemplateSync(
        app_db,
        GupshupTemplates(gupshup.url, timeout=1.0),
        secret=lambda name: KEY if name.startswith(PREFIX) else "wrong",
        keys_prefix=PREFIX,
        now=clock or Clock(T0),
    )


def sync(app_db: Database, gupshup: FakeGupshup, org: str, clock: Clock | None = None) -> Any:
    with app_db.acting_for(org):
        return syncer(app_db, gupshup, clock).sync(org)


def rows(db: Database, org: str) -> dict[str, dict[str, Any]]:
    found = db.fetch_all(
        "select template_id, label, body, param_count, name, language, category, status, rejected_reason, footer,"
        " buttons, example, removed_at, synced_at from message_templates where organization_id = %s",
        (org,),
    )
    return {r["template_id"]: dict(r) for r in found}


def connection_state(db: Database, connection: str) -> tuple[Any, Any, Any]:
    row = db.fetch_one(
        "select templates_synced_at, templates_sync_error, templates_sync_failed_at from platform_connections"
        " where id = %s",
        (connection,),
    )
    assert row is not None
    return row["templates_synced_at"], row["templates_sync_error"], row["templates_sync_failed_at"]


def reminder_template(app_id: str, gupshup: FakeGupshup, **changes: Any) -> HostedTemplate:
    template = HostedTemplate(
        f"id-{uuid.uuid4().hex[:8]}",
        "recordatorio",
        "Hola {{1}}, tu cita es el {{2}}.",
        buttons=("Confirmar", "Cancelar", "Cambiar"),
        footer="Responde con un botón",
        example="Hola Lucía, tu cita es el lunes 10:00.",
        **changes,
    )
    gupshup.add_template(app_id, template)
    return template


def test_a_sync_inserts_what_gupshup_lists(db: Database, app_db: Database, gupshup: FakeGupshup) -> None:
    biz = business(db)
    reminder = reminder_template(biz["app_id"], gupshup)
    pending = HostedTemplate(f"id-{uuid.uuid4().hex[:8]}", "promo", "Oferta", category="MARKETING", status="PENDING")
    gupshup.add_template(biz["app_id"], pending)

    result = sync(app_db, gupshup, biz["org"])

    assert result.ok and (result.counts.added, result.counts.updated, result.counts.removed) == (2, 0, 0)
    stored = rows(db, biz["org"])
    r = stored[reminder.id]
    assert (r["name"], r["label"], r["language"], r["category"], r["status"]) == (
        "recordatorio", "recordatorio", "es", "UTILITY", "APPROVED",
    )  # fmt: skip
    assert (r["body"], r["param_count"], r["footer"]) == (
        "Hola {{1}}, tu cita es el {{2}}.",
        2,
        "Responde con un botón",
    )
    assert [b["text"] for b in r["buttons"]] == ["Confirmar", "Cancelar", "Cambiar"]
    assert r["example"] == "Hola Lucía, tu cita es el lunes 10:00." and r["synced_at"] == T0
    assert stored[pending.id]["status"] == "PENDING" and stored[pending.id]["category"] == "MARKETING"
    with app_db.acting_for(biz["org"]):
        assert [t.template_id for t in usable_templates(app_db, biz["org"])] == [reminder.id]
    assert connection_state(db, biz["connection"]) == (T0, None, None)
    assert gupshup.received(f"/wa/app/{biz['app_id']}/template")[0].headers["apikey"] == KEY


def test_a_sync_brings_statuses_up_to_date(db: Database, app_db: Database, gupshup: FakeGupshup) -> None:
    biz = business(db)
    first = reminder_template(biz["app_id"], gupshup, status="PENDING")
    second = HostedTemplate(f"id-{uuid.uuid4().hex[:8]}", "retomar", "Hola {{1}}", status="PENDING")
    gupshup.add_template(biz["app_id"], second)
    sync(app_db, gupshup, biz["org"])
    db.execute("update message_templates set label = 'Recordatorio (24 h)' where template_id = %s", (first.id,))

    gupshup.set_template_status(biz["app_id"], first.id, "APPROVED")
    gupshup.set_template_status(biz["app_id"], second.id, "REJECTED", reason="INVALID_FORMAT")
    result = sync(app_db, gupshup, biz["org"], Clock(T0 + timedelta(hours=1)))

    assert (result.counts.added, result.counts.updated, result.counts.unchanged) == (0, 2, 0)
    stored = rows(db, biz["org"])
    assert stored[first.id]["status"] == "APPROVED" and stored[first.id]["label"] == "Recordatorio (24 h)"
    assert (stored[second.id]["status"], stored[second.id]["rejected_reason"]) == ("REJECTED", "INVALID_FORMAT")
    with app_db.acting_for(biz["org"]):
        by_id = {t.template_id: t for t in list_templates(app_db, biz["org"])}
    assert by_id[first.id].usable and not by_id[second.id].usable
    assert sync(app_db, gupshup, biz["org"]).counts.unchanged == 2  # nothing new: nothing counted as changed


def test_a_template_gupshup_no_longer_lists_is_kept_but_never_offered(
    db: Database, app_db: Database, gupshup: FakeGupshup
) -> None:
    biz = business(db)
    kept = reminder_template(biz["app_id"], gupshup)
    gone = HostedTemplate(f"id-{uuid.uuid4().hex[:8]}", "antigua", "Texto")
    gupshup.add_template(biz["app_id"], gone)
    sync(app_db, gupshup, biz["org"])

    gupshup.remove_template(biz["app_id"], gone.id)
    later = T0 + timedelta(days=1)
    assert sync(app_db, gupshup, biz["org"], Clock(later)).counts.removed == 1
    stored = rows(db, biz["org"])
    assert stored[gone.id]["removed_at"] == later and stored[gone.id]["status"] == "APPROVED"
    with app_db.acting_for(biz["org"]):
        assert [t.template_id for t in usable_templates(app_db, biz["org"])] == [kept.id]
        listed = {t.template_id: t for t in list_templates(app_db, biz["org"])}
    assert listed[gone.id].removed and not listed[gone.id].usable

    gupshup.add_template(biz["app_id"], gone)  # listed again (restored in Gupshup)
    sync(app_db, gupshup, biz["org"])
    assert rows(db, biz["org"])[gone.id]["removed_at"] is None


@pytest.mark.parametrize("failure", ["500", "429", "garbage", "hang"])
def test_gupshup_failing_keeps_the_rows_and_says_why(
    db: Database, app_db: Database, gupshup: FakeGupshup, failure: str
) -> None:
    biz = business(db)
    template = reminder_template(biz["app_id"], gupshup)
    sync(app_db, gupshup, biz["org"])
    before = rows(db, biz["org"])
    gupshup.remove_template(biz["app_id"], template.id)  # were the failure read as "no templates", it would go

    gupshup.fail_next(failure)
    failed_at = T0 + timedelta(hours=2)
    result = sync(app_db, gupshup, biz["org"], Clock(failed_at))

    assert not result.ok and result.counts is None
    assert result.error == ("garbage" if failure == "garbage" else "unreachable")
    assert rows(db, biz["org"]) == before
    assert connection_state(db, biz["connection"]) == (T0, result.error, failed_at)
    # Gupshup back: the next sync reads the list whole, and the error is cleared.
    assert sync(app_db, gupshup, biz["org"], Clock(failed_at)).counts.removed == 1
    assert connection_state(db, biz["connection"]) == (failed_at, None, None)


def test_a_refused_key_a_missing_app_id_or_a_key_outside_the_prefix_write_nothing(
    db: Database, app_db: Database, gupshup: FakeGupshup
) -> None:
    unknown = business(db)  # an app id Gupshup does not know
    assert sync(app_db, gupshup, unknown["org"]).error == "refused"
    no_id = business(db, app_id=None)
    assert sync(app_db, gupshup, no_id["org"]).error == "no_app_id"
    assert connection_state(db, no_id["connection"])[1] == "no_app_id"
    outside = business(db, key_ref="/receptionist/other/gupshup/x")
    reminder_template(outside["app_id"], gupshup)
    assert sync(app_db, gupshup, outside["org"]).error == "no_key"
    for biz in (unknown, no_id, outside):
        assert rows(db, biz["org"]) == {}
    assert not gupshup.received(f"/wa/app/{outside['app_id']}/template")  # its key was never read, nor sent


def test_the_daily_run_syncs_each_due_business_alone(db: Database, app_db: Database, gupshup: FakeGupshup) -> None:
    # Due first: never synced. Other tests' businesses may be due too: the limit is past them all.
    good, bad = business(db), business(db)
    template = reminder_template(good["app_id"], gupshup)
    clock = Clock(T0)
    run = syncer(app_db, gupshup, clock)
    report = run.run_due(T0, Deadline.after(60), limit=10_000)

    assert report.synced >= 1 and report.failed >= 1
    assert template.id in rows(db, good["org"])
    assert connection_state(db, bad["connection"])[1] == "refused"

    def due(at: datetime) -> set[str]:
        found = app_db.fetch_all(
            "select organization_id::text from templates_sync_due(%s, %s, %s, 10000)", (at, SYNC_EVERY, RETRY_AFTER)
        )
        return {r["organization_id"] for r in found} & {good["org"], bad["org"]}

    assert due(T0 + timedelta(minutes=5)) == set()  # synced today; failed just now
    assert due(T0 + RETRY_AFTER) == {bad["org"]}  # a failure is tried again after RETRY_AFTER
    assert due(T0 + SYNC_EVERY) == {good["org"], bad["org"]}  # and every business daily


def test_the_daily_run_leaves_the_rest_when_time_runs_out(db: Database, app_db: Database, gupshup: FakeGupshup) -> None:
    biz = business(db)
    reminder_template(biz["app_id"], gupshup)
    report = syncer(app_db, gupshup).run_due(T0, Deadline.passed(), limit=10_000)
    assert report.synced == report.failed == 0
    assert rows(db, biz["org"]) == {} and connection_state(db, biz["connection"]) == (None, None, None)


def test_a_sync_writes_only_its_own_business(db: Database, app_db: Database, gupshup: FakeGupshup) -> None:
    mine, other = business(db), business(db)
    reminder_template(mine["app_id"], gupshup)
    theirs = reminder_template(other["app_id"], gupshup)
    sync(app_db, gupshup, other["org"])
    gupshup.remove_template(other["app_id"], theirs.id)
    sync(app_db, gupshup, mine["org"])
    assert rows(db, other["org"])[theirs.id]["removed_at"] is None  # another business's rows untouched
