"""Access to the console is traceable (conversations are health data): every sign-in and
sign-out, and who opened which conversation's transcript, is a line in audit_log with the actor,
written as the console's own database role, which can append to the log but never rewrite it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from console_kit import ACCOUNT_LINES, CLINIC, PASSWORD, SALON, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient

from receptionist.crm.inbox import READ_WINDOW


def lines(console: Console, actor: str) -> list[tuple[Any, ...]]:
    """The actor's audit lines, oldest first: (organization, action, target), leaving out those of
    the account's own second factor (set up as it first signs in: test_staff_accounts.py)."""
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            "select organization_id::text, action, target from audit_log where actor = %s and action <> all(%s)"
            " order by id",
            (actor, list(ACCOUNT_LINES)),
        )
        return [tuple(r) for r in rows.fetchall()]


def sign_in(console: Console, organization: str | None, role: str = "staff") -> tuple[str, TestClient]:
    email = console.user(organization, role)
    client = console.client()
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 303, answer.text
    finish_sign_in(client, answer.headers["location"])
    return email, client


def sign_out(client: TestClient) -> None:
    answer = client.post("/console/logout", data={"csrf_token": csrf(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/console/login"


def test_signing_in_and_out_is_audited_with_the_account(console: Console) -> None:
    email, client = sign_in(console, CLINIC)
    assert lines(console, email) == [(CLINIC, "sign_in", None)]
    sign_out(client)
    assert lines(console, email) == [(CLINIC, "sign_in", None), (CLINIC, "sign_out", None)]
    assert client.get("/console/inbox").headers["location"] == "/console/login"  # the session is gone


def test_an_operator_s_sign_in_and_out_are_audited_outside_any_business(console: Console) -> None:
    email, client = sign_in(console, None, "operator")
    sign_out(client)
    assert lines(console, email) == [(None, "sign_in", None), (None, "sign_out", None)]


def test_a_refused_sign_in_or_a_sign_out_without_a_session_records_no_one(console: Console) -> None:
    email = console.user(CLINIC, "staff")
    client = console.client()
    refused = client.post(
        "/console/login", data={"email": email, "password": "Otra-Clave-2026", "csrf_token": csrf(client)}
    )
    assert refused.status_code == 401
    sign_out(client)  # no session: the cookie is cleared, nobody to record
    assert lines(console, email) == []


def test_who_opened_which_transcript_is_audited_once_per_reader_and_window(console: Console) -> None:
    identity = console.conversation(CLINIC, text="Me duele la muela desde ayer")
    theirs = console.conversation(SALON)
    ana, ana_client = sign_in(console, CLINIC)
    page = f"/console/conversations/{identity}"

    assert ana_client.get(page).status_code == 200
    assert lines(console, ana)[-1] == (CLINIC, "transcript_opened", identity)
    # Its own refreshes, the fragment and the API within the window are the same reading.
    assert ana_client.get(f"{page}/transcript").status_code == 200
    assert ana_client.get(f"/console/api/conversations/{identity}").status_code == 200
    assert ana_client.get(page).status_code == 200
    assert [line for line in lines(console, ana) if line[1] == "transcript_opened"] == [
        (CLINIC, "transcript_opened", identity)
    ]
    # Another business's conversation is not found, and nothing is read.
    assert ana_client.get(f"/console/conversations/{theirs}").status_code == 404
    assert ana_client.get(f"/console/conversations/{theirs}/transcript").status_code == 404
    assert all(target != theirs for _, _, target in lines(console, ana))

    # Each reader is recorded, whichever way they read it: the API, the fragment alone.
    bea, bea_client = sign_in(console, CLINIC)
    assert bea_client.get(f"/console/api/conversations/{identity}").json()["messages"]
    cai, cai_client = sign_in(console, CLINIC)
    assert "Me duele la muela" in cai_client.get(f"{page}/transcript").text
    for reader in (bea, cai):
        assert lines(console, reader)[-1] == (CLINIC, "transcript_opened", identity)

    # Once the window has passed (the line moved back by the owner, who alone may), it is read again.
    with psycopg.connect(console.owner_url) as conn:
        conn.execute(
            "update audit_log set at = at - %s where actor = %s and action = 'transcript_opened'",
            (READ_WINDOW + timedelta(minutes=1), ana),
        )
    assert ana_client.get(f"{page}/transcript").status_code == 200
    opened = [line for line in lines(console, ana) if line[1] == "transcript_opened"]
    assert opened == [(CLINIC, "transcript_opened", identity)] * 2


@pytest.mark.parametrize("statement", ["delete from audit_log", "update audit_log set actor = 'nadie'"])
def test_the_console_cannot_erase_its_traces(console: Console, console_url: str, statement: str) -> None:
    email, client = sign_in(console, CLINIC)
    sign_out(client)
    with psycopg.connect(console_url, autocommit=True) as conn, conn.transaction():
        conn.execute("select set_config('app.organization_id', %s, true)", (CLINIC,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():  # a savepoint
            conn.execute(f"{statement} where actor = %s", (email,))
    assert [action for _, action, _ in lines(console, email)] == ["sign_in", "sign_out"]


def test_an_operator_line_cannot_be_written_for_a_business(console_url: str) -> None:
    """Lines of no business are written with no tenant set; with one set, every line is that business's."""
    with psycopg.connect(console_url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("select set_config('app.organization_id', %s, true)", (CLINIC,))
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), conn.transaction():
                conn.execute("insert into audit_log (organization_id, actor, action) values (null, 'x', 'sign_in')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("insert into audit_log (organization_id, actor, action) values (%s, 'x', 'sign_in')", (SALON,))
        assert conn.execute("select count(*) from audit_log").fetchone() == (0,)  # and it reads none of them
