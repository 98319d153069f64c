"""Staff in the settings on their real parts: members, the services each offers, weekly hours (an
overlap refused readably) and time off in the business's local time, closures, all audited."""

from __future__ import annotations

import re

from console_kit import Console, csrf
from settings_kit import (
    CLINIC_SERVICE,
    audit,
    business,
    post,
    row,
    rows,
)


def test_member_services_hours_and_time_off_are_stored(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    services = "/console/settings/services"
    post(client, services, services, name="Corte", duration_minutes="30", price="20", currency="EUR", bookable="on")
    [(service_id,)] = rows(console, "select id::text from services where organization_id = %s", org)

    staff = "/console/settings/staff"
    answer = post(client, staff, staff, name="Rosa", active="on")
    assert answer.status_code == 303
    member_page = answer.headers["location"].split("?")[0]
    member = member_page.rsplit("/", 1)[1]
    assert row(console, "select name, active from members where id = %s and organization_id = %s", member, org) == (
        "Rosa",
        True,
    )

    # Services offered: another business's service id is ignored.
    answer = client.post(
        f"{member_page}/services",
        data={"csrf_token": csrf(client, member_page), "service_id": [service_id, CLINIC_SERVICE]},
    )
    assert answer.status_code == 303
    assert rows(console, "select service_id::text from member_services where member_id = %s", member) == [(service_id,)]

    # Weekly hours: a split shift and midnight; an overlap is refused readably.
    assert (
        post(client, f"{member_page}/hours", member_page, weekday="1", starts="09:00", ends="14:00").status_code == 303
    )
    assert (
        post(client, f"{member_page}/hours", member_page, weekday="1", starts="16:00", ends="24:00").status_code == 303
    )
    answer = post(client, f"{member_page}/hours", member_page, weekday="1", starts="13:00", ends="15:00")
    assert answer.status_code == 400 and "se solapa" in answer.text
    answer = post(client, f"{member_page}/hours", member_page, weekday="2", starts="18:00", ends="10:00")
    assert answer.status_code == 400 and "el final debe ser posterior" in answer.text
    assert rows(
        console,
        "select weekday, starts::text, ends::text from member_hours where member_id = %s order by starts",
        member,
    ) == [(1, "09:00:00", "14:00:00"), (1, "16:00:00", "24:00:00")]
    assert re.search(r"16:00\W24:00", client.get(member_page).text)

    # Time off in the business's local time (Europe/Madrid by default: CET in December).
    answer = post(
        client,
        f"{member_page}/time-off",
        member_page,
        off_starts="2026-12-24T09:00",
        off_ends="2026-12-24T14:00",
        reason="Médico",
    )
    assert answer.status_code == 303
    assert rows(
        console,
        "select to_char(starts_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI'), reason from member_time_off"
        " where member_id = %s",
        member,
    ) == [("2026-12-24 08:00", "Médico")]
    # The whole business closed for a day.
    answer = post(client, f"{staff}/closures", staff, off_starts="2026-12-25T00:00", off_ends="2026-12-26T00:00")
    assert answer.status_code == 303
    assert rows(
        console, "select count(*) from member_time_off where organization_id = %s and member_id is null", org
    ) == [(1,)]

    # Renamed and off the rota; an hours row deleted.
    assert post(client, member_page, member_page, name="Rosa Q.").status_code == 303
    assert row(console, "select name, active from members where id = %s", member) == ("Rosa Q.", False)
    [(hours_id,)] = rows(console, "select id::text from member_hours where member_id = %s and starts = '09:00'", member)
    assert post(client, f"{member_page}/hours/{hours_id}/delete", member_page).status_code == 303
    assert rows(console, "select count(*) from member_hours where member_id = %s", member) == [(1,)]
    assert [a for _, a, _ in audit(console, org)] == [
        "settings_service_create",
        "settings_member_create",
        "settings_member_services",
        "settings_hours_add",
        "settings_hours_add",
        "settings_time_off_add",
        "settings_time_off_add",
        "settings_member_update",
        "settings_hours_delete",
    ]
