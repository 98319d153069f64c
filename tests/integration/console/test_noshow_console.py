"""The no-show policy in the console on its real parts (issue 29, points 2 and 4): the owner's
settings page (kind of business and policy; checked, stored with its audit line and the policy's
history in one transaction; staff refused), a customer's no-show count where staff see the customer
(an appointment's page, a conversation), staff still booking for a customer the assistant may not
book for, and the appointments page's no-show rate before and after the policy came on.

Each test creates its own business (written as the tables' owner) around the console's clock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from console_kit import CHANGES, Console, csrf
from settings_kit import post, row, rows

NOW = datetime(2034, 6, 30, 10, 0, tzinfo=UTC)  # 12:00 in Madrid: "today" is 30/06/2034
SETTINGS = "/console/settings/noshow"
PAGE = "/console/appointments"


class Clinic:
    """A new business (a clinic by default) with a service and a member working every day 09:00-18:00."""

    def __init__(self, console: Console) -> None:
        self.url = console.owner_url
        self.org = str(uuid.uuid4())
        with psycopg.connect(self.url) as conn:
            conn.execute(
                "insert into organizations (id, name) values (%s, %s)", (self.org, f"Ausencias {self.org[:8]}")
            )
            conn.execute(
                "insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (self.org,)
            )
            service = conn.execute(
                "insert into services (organization_id, name, duration_minutes, price_cents)"
                " values (%s, 'Revisión', 30, 3000) returning id::text",
                (self.org,),
            ).fetchone()
            member = conn.execute(
                "insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (self.org,)
            ).fetchone()
            assert service and member
            for weekday in range(1, 8):
                conn.execute(
                    "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
                    " values (%s, %s, %s, '09:00', '18:00')",
                    (self.org, member[0], weekday),
                )
        self.service, self.member = str(service[0]), str(member[0])

    def contact(self) -> str:
        with psycopg.connect(self.url) as conn:
            found = conn.execute(
                "insert into contacts (organization_id, phone, name) values (%s, %s, 'Lucía') returning id::text",
                (self.org, f"346{uuid.uuid4().int % 10**8:08d}"),
            ).fetchone()
        assert found
        return str(found[0])

    def appointment(self, contact: str, starts: datetime, status: str) -> str:
        with psycopg.connect(self.url) as conn:
            found = conn.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " status) values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
                (self.org, contact, self.service, self.member, starts, starts + timedelta(minutes=30), status),
            ).fetchone()
        assert found
        return str(found[0])


def _changes(console: Console, org: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (str(a), d)
        for a, d in rows(
            console,
            f"select action, details from audit_log where organization_id = %s and {CHANGES} order by id",  # noqa: S608
            org,
        )
    ]


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|dd|span)>', html, re.S)
    assert match, element_id
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


# -- settings ---------------------------------------------------------------------------------------
def test_the_owner_sets_the_kind_and_policy_checked_audited_and_in_the_history(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    clinic = Clinic(console)
    owner = console.signed_in(clinic.org)
    page = owner.get(SETTINGS).text
    assert 'data-in-force="on"' in page and "Ahora está activada" in page and "por defecto" in page
    assert 'id="noshow-enabled-default" checked' in page and 'value="clinic" selected' in page

    bad = post(owner, SETTINGS, SETTINGS, kind="clinic", enabled="on", limit="0", months="6")
    assert bad.status_code == 400 and "debe ser un número entre 1 y 20" in bad.text
    assert 'value="0"' in bad.text  # what was typed, to correct
    bad = post(owner, SETTINGS, SETTINGS, kind="taller", enabled="on", limit="2", months="6")
    assert bad.status_code == 400 and "Elige el tipo de negocio." in bad.text
    assert _changes(console, clinic.org) == []
    assert row(console, "select count(*) from noshow_policies where organization_id = %s", clinic.org) == (0,)

    saved = post(owner, SETTINGS, SETTINGS, kind="salon", enabled="default", limit="3", months="12")
    assert saved.status_code == 303 and saved.headers["location"] == f"{SETTINGS}?notice=saved"
    assert row(console, "select kind from organizations where id = %s", clinic.org) == ("salon",)
    assert row(
        console,
        "select enabled, no_show_limit, window_months from noshow_policies where organization_id = %s",
        clinic.org,
    ) == (None, 3, 12)
    assert _changes(console, clinic.org) == [
        ("settings_noshow", {"kind": "salon", "enabled": None, "limit": 3, "months": 12, "in_force": False})
    ]
    history = "select kind, enabled, no_show_limit, window_months from noshow_policy_history where organization_id = %s"
    assert rows(console, f"{history} order by at, id", clinic.org) == [
        ("clinic", True, 2, 6),
        ("salon", False, 3, 12),
    ]
    page = owner.get(SETTINGS).text
    assert 'data-in-force="off"' in page and "Ahora está desactivada" in page and 'value="salon" selected' in page

    assert post(owner, SETTINGS, SETTINGS, kind="salon", enabled="on", limit="3", months="12").status_code == 303
    page = owner.get(SETTINGS).text
    assert 'data-in-force="on"' in page and re.search(r"desde el \d{1,2} [a-z]{3} \d{4}", page)

    staff = console.signed_in(clinic.org, "staff")
    assert staff.get(SETTINGS).status_code == 403
    refused = staff.post(SETTINGS, data={"csrf_token": csrf(staff, PAGE), "kind": "clinic", "enabled": "off",
                                         "limit": "2", "months": "6"})  # fmt: skip
    assert refused.status_code == 403
    assert row(console, "select enabled from noshow_policies where organization_id = %s", clinic.org) == (True,)

    owner.get("/console/lang/en")
    english = owner.get(SETTINGS).text
    assert "No-show policy" in english and "It is on now" in english and "Hair or beauty salon" in english


# -- the count, and staff booking ------------------------------------------------------------------
def test_staff_see_a_customer_s_no_shows_and_still_book_for_them(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    clinic = Clinic(console)
    customer, neighbour = clinic.contact(), clinic.contact()
    clinic.appointment(customer, NOW - timedelta(days=20), "no_show")
    clinic.appointment(customer, NOW - timedelta(days=90), "no_show")
    clinic.appointment(customer, NOW - timedelta(days=300), "no_show")  # outside six months
    missed = clinic.appointment(customer, NOW - timedelta(days=5), "completed")
    calm = clinic.appointment(neighbour, NOW - timedelta(days=3), "completed")
    staff = console.signed_in(clinic.org, "staff")

    page = staff.get(f"{PAGE}/{missed}").text
    assert 'data-count="2" data-refused="yes"' in page
    assert "Sin acudir: 2 en los últimos 6 meses" in page and "resérvalas desde la consola" in page
    calm_page = staff.get(f"{PAGE}/{calm}").text
    assert 'data-count="0" data-refused="no"' in calm_page and 'id="noshow-refused"' not in calm_page

    # A conversation with the customer: the same count where staff talk to them.
    identity = console.conversation(clinic.org)
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update chat_identities set contact_id = %s where id = %s", (customer, identity))
    assert 'data-count="2" data-refused="yes"' in staff.get(f"/console/conversations/{identity}").text

    # The assistant may not book for them; staff may.
    booked = post(staff, PAGE, PAGE, contact_id=customer, service_id=clinic.service, member_id=clinic.member,
                  start_date="2034-07-03", start_time="10:00", view="day")  # fmt: skip
    assert booked.status_code == 303 and "appt_created" in booked.headers["location"], booked.text
    assert row(
        console,
        "select status from appointments where contact_id = %s and starts_at = %s",
        customer,
        datetime(2034, 7, 3, 8, 0, tzinfo=UTC),
    ) == ("pending",)

    # A salon's policy is off by default: the count is shown, nobody is refused.
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update organizations set kind = 'salon' where id = %s", (clinic.org,))
    page = staff.get(f"{PAGE}/{missed}").text
    assert 'data-count="2" data-refused="no"' in page and "política de ausencias desactivada" in page


# -- before and after ------------------------------------------------------------------------------
def test_the_appointments_page_shows_the_no_show_rate_before_and_after_the_policy(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    clinic, other = Clinic(console), Clinic(console)
    on = NOW - timedelta(days=10)  # 20/06/2034 10:00 UTC
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("delete from noshow_policy_history where organization_id = %s", (clinic.org,))
        conn.execute(
            "insert into noshow_policy_history (organization_id, kind, enabled, no_show_limit, window_months, at)"
            " values (%s, 'clinic', false, 2, 6, %s), (%s, 'clinic', true, 2, 6, %s)",
            (clinic.org, NOW - timedelta(days=400), clinic.org, on),
        )
    c = clinic.contact()
    for days_ago, status in ((35, "no_show"), (30, "no_show"), (25, "completed"), (15, "no_show")):  # before
        clinic.appointment(c, NOW - timedelta(days=days_ago), status)
    for days_ago, status in ((8, "completed"), (5, "completed"), (3, "completed"), (2, "no_show")):  # after
        clinic.appointment(c, NOW - timedelta(days=days_ago), status)
    clinic.appointment(c, NOW - timedelta(days=45), "no_show")  # before the 30 days before the switch
    o = other.contact()
    for _ in range(3):
        other.appointment(o, NOW - timedelta(days=2), "no_show")  # another business's: never here

    page = console.signed_in(clinic.org, "staff").get(PAGE).text
    assert 'id="noshow-metrics" data-in-force="on"' in page
    assert _text(page, "noshow-on-at") == "20 jun 2034"
    assert _text(page, "noshow-rate-before") == "75 % (3 / 4)"  # 21/05-20/06: the 30 days before the switch
    assert _text(page, "noshow-rate-after") == "25 % (1 / 4)"

    # The other business: on since it was created (the real clock, before the console's), so its
    # no-shows count after; once its history says it was never on, there is nothing to compare.
    owner = console.signed_in(other.org, "owner")
    assert _text(owner.get(PAGE).text, "noshow-rate-after") == "100 % (3 / 3)"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update noshow_policy_history set enabled = false where organization_id = %s", (other.org,))
    theirs = owner.get(PAGE).text
    assert 'data-in-force="off"' in theirs and "no ha estado activada en este periodo" in theirs
