"""Staff see and set a customer's language on the conversation page (issue 30, point 1), on the
real parts (PostgreSQL as the console's role): the business's language until one is known, a
detected one shown as detected, staff's choice stored as staff's (the detector then cannot change
it) and audited with the previous one, "Automatic" giving it back; another business's customer or
a made-up language refused; CSRF on the post."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
from console_kit import CLINIC, SALON, Console, csrf
from fastapi.testclient import TestClient

from receptionist.console.words import words
from receptionist.crm import customer_language
from receptionist.crm.connection import Database


def _post(client: TestClient, path: str, page: str, **fields: Any) -> Any:
    return client.post(path, data={"csrf_token": csrf(client, page), **fields})


def _stored(console: Console, identity: str) -> tuple[Any, ...] | None:
    with psycopg.connect(console.owner_url) as conn:
        return conn.execute(
            "select language, language_source from chat_identities where id = %s", (identity,)
        ).fetchone()


def _now_shown(page: str) -> tuple[str, str]:
    found = re.search(r'id="language-now" data-locale="(\w+)" data-source="(\w+)"', page)
    assert found, page[:300]
    return found.group(1), found.group(2)


def test_staff_see_and_choose_a_customer_s_language_and_it_outranks_detection(console: Console) -> None:
    identity = console.conversation(CLINIC)
    client = console.signed_in(CLINIC, "staff")
    page_url = f"/console/conversations/{identity}"
    assert _now_shown(client.get(page_url).text) == ("es", "business")  # the clinic's language, none known

    db = Database(console.owner_url)
    with db.acting_for(CLINIC):
        assert customer_language.set_detected(db, CLINIC, identity, "en", datetime.now(UTC))
    assert _now_shown(client.get(page_url).text) == ("en", "detected")

    answer = _post(client, f"{page_url}/language", page_url, language="pt_BR")
    assert answer.status_code == 303 and "notice=customer_language_set" in answer.headers["location"]
    assert _stored(console, identity) == ("pt_BR", "staff")
    page = client.get(f"{page_url}?notice=customer_language_set").text
    assert _now_shown(page) == ("pt_BR", "staff") and words("es")["language_saved"] in page
    with db.acting_for(CLINIC):  # the customer writing English no longer changes it
        assert not customer_language.set_detected(db, CLINIC, identity, "en", datetime.now(UTC))
    assert _stored(console, identity) == ("pt_BR", "staff")
    with psycopg.connect(console.owner_url) as conn:
        audit = conn.execute(
            "select actor, details from audit_log where action = 'customer_language_set' and target = %s order by id",
            (identity,),
        ).fetchall()
    assert [d for _, d in audit] == [{"language": "pt_BR", "previous": "en"}]
    assert audit[0][0].startswith("staff:staff-")

    _post(client, f"{page_url}/language", page_url, language="")  # Automatic: back to detection
    assert _stored(console, identity) == (None, None)
    assert _now_shown(client.get(page_url).text) == ("es", "business")


def test_the_language_post_refuses_what_it_must(console: Console) -> None:
    identity = console.conversation(CLINIC)
    salon_customer = console.conversation(SALON)
    client = console.signed_in(CLINIC, "staff")
    page_url = f"/console/conversations/{identity}"
    for target in (salon_customer, "not-an-id", str(uuid.uuid4())):
        assert _post(client, f"/console/conversations/{target}/language", page_url, language="en").status_code == 404
    assert _stored(console, salon_customer) == (None, None)
    bad = _post(client, f"{page_url}/language", page_url, language="fr")
    assert bad.status_code == 400 and words("es")["language_bad_choice"] in bad.text
    refused = client.post(f"{page_url}/language", data={"language": "en"})
    assert refused.status_code == 403 and _stored(console, identity) == (None, None)
