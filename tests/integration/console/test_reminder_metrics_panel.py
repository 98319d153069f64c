"""The reminder metrics panel of the console's appointments page (crm.outcomes): an owner and a
staff member see their business's counts and no-show rates for the last 30 days (7 and 90 on
request), nothing of another business's, in Spanish and English.

Each test creates its own businesses (appointments written directly, around the console's clock)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
from console_kit import Console

NOW = datetime(2034, 6, 30, 10, 0, tzinfo=UTC)  # 12:00 in Madrid: "today" is 30/06/2034
PAGE = "/console/appointments"


class Shop:
    """A new business with one service and one staff member, written as the tables' owner."""

    def __init__(self, console: Console) -> None:
        self.url = console.owner_url
        self.org = str(uuid.uuid4())
        with psycopg.connect(self.url) as conn:
            conn.execute("insert into organizations (id, name) values (%s, %s)", (self.org, f"Panel {self.org[:8]}"))
            conn.execute(
                "insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (self.org,)
            )
            service = conn.execute(
                "insert into services (organization_id, name, duration_minutes, price_cents)"
                " values (%s, 'Corte', 30, 1500) returning id::text",
                (self.org,),
            ).fetchone()
            member = conn.execute(
                "insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (self.org,)
            ).fetchone()
        assert service and member
        self.service, self.member = service[0], member[0]

    def appointment(self, days_ago: int, status: str, reminder: str | None = None, answer: str | None = None) -> str:
        """An appointment at 09:00 UTC `days_ago` days before NOW, with a reminder in `reminder`
        status (and the customer's answer) when given."""
        starts = NOW.replace(hour=9) - timedelta(days=days_ago)
        with psycopg.connect(self.url) as conn:
            contact = conn.execute(
                "insert into contacts (organization_id, phone, name) values (%s, %s, 'Cliente') returning id::text",
                (self.org, f"346{uuid.uuid4().int % 10**8:08d}"),
            ).fetchone()
            assert contact
            row = conn.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " status) values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
                (self.org, contact[0], self.service, self.member, starts, starts + timedelta(minutes=30), status),
            ).fetchone()
            assert row
            if reminder:
                conn.execute(
                    "insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at,"
                    " status, answer, answered_at) values (%s, %s, 1440, %s, %s, %s::text,"
                    " case when %s::text is null then null else now() end)",
                    (self.org, row[0], starts - timedelta(days=1), reminder, answer, answer),
                )
        return str(row[0])


def _panel(page: str) -> dict[str, str]:
    """The panel's figures by element id, tags stripped."""
    match = re.search(r'<div class="card" id="reminder-metrics".*?</dl>', page, re.S)
    assert match, "no metrics panel"
    cells = re.findall(r'<dd id="metrics-([a-z-]+)">(.*?)</dd>', match.group(0), re.S)
    return {key: " ".join(re.sub(r"<[^>]+>", " ", value).split()) for key, value in cells}


def test_owners_and_staff_see_their_business_figures_only(console: Console, clock: Callable[[datetime], None]) -> None:
    shop, other = Shop(console), Shop(console)
    shop.appointment(2, "completed", "sent", "confirmed")
    shop.appointment(3, "no_show", "sent", "change")
    shop.appointment(4, "no_show")  # no reminder
    shop.appointment(5, "completed")
    shop.appointment(6, "cancelled", "sent", "cancelled")
    shop.appointment(7, "completed", "skipped")  # the 23rd: not in the last 7 days (24th-30th)
    shop.appointment(20, "no_show", "sent")  # in the 30 days, not in the last 7
    shop.appointment(45, "no_show", "sent", "confirmed")  # only in the last 90 days
    for _ in range(3):  # another business: never in this one's panel
        other.appointment(2, "no_show", "sent", "confirmed")

    owner = console.signed_in(shop.org, "owner")
    page = owner.get(PAGE).text
    assert 'data-days="30"' in page and "Recordatorios y asistencia" in page
    assert _panel(page) == {
        "rate": "50 % (3 / 6)",
        "rate-with": "67 % (2 / 3)",
        "rate-without": "33 % (1 / 3)",  # the skipped reminder never reached its customer
        "appointments": "7 · completada 3 · no se presentó 3 · cancelada 1",
        "sent": "4 · no enviados 1",
        "confirmed": "1",
        "cancelled": "1",
        "change": "1 · respondieron escribiendo 0 · movidas después 0",
        # The waitlist's figures of the same period (none here: tests/integration/waitlist).
        "waitlist-offers": "0 · huecos liberados 0",
        "waitlist-fills": "sin datos (ningún hueco cubierto) · rechazadas 0 · caducadas 0",
        "waitlist-median": "sin datos (ningún hueco cubierto)",
    }

    staff = console.signed_in(shop.org, "staff")
    week = _panel(staff.get(f"{PAGE}?metrics_days=7").text)
    assert (week["rate"], week["sent"], week["appointments"]) == (
        "50 % (2 / 4)",
        "3",
        "5 · completada 2 · no se presentó 2 · cancelada 1",
    )
    quarter = _panel(staff.get(f"{PAGE}?metrics_days=90").text)
    assert (quarter["rate"], quarter["confirmed"]) == ("57 % (4 / 7)", "2")
    assert 'data-days="30"' in staff.get(f"{PAGE}?metrics_days=12345").text  # not a choice: the default

    theirs = _panel(console.signed_in(other.org, "owner").get(PAGE).text)
    assert (theirs["rate"], theirs["sent"], theirs["confirmed"]) == ("100 % (3 / 3)", "3", "3")


