"""The console's appointments section on its real parts: the day/week grid per staff member in
the business's time zone, booking (the database still refuses overlaps, shown as a sentence),
moving, confirming, cancelling, completed / no-show only once an appointment has started,
history and audit with who did it, another business's appointment a 404 everywhere, and CSRF
on every form.

The console's clock is set per test (ConsoleParts.now); every test has its own contacts and its
own day of the demo clinic (all Tuesdays of 2033), so tests never collide."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from console_kit import CHANGES, CLINIC, PASSWORD, SALON, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient

from receptionist.crm import appointments
from receptionist.crm.availability import BookingWindow
from receptionist.crm.connection import Database
from receptionist.crm.contacts import find_or_create_contact

MADRID = ZoneInfo("Europe/Madrid")
LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # 30 minutes; both members do it
BLANQUEAMIENTO = "00000000-0000-4000-8001-000000000002"  # 60 minutes; only Dra. Gómez
GOMEZ = "00000000-0000-4000-8002-000000000001"  # Mon-Fri 09:00-14:00 and 16:00-20:00
RUIZ = "00000000-0000-4000-8002-000000000002"  # Mon-Thu 10:00-18:00
SALON_CUT = "00000000-0000-4000-9001-000000000001"
SALON_ROSA = "00000000-0000-4000-9002-000000000001"
NOW = datetime(2033, 3, 1, 7, 0, tzinfo=UTC)  # the console's clock unless a test moves it
WINDOW = BookingWindow("Europe/Madrid", 0, 365, 30)
PAGE = "/console/appointments"


def _signed_in(console: Console, organization: str = CLINIC) -> tuple[TestClient, str]:
    client = console.client()
    email = console.user(organization)
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 303, answer.text
    finish_sign_in(client, answer.headers["location"])
    return client, email


def _phone() -> str:
    return f"346{uuid.uuid4().int % 10**8:08d}"


def _local(text: str, tz: ZoneInfo = MADRID) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def _contact(console: Console, organization: str = CLINIC, name: str = "Paciente") -> str:
    db = Database(console.owner_url)
    try:
        return find_or_create_contact(db, organization, _phone(), name).id
    finally:
        db.close()


def _book(
    console: Console, start: str, member: str = GOMEZ, service: str = LIMPIEZA, contact: str | None = None
) -> str:
    """An appointment booked as the assistant books it (no actor): its id."""
    db = Database(console.owner_url)
    try:
        result = appointments.book(
            db, CLINIC, contact or _contact(console), service, member, _local(start), WINDOW, now=NOW
        )
    finally:
        db.close()
    assert result.appointment is not None, result
    return result.appointment.id


def _seed(console: Console, organization: str, contact: str, service: str, member: str, start: datetime) -> str:
    """An appointment written straight into the database (another business's)."""
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
            " values (%s, %s, %s, %s, %s, %s + interval '45 minutes') returning id::text",
            (organization, contact, service, member, start, start),
        ).fetchone()
    assert row is not None
    return str(row[0])


def _row(console: Console, appointment_id: str) -> tuple[str, datetime, str]:
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute(
            "select status, starts_at, member_id::text from appointments where id = %s", (appointment_id,)
        ).fetchone()
    assert row is not None
    return str(row[0]), row[1], str(row[2])


def _history(console: Console, appointment_id: str) -> list[tuple[str, str | None]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            "select action, actor from appointment_history where appointment_id = %s order by at, id",
            (appointment_id,),
        ).fetchall()
    return [(str(a), b) for a, b in rows]


def _audit_by(console: Console, email: str) -> list[tuple[str, str | None]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            f"select action, target from audit_log where actor = %s and {CHANGES} order by id",  # noqa: S608 - constants
            (email,),
        ).fetchall()
    return [(str(a), b) for a, b in rows]


def _section(page: str, member: str) -> str:
    """One member's part of the grid."""
    match = re.search(rf'<section[^>]*data-member="{member}".*?</section>', page, re.S)
    assert match, f"no section for {member}"
    return match.group(0)


def _post(client: TestClient, path: str, data: dict[str, str], page: str = PAGE) -> int:
    return client.post(path, data={"csrf_token": csrf(client, page), **data}).status_code


