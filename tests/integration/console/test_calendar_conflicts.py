"""Open calendar conflicts in the console (an external event over one of our appointments,
`calendar_conflicts`, recorded by the sync): listed on the calendar page with the appointment and
the times, "evento externo" and never a title or the customer; counted on the owner's inbox;
marked "Resuelto" by the member's own account or an owner, with an audit line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from calendar_console_kit import PAGE, Business, link, new_business, said, signed_in
from console_kit import Console, csrf
from settings_kit import audit

from receptionist.console.words import words

ES = words("es")
START = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # 16:00 in Madrid
EXTERNAL = timedelta(hours=2)  # the external event ends at 18:00 there


def _conflict(console: Console, clinic: Business, member_id: str) -> str:
    """An appointment of Lucía's with the member, and an external event the sync found over it."""
    conflict = str(uuid.uuid4())
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update agent_settings set timezone = 'Europe/Madrid' where organization_id = %s", (clinic.org,))
        contact = conn.execute(
            "insert into contacts (organization_id, name, phone) values (%s, 'Lucía Pérez', %s) returning id",
            (clinic.org, f"346{uuid.uuid4().int % 10**8:08d}"),
        ).fetchone()
        service = conn.execute(
            "insert into services (organization_id, name, duration_minutes) values (%s, %s, 30) returning id",
            (clinic.org, f"Limpieza {uuid.uuid4().hex[:4]}"),
        ).fetchone()
        assert contact and service
        appointment = conn.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " status) values (%s, %s, %s, %s, %s, %s, 'confirmed') returning id",
            (clinic.org, contact[0], service[0], member_id, START, START + timedelta(minutes=30)),
        ).fetchone()
        assert appointment
        conn.execute(
            "insert into calendar_conflicts (id, organization_id, member_id, appointment_id, event_id, starts_at,"
            " ends_at) values (%s, %s, %s, %s, 'ext123', %s, %s)",
            (conflict, clinic.org, member_id, appointment[0], START - timedelta(minutes=15), START + EXTERNAL),
        )
    return conflict


def _resolved_at(console: Console, conflict: str) -> datetime | None:
    with psycopg.connect(console.owner_url) as conn:
        found = conn.execute("select resolved_at from calendar_conflicts where id = %s", (conflict,)).fetchone()
    assert found is not None
    return found[0]  # type: ignore[no-any-return]


def test_the_owner_sees_open_conflicts_on_the_inbox_and_the_calendar_page(console: Console) -> None:
    clinic = new_business(console, "Dra. Ruiz", "Dr. Soto")
    conflict = _conflict(console, clinic, clinic.members[0])
    owner = signed_in(console, clinic.org)

    inbox = owner.client.get("/console/inbox").text
    assert 'id="calendar-attention"' in inbox and said(inbox, ES["calendar_attention"].format(conflicts=1, broken=0))
    page = owner.client.get(PAGE).text
    assert f'data-id="{conflict}"' in page and said(page, ES["calendar_external_event"])
    assert "16:00" in page and "15:45" in page and "18:00" in page  # the business's zone
    assert "Lucía" not in page and "ext123" not in page  # neither the customer nor the event


def test_staff_resolve_their_own_conflicts_only(console: Console) -> None:
    clinic = new_business(console, "Dra. Ruiz", "Dr. Soto")
    mine, theirs = _conflict(console, clinic, clinic.members[0]), _conflict(console, clinic, clinic.members[1])
    owner, staff = signed_in(console, clinic.org), signed_in(console, clinic.org, "staff")
    link(console, owner, staff, clinic.members[0])
    page = staff.client.get(PAGE).text
    assert f'data-id="{mine}"' in page and f'data-id="{theirs}"' not in page
    # Staff's inbox carries no badge (the owner's).
    assert 'id="calendar-attention"' not in staff.client.get("/console/inbox").text

    refused = staff.client.post(f"{PAGE}/conflicts/{theirs}/resolve", data={"csrf_token": csrf(staff.client, PAGE)})
    assert refused.status_code == 403 and said(refused.text, ES["calendar_own_only"])
    assert _resolved_at(console, theirs) is None

    done = staff.client.post(f"{PAGE}/conflicts/{mine}/resolve", data={"csrf_token": csrf(staff.client, PAGE)})
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?notice=resolved"
    assert _resolved_at(console, mine) is not None
    assert (staff.email, "calendar_conflict_resolved", mine) in audit(console, clinic.org)
    # Resolved already, or another business's: not found; no second audit line.
    again = staff.client.post(f"{PAGE}/conflicts/{mine}/resolve", data={"csrf_token": csrf(staff.client, PAGE)})
    assert again.status_code == 404
    stranger = signed_in(console, new_business(console, "Ajeno").org)
    other = stranger.client.post(f"{PAGE}/conflicts/{theirs}/resolve", data={"csrf_token": csrf(stranger.client, PAGE)})
    assert other.status_code == 404 and _resolved_at(console, theirs) is None
    # The owner resolves any member's.
    by_owner = owner.client.post(f"{PAGE}/conflicts/{theirs}/resolve", data={"csrf_token": csrf(owner.client, PAGE)})
    assert by_owner.status_code == 303
    assert [a for _, a, _ in audit(console, clinic.org)].count("calendar_conflict_resolved") == 2
