"""An owner blocks or erases a customer from their conversation's page (console/services/privacy.py), on real
parts: the console's database role calling the SQL functions for the signed-in owner, the template's
tables and bucket in moto. The number typed again confirms it; the reason is required and audited,
never naming the customer; staff cannot; another business's conversation is a 404."""

from __future__ import annotations

import re
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import psycopg
from console_kit import CLINIC, SALON, Console, csrf

sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))
from privacy_kit import Seeded, new_number, scan_all, seed_customer

from receptionist.console.times import LocalTimes
from receptionist.console.words import words
from receptionist.crm.connection import Database
from receptionist.privacy.ports import Refusal

APP = "ClinicaSonrisa"
REASON = "Solicitud de supresión recibida por escrito"


def _seed(console: Console) -> Seeded:
    db = Database(console.owner_url)
    try:
        return seed_customer(db, console.stores, None, CLINIC, APP, new_number())
    finally:
        db.close()


def _form(seeded: Seeded, page: str, **fields: str) -> dict[str, str]:
    token = re.search(r'id="forget-form">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page)
    assert token, "the owner's form is on the conversation's page"
    spaced = f"+{seeded.number[:2]} {seeded.number[2:5]} {seeded.number[5:8]} {seeded.number[8:]}"
    return {"csrf_token": token.group(1), "mode": "erase", "reason": REASON, "confirm": spaced, **fields}


def _rows(console: Console, seeded: Seeded) -> int:
    with psycopg.connect(console.owner_url) as conn:
        row = conn.execute(
            "select count(*) from chat_messages where chat_identity_id = %s", (seeded.identity,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_an_owner_erases_a_customer_everywhere_from_their_conversation(console: Console) -> None:
    seeded = _seed(console)
    owner = console.signed_in(CLINIC)
    page = owner.get(f"/console/conversations/{seeded.identity}")
    answer = owner.post(f"/console/conversations/{seeded.identity}/forget", data=_form(seeded, page.text))
    assert answer.status_code == 200, answer.text
    assert 'id="forget-done"' in answer.text and 'data-mode="erase"' in answer.text
    assert seeded.pseudonym in answer.text and seeded.number not in answer.text and seeded.name not in answer.text
    assert owner.get(f"/console/conversations/{seeded.identity}").status_code == 404
    assert scan_all(console.owner_url, console.stores).hits(seeded.needles()) == []
    with psycopg.connect(console.owner_url) as conn:
        lines = conn.execute(
            "select actor, action, details::text from audit_log where target = %s order by id", (seeded.pseudonym,)
        ).fetchall()
    assert [a for _, a, _ in lines] == ["customer_erase_requested", "customer_erased"]
    assert all(actor.startswith("owner-") and REASON in details for actor, _, details in lines)


def test_a_block_from_the_console_keeps_the_record_until_its_date(console: Console) -> None:
    seeded = _seed(console)
    owner = console.signed_in(CLINIC)
    until = date.today() + timedelta(days=800)
    page = owner.get(f"/console/conversations/{seeded.identity}")
    form = _form(seeded, page.text, mode="block", until=until.isoformat())
    answer = owner.post(f"/console/conversations/{seeded.identity}/forget", data=form)
    assert (
        answer.status_code == 200 and 'data-mode="block"' in answer.text and LocalTimes("es").day(until) in answer.text
    )
    with psycopg.connect(console.owner_url) as conn:
        kept = conn.execute(
            "select blocked_until from blocked_customers where customer_number = %s", (seeded.number,)
        ).fetchone()
    assert kept == (until,)
    assert owner.get(f"/console/conversations/{seeded.identity}").status_code == 404  # hidden from staff


def test_nothing_is_removed_without_the_right_number_a_reason_or_a_valid_date(console: Console) -> None:
    seeded = _seed(console)
    owner = console.signed_in(CLINIC)
    url = f"/console/conversations/{seeded.identity}"
    cases = {
        "El número escrito no es el de este cliente.": {"confirm": "34600000000"},
        "Escribe el motivo.": {"reason": "   "},
        "El motivo no puede llevar el nombre": {"reason": f"Lo pide {seeded.name}"},
        "La fecha debe ser AAAA-MM-DD": {"mode": "block", "until": (date.today() - timedelta(days=1)).isoformat()},
        "Elige bloquear o borrar.": {"mode": "archive"},
    }
    for sentence, fields in cases.items():
        answer = owner.post(f"{url}/forget", data=_form(seeded, owner.get(url).text, **fields))
        assert answer.status_code == 400, (sentence, answer.status_code)
        assert 'id="forget-error"' in answer.text and sentence in answer.text
    assert _rows(console, seeded) == 5  # everything still there


def test_staff_cannot_and_another_business_s_conversation_is_not_found(console: Console) -> None:
    seeded = _seed(console)
    url = f"/console/conversations/{seeded.identity}"
    staff = console.signed_in(CLINIC, role="staff")
    page = staff.get(url)
    assert page.status_code == 200 and 'id="forget-form"' not in page.text  # not offered
    token = csrf(staff, url)
    spaced = seeded.number
    data = {"csrf_token": token, "mode": "erase", "reason": REASON, "confirm": spaced}
    assert staff.post(f"{url}/forget", data=data).status_code == 403
    salon = console.signed_in(SALON)
    data["csrf_token"] = csrf(salon, "/console/inbox")
    assert salon.post(f"{url}/forget", data=data).status_code == 404
    owner = console.signed_in(CLINIC)
    assert owner.post(f"{url}/forget", data={**data, "csrf_token": "forged"}).status_code == 403
    assert _rows(console, seeded) == 5


def test_the_owner_s_form_in_english(console: Console) -> None:
    seeded = _seed(console)
    owner = console.signed_in(CLINIC)
    owner.get("/console/lang/en")
    page = owner.get(f"/console/conversations/{seeded.identity}")
    assert "Block or erase this customer&#39;s data" in page.text and "Type the customer&#39;s number" in page.text


def test_every_refusal_has_its_sentence() -> None:
    for code in get_args(Refusal):
        assert f"privacy_{code}" in words("es"), code