def test_the_week_view_lists_each_appointment_under_its_member_in_local_time(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    aid = _book(console, "2033-03-08 10:00", member=RUIZ)
    client, _ = _signed_in(console)
    answer = client.get(f"{PAGE}?day=2033-03-10&view=week")
    assert answer.status_code == 200
    page = answer.text
    assert 'id="appointments"' in page and 'data-first="2033-03-07"' in page and 'data-last="2033-03-13"' in page
    ruiz = _section(page, RUIZ)
    assert f'data-id="{aid}"' in ruiz and 'data-status="pending"' in ruiz
    assert "10:00\u201310:30" in ruiz  # Madrid's wall time (09:00 UTC)
    assert aid not in _section(page, GOMEZ)
    # The day view of its day lists it; another day's, or another member's, does not.
    assert f'data-id="{aid}"' in client.get(f"{PAGE}?day=2033-03-08&view=day").text
    assert aid not in client.get(f"{PAGE}?day=2033-03-09&view=day").text
    only_gomez = client.get(f"{PAGE}?day=2033-03-08&view=week&member={GOMEZ}").text
    assert aid not in only_gomez and f'data-member="{RUIZ}"' not in only_gomez
    # Navigation keeps the view and member; the next week is a week later.
    assert f'href="{PAGE}?day=2033-03-17&amp;view=week&amp;member="' in page
    assert client.get(f"{PAGE}/{aid}").status_code == 200
    for odd in ("9999-12-31", "0001-01-01", "mañana"):  # today's week instead
        answer = client.get(f"{PAGE}?day={odd}&view=week")
        assert answer.status_code == 200 and 'data-first="2033-02-28"' in answer.text


def test_creating_books_it_for_a_new_contact_with_history_and_audit(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    client, email = _signed_in(console)
    phone = _phone()
    answer = client.post(
        PAGE,
        data={
            "csrf_token": csrf(client, PAGE),
            "phone": f"+{phone[:2]} {phone[2:]}",
            "name": "Nuria Vidal",
            "service_id": BLANQUEAMIENTO,
            "member_id": GOMEZ,
            "start_date": "2033-04-05",
            "start_time": "09:30",
            "view": "week",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith(f"{PAGE}?day=2033-04-05&view=week&member=&notice=appt_created#appt-")
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute(
            "select a.id::text, a.status, a.starts_at, a.ends_at, a.member_id::text, c.name from appointments a"
            " join contacts c on c.id = a.contact_id where c.organization_id = %s and c.phone = %s",
            (CLINIC, phone),
        ).fetchone()
    assert row is not None
    aid, status, starts, ends, member, name = row
    assert (status, member, name) == ("pending", GOMEZ, "Nuria Vidal")
    assert starts == _local("2033-04-05 09:30") and (ends - starts).total_seconds() == 3600
    assert _history(console, aid) == [("booked", f"staff:{email}")]
    assert _audit_by(console, email) == [("appointment_create", aid)]
    assert "Cita reservada." in client.get(answer.headers["location"]).text


def test_an_overlapping_booking_is_refused_with_a_sentence_and_writes_nothing(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    taken = _book(console, "2033-04-12 10:00")
    contact = _contact(console)
    client, email = _signed_in(console)
    form = {"contact_id": contact, "service_id": BLANQUEAMIENTO, "member_id": GOMEZ, "start_date": "2033-04-12"}
    answer = client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **form, "start_time": "09:30"})
    assert answer.status_code == 400
    assert "Ese horario se solapa con otra cita de ese profesional" in answer.text
    client.get("/console/lang/en")
    answer = client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **form, "start_time": "10:00"})
    assert answer.status_code == 400 and "That time overlaps another appointment" in answer.text
    # Outside the member's hours, or no time at all: other sentences, nothing written either.
    answer = client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **form, "start_time": "14:30"})
    assert answer.status_code == 400 and "That time is not available" in answer.text
    for day, at in (("2033-04-12", "25:00"), ("9999-12-31", "10:00"), ("", "")):
        answer = client.post(PAGE, data={"csrf_token": csrf(client, PAGE), **form, "start_date": day, "start_time": at})
        assert answer.status_code == 400 and "Enter a valid date and time." in answer.text
    with psycopg.connect(console.owner_url) as conn:
        count = conn.execute("select count(*) from appointments where contact_id = %s", (contact,)).fetchone()
    assert count == (0,)
    assert _audit_by(console, email) == []
    assert _row(console, taken)[0] == "pending" and _history(console, taken) == [("booked", None)]


