"""`python -m receptionist.ops.outcomes` on the test PostgreSQL: marking outcomes as the console
does (history, audit, refusals with a sentence and exit status 1), and the per-business report
(text and JSON, one business or every one the connection sees, never a customer's name or number).

Every test creates its own businesses; appointments are placed around the real clock (the CLI
marks against now)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from receptionist.crm.connection import Database
from receptionist.crm.outcomes import local_period
from receptionist.ops.outcomes import main

ROOT = Path(__file__).resolve().parents[3]
TZ = "Europe/Madrid"


@dataclass
class Shop:
    org: str
    app: str
    name: str
    service: str
    member: str


def _shop(db: Database) -> Shop:
    org, app = str(uuid.uuid4()), f"Shop{uuid.uuid4().hex[:10]}"
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
    db.execute("insert into agent_settings (organization_id, timezone) values (%s, %s)", (org, TZ))
    db.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000998', '/x')",
        (org, app),
    )
    service = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', 30, 1500)"
        " returning id::text",
        (org,),
    )
    member = db.fetch_one("insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (org,))
    assert service and member
    return Shop(org, app, f"Negocio {app}", service["id"], member["id"])


def _appointment(db: Database, shop: Shop, starts_at: datetime, status: str = "pending") -> str:
    """An appointment of a new customer (name 'Lucía Secreta', a fresh number), written directly:
    times around the real clock, past ones included."""
    phone = f"346{uuid.uuid4().int % 10**8:08d}"
    contact = db.fetch_one(
        "insert into contacts (organization_id, phone, name) values (%s, %s, 'Lucía Secreta') returning id::text",
        (shop.org, phone),
    )
    assert contact
    row = db.fetch_one(
        "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status)"
        " values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
        (shop.org, contact["id"], shop.service, shop.member, starts_at, starts_at + timedelta(minutes=30), status),
    )
    assert row
    return str(row["id"])


def _reminder(db: Database, shop: Shop, appointment_id: str, answer: str | None = None) -> None:
    db.execute(
        "insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at, status, answer,"
        " answered_at) values (%s, %s, 1440, now(), 'sent', %s::text,"
        " case when %s::text is null then null else now() end)",
        (shop.org, appointment_id, answer, answer),
    )


def _status(db: Database, appointment_id: str) -> str:
    row = db.fetch_one("select status from appointments where id = %s", (appointment_id,))
    assert row
    return str(row["status"])


def _history(db: Database, appointment_id: str) -> list[tuple[str, str | None]]:
    rows = db.fetch_all(
        "select action, actor from appointment_history where appointment_id = %s order by at, id", (appointment_id,)
    )
    return [(r["action"], r["actor"]) for r in rows]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def owner(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    return seeded_url


def test_mark_records_the_outcome_like_the_console_and_says_why_it_refuses(
    db: Database, owner: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shop, other = _shop(db), _shop(db)
    now = datetime.now(UTC)
    past = _appointment(db, shop, now - timedelta(days=2))

    code, out, _ = _run(capsys, "mark", "--org", shop.app, "--appointment", past, "completed", "--actor", "maria")
    assert code == 0 and "marked completed" in out and "ops:maria" in out
    assert "Lucía" not in out and "+346" not in out
    assert _status(db, past) == "completed"
    assert _history(db, past) == [("completed", "ops:maria")]
    audit = db.fetch_all("select actor, action, details from audit_log where target = %s", (past,))
    assert audit == [
        {"actor": "ops:maria", "action": "appointment_completed", "details": {"from": "pending", "to": "completed"}}
    ]

    # Again: already so, nothing written. A correction by the organization's id: a no-show.
    code, out, _ = _run(capsys, "mark", "--org", shop.app, "--appointment", past, "completed")
    assert code == 0 and "already completed" in out
    assert len(_history(db, past)) == 1
    code, out, _ = _run(capsys, "mark", "--org", shop.org, "--appointment", past, "no-show", "--actor", "ops:bo")
    assert code == 0 and "marked no-show (was completed)" in out
    assert _history(db, past) == [("completed", "ops:maria"), ("no_show", "ops:bo")]

    # Refusals: a sentence on stderr, exit status 1, nothing changed.
    future = _appointment(db, shop, now + timedelta(days=2))
    code, _, err = _run(capsys, "mark", "--org", shop.app, "--appointment", future, "no-show")
    assert code == 1 and "before it starts" in err
    cancelled = _appointment(db, shop, now - timedelta(days=1), status="cancelled")
    code, _, err = _run(capsys, "mark", "--org", shop.app, "--appointment", cancelled, "completed")
    assert code == 1 and "is cancelled" in err and "no outcome" in err
    theirs = _appointment(db, other, now - timedelta(days=1))
    for missing in (theirs, str(uuid.uuid4()), "not-an-id"):
        code, _, err = _run(capsys, "mark", "--org", shop.app, "--appointment", missing, "completed")
        assert code == 1 and "no appointment" in err
    assert (_status(db, future), _status(db, cancelled), _status(db, theirs)) == ("pending", "cancelled", "pending")
    assert _history(db, future) == [] and _history(db, theirs) == []
    code, _, err = _run(capsys, "mark", "--org", "NoSuchApp", "--appointment", past, "completed")
    assert code == 1 and "no business" in err

    # Usage errors: exit status 2.
    for argv in (["mark", "--org", shop.app, "--appointment", past, "done"], ["mark", "--org", shop.app]):
        with pytest.raises(SystemExit) as usage:
            main(argv)
        assert usage.value.code == 2


def test_the_report_counts_per_business_in_text_and_json(
    db: Database, owner: str, console_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, other = _shop(db), _shop(db)
    now = datetime.now(UTC)
    came = _appointment(db, shop, now - timedelta(days=3), status="completed")
    _reminder(db, shop, came, "confirmed")
    missed = _appointment(db, shop, now - timedelta(days=2), status="no_show")
    _reminder(db, shop, missed)
    _appointment(db, shop, now - timedelta(days=2, hours=1), status="no_show")  # no reminder
    _appointment(db, shop, now - timedelta(days=60), status="no_show")  # outside the last 30 days
    theirs = _appointment(db, other, now - timedelta(days=2), status="no_show")
    _reminder(db, other, theirs, "cancelled")

    # Text, the default period (the last 30 days up to today).
    code, out, _ = _run(capsys, "report", "--org", shop.app)
    assert code == 0
    assert out.splitlines()[0].startswith(f"{shop.name} ({shop.org})")
    assert "appointments: 3 (completed 1, no-show 2, cancelled 0)" in out
    assert "no-show rate: 66.7% (2 of 3); with a reminder 50.0% (1 of 2); without 100.0% (1 of 1)" in out
    assert "reminders: sent 2" in out and "confirmed 1, cancelled 0" in out
    assert "Lucía" not in out and "346" not in out.replace(shop.org, "").replace(shop.name, "")

    # JSON, an explicit period by local days, both businesses by id and by app.
    today = now.astimezone(ZoneInfo(TZ)).date()
    first = (today - timedelta(days=5)).isoformat()
    code, out, _ = _run(
        capsys,
        "report",
        "--org",
        shop.org,
        "--org",
        other.app,
        "--since",
        first,
        "--until",
        today.isoformat(),
        "--json",
    )
    assert code == 0
    mine, their = json.loads(out)
    assert mine["business"] == {"id": shop.org, "name": shop.name, "timezone": TZ}
    assert (mine["first_day"], mine["last_day"]) == (first, today.isoformat())
    assert (mine["appointments"], mine["completed"], mine["no_show"], mine["sent"], mine["confirmed"]) == (
        3,
        1,
        2,
        2,
        1,
    )
    assert mine["no_show_rate_with_reminder"] == 0.5 and mine["no_show_rate_without_reminder"] == 1.0
    assert their["business"]["id"] == other.org and their["cancelled_by_reminder"] == 1 and their["no_show_rate"] == 1.0

    # Every business the owner sees, when no --org: ours among them.
    code, out, _ = _run(capsys, "report", "--json")
    assert code == 0 and {shop.org, other.org} <= {b["business"]["id"] for b in json.loads(out)}

    # As the console's role (the one that reads metrics): no business without --org (row level
    # security); with --org (its id: only the message functions resolve an app), its own rows.
    monkeypatch.setenv("DATABASE_URL", console_url)
    code, _, err = _run(capsys, "report")
    assert code == 1 and "no business visible" in err
    code, out, _ = _run(capsys, "report", "--org", shop.org, "--json")
    assert code == 0 and json.loads(out)[0]["no_show"] == 2

    for argv in (["report", "--since", "2026-13-01"], ["report", "--since", "2026-11-30", "--until", "2026-11-01"]):
        with pytest.raises(SystemExit) as usage:
            main(argv)
        assert usage.value.code == 2


def test_the_report_counts_recalls_sent_and_the_bookings_within_14_days(
    db: Database, owner: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = _shop(db)
    now = datetime.now(UTC)
    for days_ago, answer, booked_after in ((4, "book", 2), (5, "no", None), (6, None, 20), (45, None, None)):
        appointment = _appointment(db, shop, now - timedelta(days=days_ago + 200), status="completed")
        row = db.fetch_one("select contact_id::text from appointments where id = %s", (appointment,))
        assert row
        sent = now - timedelta(days=days_ago)
        db.execute(
            "insert into recalls (organization_id, contact_id, service_id, last_appointment_id, due_on, status,"
            " sent_at, answer) values (%s, %s, %s, %s, %s, 'sent', %s, %s)",
            (shop.org, row["contact_id"], shop.service, appointment, sent.date(), sent, answer),
        )
        if booked_after is not None:  # booked (the trigger keeps it on the recall), within 14 days or not
            created = sent + timedelta(days=booked_after)
            db.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " created_at) values (%s, %s, %s, %s, %s, %s, %s)",
                (
                    shop.org,
                    row["contact_id"],
                    shop.service,
                    shop.member,
                    created + timedelta(days=30),
                    created + timedelta(days=30, minutes=30),
                    created,
                ),
            )
    code, out, _ = _run(capsys, "report", "--org", shop.app)
    assert code == 0
    assert "recalls: sent 3, bookings within 14 days 1 (33.3%); tapped Reservar 1, No, gracias 1" in out
    code, out, _ = _run(capsys, "report", "--org", shop.org, "--json")
    assert json.loads(out)[0]["recalls"] == {
        "sent": 3,
        "booked": 1,
        "book_taps": 1,
        "declined": 1,
        "booking_rate": 1 / 3,
    }


def test_the_module_runs_and_needs_a_database_url(db: Database, seeded_url: str) -> None:
    shop = _shop(db)
    past = _appointment(db, shop, datetime.now(UTC) - timedelta(hours=1))
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}

    def cli(*args: str, url: str | None = seeded_url) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "receptionist.ops.outcomes", *args],
            capture_output=True,
            text=True,
            env={**env, **({"DATABASE_URL": url} if url else {})},
            cwd=ROOT,
            timeout=60,
        )

    done = cli("mark", "--org", shop.app, "--appointment", past, "no-show")
    assert done.returncode == 0, done.stderr
    assert _status(db, past) == "no_show"
    assert cli("report", "--org", shop.app, url=None).returncode == 2


def test_the_report_shows_the_no_show_rate_before_and_after_the_no_show_policy(
    db: Database, owner: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shop, salon = _shop(db), _shop(db)
    now = datetime.now(UTC)
    on = now - timedelta(days=10)
    db.execute("delete from noshow_policy_history where organization_id = any(%s::uuid[])", ([shop.org, salon.org],))
    db.execute(
        "insert into noshow_policy_history (organization_id, kind, enabled, no_show_limit, window_months, at)"
        " values (%s, 'clinic', false, 2, 6, %s), (%s, 'clinic', true, 2, 6, %s), (%s, 'salon', false, 2, 6, %s)",
        (shop.org, now - timedelta(days=100), shop.org, on, salon.org, now - timedelta(days=100)),
    )
    for days_ago, status in ((25, "no_show"), (20, "completed"), (5, "completed"), (4, "completed"), (3, "no_show")):
        _appointment(db, shop, now - timedelta(days=days_ago), status=status)
    _appointment(db, shop, now - timedelta(days=50), status="no_show")  # before the 30 days before the switch
    _appointment(db, salon, now - timedelta(days=3), status="no_show")

    code, out, _ = _run(capsys, "report", "--org", shop.app, "--org", salon.org)
    assert code == 0
    local = on.astimezone(ZoneInfo(TZ))
    today = now.astimezone(ZoneInfo(TZ)).date()
    since, until = local_period(today - timedelta(days=29), today, TZ)  # the default 30 days
    before = (on - (until.astimezone(UTC) - since.astimezone(UTC))).astimezone(ZoneInfo(TZ))  # elapsed time
    assert (
        f"  no-show policy: on since {local:%d/%m/%Y %H:%M}; no-show rate before"
        f" ({before:%d/%m/%Y}-{local:%d/%m/%Y}) 50.0% (1 of 2); with the policy 33.3% (1 of 3)"
    ) in out.splitlines()
    assert "  no-show policy: not on in this period (no before/after)" in out.splitlines()

    code, out, _ = _run(capsys, "report", "--org", shop.org, "--json")
    policy = json.loads(out)[0]["noshow_policy"]
    assert (policy["on_at"], policy["off_at"], policy["in_force"]) == (on.isoformat(), None, True)
    assert (policy["rate_before"], policy["completed_after"], policy["no_show_after"]) == (0.5, 2, 1)
