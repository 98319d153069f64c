"""The handoff in the console on its real parts (issue 27, points 5 and 6): the business's hours
for people and what happens outside them (owners; checked, stored, audited), taking a conversation
assigns it, the inbox's "Mías" / "Sin asignar" with how long one waits and the message a customer
left, and a staff member's own WhatsApp number (validated, their own only, never in the audit)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from console_kit import CHANGES, Console, csrf
from fastapi.testclient import TestClient
from settings_kit import audit, business, post, row, rows

HANDOFF = "/console/settings/handoff"


def test_opening_hours_and_the_follow_up_rules_are_checked_stored_and_audited(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org)
    assert "se considera que siempre hay alguien" in client.get(HANDOFF).text  # no hours anywhere yet

    bad = post(client, HANDOFF, HANDOFF, outside_hours_notice="at_opening", renotify_after_minutes="0",
               message_offer_after_minutes="30")  # fmt: skip
    assert bad.status_code == 400 and "Los minutos deben ser un número entre 1 y 1440." in bad.text
    bad = post(client, HANDOFF, HANDOFF, outside_hours_notice="luego", renotify_after_minutes="10",
               message_offer_after_minutes="30")  # fmt: skip
    assert bad.status_code == 400 and "Elige cuándo avisar fuera de horario." in bad.text
    hours = post(client, f"{HANDOFF}/hours", HANDOFF, weekday="1", starts="14:00", ends="09:00")
    assert hours.status_code == 400
    assert audit(console, org) == []
    assert rows(console, "select id from opening_hours where organization_id = %s", org) == []

    saved = post(client, HANDOFF, HANDOFF, outside_hours_notice="at_opening", renotify_after_minutes="15",
                 message_offer_after_minutes="45")  # fmt: skip
    assert saved.status_code == 303
    settings = "select outside_hours_notice, renotify_after_minutes, message_offer_after_minutes"
    assert row(console, f"{settings} from notification_settings where organization_id = %s", org) == (
        "at_opening", 15, 45,
    )  # fmt: skip
    assert post(client, f"{HANDOFF}/hours", HANDOFF, weekday="2", starts="09:00", ends="14:00").status_code == 303
    (hours_id,) = [r[0] for r in rows(console, "select id::text from opening_hours where organization_id = %s", org)]
    page = client.get(HANDOFF).text
    assert "Martes" in page and "09:00\u201314:00" in page and 'id="notice-at-opening" checked' in page
    assert post(client, f"{HANDOFF}/hours/{hours_id}/delete", HANDOFF).status_code == 303
    assert rows(console, "select id from opening_hours where organization_id = %s", org) == []
    actions = [a for _, a, _ in audit(console, org)]
    assert actions == ["settings_handoff", "settings_opening_hours_add", "settings_opening_hours_delete"]


def test_without_hours_of_its_own_the_staff_s_hours_are_shown_as_the_ones_used(console: Console) -> None:
    org = business(console)
    with psycopg.connect(console.owner_url) as conn:
        member = conn.execute(
            "insert into members (organization_id, name) values (%s, 'Ana') returning id", (org,)
        ).fetchone()
        assert member
        conn.execute(
            "insert into member_hours (organization_id, member_id, weekday, starts, ends)"
            " values (%s, %s, 3, '10:00', '18:00')",
            (org, member[0]),
        )
    page = console.signed_in(org).get(HANDOFF).text
    assert "se usa el de los profesionales" in page and "Miércoles" in page and "10:00\u201318:00" in page


def test_the_handoff_settings_are_the_owner_s(console: Console) -> None:
    org = business(console)
    staff = console.signed_in(org, "staff")
    assert staff.get(HANDOFF).status_code == 403
    answer = staff.post(HANDOFF, data={"csrf_token": csrf(staff, "/console/inbox"), "renotify_after_minutes": "1"})
    assert answer.status_code == 403


def _escalate(console: Console, org: str, identity: str, waiting_since: datetime) -> None:
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "insert into escalations (organization_id, chat_identity_id, reason, turn_id, waiting_since)"
            " values (%s, %s, 'Pide una persona', %s, %s)",
            (org, identity, f"turn-{uuid.uuid4().hex}", waiting_since),
        )
        conn.execute("update chat_identities set bot_enabled = false where id = %s", (identity,))


def _listed(client: TestClient, show: str) -> set[str]:
    answer = client.get(f"/console/api/conversations?show={show}")
    assert answer.status_code == 200
    return {c["identity_id"] for c in answer.json()}


def test_taking_a_conversation_assigns_it_and_the_inbox_has_mine_and_unassigned(console: Console) -> None:
    org = business(console)
    ana, bea = console.signed_in(org, "staff"), console.signed_in(org, "staff")
    first, second = console.conversation(org), console.conversation(org)
    _escalate(console, org, first, datetime.now(UTC) - timedelta(minutes=12))
    _escalate(console, org, second, datetime.now(UTC) - timedelta(minutes=3))
    assert _listed(ana, "unassigned") == {first, second}
    assert 'data-waiting="12"' in ana.get("/console/inbox?show=unassigned").text

    page = f"/console/conversations/{first}"
    assert post(ana, f"{page}/takeover", page).status_code == 303
    assert _listed(ana, "mine") == {first} and _listed(bea, "mine") == set()
    assert _listed(bea, "unassigned") == {second}
    (taken,) = [c for c in ana.get("/console/api/conversations?show=mine").json()]
    assert taken["assigned_to"] is not None and taken["waiting_since"] is None  # taken: nobody waits
    assert "Tuya" in ana.get(page).text and "Asignada" in bea.get(page).text
    assert ("takeover", page.rsplit("/", 1)[1]) in [(a, t) for _, a, t in audit(console, org)]

    assert post(ana, f"{page}/handback", page).status_code == 303  # handing it back ends the assignment
    assert row(console, "select assigned_to from chat_identities where id = %s", first) == (None,)
    assert _listed(ana, "mine") == set()


def test_the_message_a_customer_left_is_shown_to_staff(console: Console) -> None:
    org = business(console)
    client = console.signed_in(org, "staff")
    identity = console.conversation(org)
    _escalate(console, org, identity, datetime.now(UTC) - timedelta(minutes=40))
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "update escalations set offer_claimed_at = now(), offer_queued_at = now(),"
            " customer_message = 'Llamadme a las 5', message_at = now() where chat_identity_id = %s",
            (identity,),
        )
    assert "Mensaje del cliente" in client.get("/console/inbox?show=unassigned").text
    page = client.get(f"/console/conversations/{identity}").text
    assert "Llamadme a las 5" in page


def test_a_staff_member_s_own_number_is_checked_kept_to_their_account_and_never_audited(console: Console) -> None:
    org = business(console)
    ana, bea = console.signed_in(org, "staff"), console.signed_in(org, "staff")
    page = "/console/my-number"
    bad = post(ana, page, page, whatsapp_number="12345")
    assert bad.status_code == 400 and "Ese número no es válido" in bad.text
    bad = post(ana, page, page, whatsapp_number="+0 611 222 333")
    assert bad.status_code == 400
    ana.get("/console/lang/en")
    bad = post(ana, page, page, whatsapp_number="abc")
    assert bad.status_code == 400 and "That number is not valid" in bad.text
    assert rows(console, "select sub from console_users where organization_id = %s and whatsapp_number is not null",
                org) == []  # fmt: skip

    assert post(ana, page, page, whatsapp_number="+34 611 222 333").status_code == 303
    numbers = rows(console, "select email, whatsapp_number from console_users where organization_id = %s", org)
    assert sorted(n for _, n in numbers if n) == ["34611222333"]  # Ana's only
    assert 'value="+34611222333"' in ana.get(page).text
    assert 'value=""' in bea.get(page).text
    details = rows(console, f"select details from audit_log where organization_id = %s and {CHANGES}", org)  # noqa: S608
    assert details and all("611222333" not in str(d) for (d,) in details)
    assert post(ana, page, page, whatsapp_number="").status_code == 303  # cleared
    assert rows(console, "select sub from console_users where organization_id = %s and whatsapp_number is not null",
                org) == []  # fmt: skip