def test_move_confirm_and_cancel_change_the_row_its_history_and_the_audit(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    aid = _book(console, "2033-05-10 09:00")
    busy = _book(console, "2033-05-11 12:00", member=RUIZ)
    client, email = _signed_in(console)
    # Into another appointment's slot: refused, nothing moves.
    answer = client.post(
        f"{PAGE}/{aid}/move",
        data={"csrf_token": csrf(client, PAGE), "start_date": "2033-05-11", "start_time": "12:00", "member_id": RUIZ},
    )
    assert answer.status_code == 400 and "se solapa" in answer.text
    assert _row(console, aid) == ("pending", _local("2033-05-10 09:00"), GOMEZ)
    # To another day and member.
    answer = client.post(
        f"{PAGE}/{aid}/move",
        data={
            "csrf_token": csrf(client, PAGE),
            "start_date": "2033-05-11",
            "start_time": "11:00",
            "member_id": RUIZ,
            "view": "detail",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}/{aid}?notice=appt_moved"
    assert _row(console, aid) == ("pending", _local("2033-05-11 11:00"), RUIZ)
    assert _post(client, f"{PAGE}/{aid}/confirm", {}) == 303
    assert _row(console, aid)[0] == "confirmed"
    assert _post(client, f"{PAGE}/{aid}/confirm", {}) == 303  # again: already so, nothing recorded
    assert _post(client, f"{PAGE}/{aid}/cancel", {"view": "week", "member": RUIZ}) == 303
    assert _row(console, aid)[0] == "cancelled"
    answer = client.post(f"{PAGE}/{aid}/confirm", data={"csrf_token": csrf(client, PAGE)})
    assert answer.status_code == 400 and "ya no está activa" in answer.text
    staff = f"staff:{email}"
    assert _history(console, aid) == [
        ("booked", None),
        ("rescheduled", staff),
        ("confirmed", staff),
        ("cancelled", staff),
    ]
    assert _audit_by(console, email) == [
        ("appointment_move", aid),
        ("appointment_confirm", aid),
        ("appointment_cancel", aid),
    ]
    assert _row(console, busy)[0] == "pending"
    # The appointment's page tells who did what.
    page = client.get(f"{PAGE}/{aid}").text
    assert 'data-status="cancelled"' in page and email in page and "El cliente, por WhatsApp" in page
    assert page.count('class="history"') == 4


def test_completed_and_no_show_need_a_started_appointment(console: Console, clock: Callable[[datetime], None]) -> None:
    aid = _book(console, "2033-06-07 10:00")
    client, email = _signed_in(console)
    # Still in the future: neither can be marked, and nothing is written.
    for action, sentence in (("no-show", "todavía no ha empezado"), ("completed", "todavía no ha empezado")):
        answer = client.post(f"{PAGE}/{aid}/{action}", data={"csrf_token": csrf(client, PAGE)})
        assert answer.status_code == 400 and sentence in answer.text
    assert _row(console, aid)[0] == "pending" and _audit_by(console, email) == []
    assert 'class="act-no-show"' not in client.get(f"{PAGE}?day=2033-06-07").text
    # Once it has started (10:05 in Madrid).
    clock(_local("2033-06-07 10:05"))
    assert 'class="act-no-show"' in client.get(f"{PAGE}?day=2033-06-07").text
    assert _post(client, f"{PAGE}/{aid}/no-show", {}) == 303
    assert _row(console, aid)[0] == "no_show"
    assert _post(client, f"{PAGE}/{aid}/completed", {}) == 303  # the customer came late after all
    assert _row(console, aid)[0] == "completed"
    staff = f"staff:{email}"
    assert _history(console, aid) == [("booked", None), ("no_show", staff), ("completed", staff)]
    assert _audit_by(console, email) == [("appointment_no_show", aid), ("appointment_completed", aid)]
    # A completed appointment cannot be moved or cancelled.
    answer = client.post(f"{PAGE}/{aid}/cancel", data={"csrf_token": csrf(client, PAGE)})
    assert answer.status_code == 400 and _row(console, aid)[0] == "completed"


def test_another_business_appointment_is_not_found_by_url_or_any_action(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    contact = _contact(console, SALON)
    theirs = _seed(console, SALON, contact, SALON_CUT, SALON_ROSA, _local("2033-07-05 10:00", ZoneInfo("America/Lima")))
    client, email = _signed_in(console)
    assert client.get(f"{PAGE}/{theirs}").status_code == 404
    assert "No existe esa cita." in client.get(f"{PAGE}/{theirs}").text
    assert theirs not in client.get(f"{PAGE}?day=2033-07-05&view=week").text
    move = {"start_date": "2033-07-05", "start_time": "11:00"}
    for action, data in (("move", move), ("confirm", {}), ("cancel", {}), ("completed", {}), ("no-show", {})):
        assert _post(client, f"{PAGE}/{theirs}/{action}", data) == 404, action
    assert _row(console, theirs) == ("pending", _local("2033-07-05 10:00", ZoneInfo("America/Lima")), SALON_ROSA)
    assert _history(console, theirs) == [] and _audit_by(console, email) == []
    assert client.get(f"{PAGE}/not-an-id").status_code == 404
    assert _post(client, f"{PAGE}/not-an-id/cancel", {}) == 404
    # A member or contact of the other business cannot be booked either.
    answer = client.post(
        PAGE,
        data={
            "csrf_token": csrf(client, PAGE),
            "contact_id": contact,
            "service_id": LIMPIEZA,
            "member_id": GOMEZ,
            "start_date": "2033-07-05",
            "start_time": "10:00",
        },
    )
    assert answer.status_code == 400 and _audit_by(console, email) == []


def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    console: Console, clock: Callable[[datetime], None]
) -> None:
    aid = _book(console, "2033-07-12 10:00")
    client, email = _signed_in(console)
    phone = _phone()
    create = {
        "phone": phone,
        "service_id": LIMPIEZA,
        "member_id": GOMEZ,
        "start_date": "2033-07-12",
        "start_time": "11:00",
    }
    assert client.post(PAGE, data=create).status_code == 403
    assert client.post(PAGE, data={**create, "csrf_token": "0" * 64}).status_code == 403
    for action in ("confirm", "cancel", "completed", "no-show"):
        assert client.post(f"{PAGE}/{aid}/{action}").status_code == 403
    move = {"start_date": "2033-07-12", "start_time": "12:00"}
    assert client.post(f"{PAGE}/{aid}/move", data=move).status_code == 403
    assert _row(console, aid) == ("pending", _local("2033-07-12 10:00"), GOMEZ)
    assert _history(console, aid) == [("booked", None)] and _audit_by(console, email) == []
    with psycopg.connect(console.owner_url) as conn:
        assert conn.execute("select count(*) from contacts where phone = %s", (phone,)).fetchone() == (0,)


def test_names_are_escaped_and_the_page_speaks_english(console: Console, clock: Callable[[datetime], None]) -> None:
    contact = _contact(console, name='<img src=x onerror="alert(1)">')
    aid = _book(console, "2033-08-02 16:00", contact=contact)
    client, _ = _signed_in(console)
    page = client.get(f"{PAGE}?day=2033-08-02").text
    assert f'data-id="{aid}"' in page
    assert '<img src=x onerror="alert(1)">' not in page and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "Nueva cita" in page and "martes, 2 de agosto de 2033" in page
    client.get("/console/lang/en")
    page = client.get(f"{PAGE}?day=2033-08-02").text
    assert "New appointment" in page and "Tuesday, August 2, 2033" in page and "pending" in page
    assert "Appointment booked." not in page  # notices only when one is named


def test_a_booking_whose_audit_line_fails_is_not_kept_but_its_new_contact_is(
    console: Console, clock: Callable[[datetime], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window between the booking and its audit line: they are one transaction, so a failure
    there books nothing (no appointment, no history); the new customer's contact, made before, stays."""
    client, email = _signed_in(console)
    phone = _phone()

    def audit_fails(*args: object, **kwargs: object) -> None:
        raise psycopg.errors.QueryCanceled("statement timeout")

    monkeypatch.setattr("receptionist.console.services.appointments.record_audit", audit_fails)
    crashing = TestClient(
        console.app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )
    crashing.cookies = client.cookies
    form = {"phone": phone, "name": "Eva", "service_id": LIMPIEZA, "member_id": GOMEZ, "start_date": "2033-09-06"}
    answer = crashing.post(PAGE, data={"csrf_token": csrf(crashing, PAGE), **form, "start_time": "10:00"})
    assert answer.status_code == 500
    with psycopg.connect(console.owner_url) as conn:
        booked = conn.execute(
            "select count(*) from appointments a join contacts c on c.id = a.contact_id where c.phone = %s", (phone,)
        ).fetchone()
        contacts = conn.execute("select count(*) from contacts where phone = %s", (phone,)).fetchone()
        history = conn.execute(
            "select count(*) from appointment_history where actor = %s", (f"staff:{email}",)
        ).fetchone()
    assert (booked, contacts, history) == ((0,), (1,), (0,))
    assert _audit_by(console, email) == []