def test_no_outcome_yet_says_so_in_english(console: Console, clock: Callable[[datetime], None]) -> None:
    shop = Shop(console)
    shop.appointment(1, "confirmed", "sent", "confirmed")
    client = console.signed_in(shop.org, "staff")
    client.get("/console/lang/en")
    page = client.get(PAGE).text
    figures = _panel(page)
    assert "Reminders and attendance" in page and "Last 7 days" in page
    assert figures["rate"] == "no data (no appointment marked completed or a no-show)"
    assert (figures["sent"], figures["confirmed"]) == ("1", "1")


def _waitlist_offer(shop: Shop, status: str, *, freed_ago: timedelta, answered_after: timedelta | None = None) -> None:
    """A waitlist offer claimed when its slot freed `freed_ago` before NOW (in its own opening),
    in `status`, answered `answered_after` the slot freed."""
    freed = NOW - freed_ago
    with psycopg.connect(shop.url) as conn:
        contact = conn.execute(
            "insert into contacts (organization_id, phone) values (%s, %s) returning id::text",
            (shop.org, f"346{uuid.uuid4().int % 10**8:08d}"),
        ).fetchone()
        assert contact
        entry = conn.execute(
            "insert into waitlist_entries (organization_id, contact_id, service_id, first_day, last_day)"
            " values (%s, %s, %s, %s, %s) returning id::text",
            (shop.org, contact[0], shop.service, NOW.date(), NOW.date()),
        ).fetchone()
        opening = conn.execute(
            "insert into waitlist_openings (organization_id, member_id, starts_at, ends_at, reason, created_at)"
            " values (%s, %s, %s, %s, 'cancelled', %s) returning id",
            (shop.org, shop.member, NOW + timedelta(days=1), NOW + timedelta(days=1, minutes=30), freed),
        ).fetchone()
        assert entry and opening
        conn.execute(
            "insert into waitlist_offers (organization_id, entry_id, opening_id, member_id, service_id, starts_at,"
            " ends_at, token, status, expires_at, created_at, answered_at) values"
            " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (shop.org, entry[0], opening[0], shop.member, shop.service, NOW + timedelta(days=1),
             NOW + timedelta(days=1, minutes=30), uuid.uuid4().hex, status, freed + timedelta(minutes=30),
             freed + timedelta(seconds=5), None if answered_after is None else freed + answered_after),
        )  # fmt: skip


def test_the_waitlist_figures_show_offers_fills_and_the_median_time_to_fill(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    shop, other = Shop(console), Shop(console)
    _waitlist_offer(shop, "accepted", freed_ago=timedelta(days=2), answered_after=timedelta(minutes=4))
    _waitlist_offer(shop, "accepted", freed_ago=timedelta(days=3), answered_after=timedelta(minutes=10))
    _waitlist_offer(shop, "accepted", freed_ago=timedelta(days=4), answered_after=timedelta(minutes=30))
    _waitlist_offer(shop, "declined", freed_ago=timedelta(days=5), answered_after=timedelta(minutes=1))
    _waitlist_offer(shop, "skipped", freed_ago=timedelta(days=5))  # never went out
    _waitlist_offer(shop, "expired", freed_ago=timedelta(days=50))  # outside the 30 days
    _waitlist_offer(other, "accepted", freed_ago=timedelta(days=2), answered_after=timedelta(minutes=1))

    figures = _panel(console.signed_in(shop.org, "staff").get(PAGE).text)
    assert (figures["waitlist-offers"], figures["waitlist-fills"], figures["waitlist-median"]) == (
        "4 · huecos liberados 4 · no enviados 1",
        "75 % (3 / 4) · rechazadas 1 · caducadas 0",
        "10 min",
    )
    quarter = _panel(console.signed_in(shop.org, "owner").get(f"{PAGE}?metrics_days=90").text)
    assert quarter["waitlist-fills"] == "60 % (3 / 5) · rechazadas 1 · caducadas 1"
