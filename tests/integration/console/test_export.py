"""An owner's download of one customer's data (docs/privacy.md, "Access and portability"): the
archive is left in the bucket under exports/ and the browser is sent to a short-lived presigned
link; owners only, one conversation of their own business, audited before the link exists.
(tests/e2e/test_export.py checks an archive against every store after a whole conversation.)"""

from __future__ import annotations

import dataclasses
import io
import json
import urllib.request
import uuid
import zipfile
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from console_kit import CLINIC, PASSWORD, SALON, Console, csrf, finish_sign_in
from fastapi.testclient import TestClient

from receptionist.adapters.media_archive import MediaArchive
from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats
from receptionist.crm.connection import Database

VOICE = b"OggS\x00\x02voice-note-bytes" + bytes(range(256)) * 8


@dataclasses.dataclass
class Customer:
    identity: str
    number: str
    voice_message: str  # the Gupshup id of the voice note


def customer(console: Console, organization: str = CLINIC, app: str = "ClinicaSonrisa") -> Customer:
    """A customer who wrote, sent a voice note (its copy in the bucket) and was answered."""
    number = f"346{uuid.uuid4().int % 10**8:08d}"
    voice = f"wamid.{uuid.uuid4().hex}"
    db = Database(console.owner_url)
    try:
        identity = chats.touch_identity(db, organization, number, "Lucía", datetime.now(UTC))
        chats.record_inbound(
            db,
            organization,
            identity.id,
            provider_message_id=f"wamid.{uuid.uuid4().hex}",
            kind="text",
            raw={"type": "text", "payload": {"text": "Quiero una cita"}},
            processed_text="Quiero una cita",
        )
        chats.record_inbound(
            db,
            organization,
            identity.id,
            provider_message_id=voice,
            kind="audio",
            raw={"type": "audio", "payload": {"url": "https://filemanager.gupshup.io/x.ogg"}},
            processed_text="[Nota de voz] Me duele una muela desde ayer",
        )
        chats.record_outbound(db, organization, identity.id, text="¿Qué día te viene bien?", turn_id=voice)
    finally:
        db.close()
    MediaArchive(console.bucket, console.s3).keep(str(ConversationKey(app, number)), voice, VOICE, "audio/ogg")
    return Customer(identity.id, number, voice)


def exports(console: Console) -> list[str]:
    """The archives left in the bucket."""
    listed = console.s3.list_objects_v2(Bucket=console.bucket, Prefix="exports/")
    return [str(o["Key"]) for o in listed.get("Contents", [])]


def export_lines(console: Console, target: str) -> list[dict[str, Any]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            "select organization_id::text as org, actor, action, target, details::text as details,"
            " row(a.*)::text as line from audit_log a where target = %s and action = 'customer_exported' order by id",
            (target,),
        )
        names = [c.name for c in rows.description or []]
        return [dict(zip(names, r, strict=True)) for r in rows.fetchall()]


def download(client: TestClient, identity: str) -> Any:
    token = csrf(client, f"/console/conversations/{identity}")
    return client.post(f"/console/exports/{identity}", data={"csrf_token": token})


def test_the_owner_downloads_the_customer_s_archive_and_the_download_is_audited(console: Console) -> None:
    someone = customer(console)
    email = console.user(CLINIC, "owner")
    client = console.client()
    signed = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    finish_sign_in(client, signed.headers["location"])
    page = client.get(f"/console/conversations/{someone.identity}")
    assert 'id="export-data"' in page.text and f"/console/exports/{someone.identity}" in page.text

    answer = download(client, someone.identity)

    assert answer.status_code == 303
    link = answer.headers["location"]
    assert link.startswith(console.s3.meta.endpoint_url) and someone.number not in link
    assert f"/exports/{CLINIC}/{someone.identity}/" in link  # where erasing the customer finds it
    with urllib.request.urlopen(link, timeout=10) as got:  # what the owner's browser fetches
        disposition = got.headers["Content-Disposition"]
        archive = zipfile.ZipFile(io.BytesIO(got.read()))
    assert disposition.startswith("attachment; filename=") and someone.number not in disposition
    document = json.loads(archive.read("export.json"))
    assert document["conversation"]["id"] == someone.identity
    assert document["conversation"]["whatsapp_number"] == someone.number
    assert [m["text"] for m in document["messages"]] == [
        "Quiero una cita",
        "[Nota de voz] Me duele una muela desde ayer",
        "¿Qué día te viene bien?",
    ]
    (voice,) = document["media"]
    assert archive.read(voice["file"]) == VOICE and voice["content_type"] == "audio/ogg"
    assert document["messages"][1]["media"] == voice["file"]
    assert {"export.json", "export.schema.json", "LEEME.txt"} <= set(archive.namelist())
    # Who exported which customer: the conversation's id, never the number.
    (line,) = export_lines(console, someone.identity)
    assert (line["org"], line["actor"], line["action"]) == (CLINIC, email, "customer_exported")
    assert json.loads(line["details"]) == {
        "via": "console",
        "messages": 3,
        "appointments": 0,
        "escalations": 0,
        "media": 1,
        "media_bytes": len(VOICE),
    }
    assert someone.number not in line["line"]
    assert download(client, someone.identity).status_code == 303  # each download is its own line
    assert len(export_lines(console, someone.identity)) == 2


def test_staff_operators_and_other_businesses_get_nothing_and_nothing_is_recorded(console: Console) -> None:
    someone = customer(console)
    before = exports(console)
    staff = console.signed_in(CLINIC, "staff")
    assert 'id="export-data"' not in staff.get(f"/console/conversations/{someone.identity}").text
    refused = download(staff, someone.identity)
    assert refused.status_code == 403 and "Solo la cuenta propietaria" in refused.text

    other_owner = console.signed_in(SALON)  # the same id from another business: not found
    token = csrf(other_owner, "/console/inbox")
    assert other_owner.post(f"/console/exports/{someone.identity}", data={"csrf_token": token}).status_code == 404
    assert other_owner.post("/console/exports/not-an-id", data={"csrf_token": token}).status_code == 404

    operator = console.signed_in(None, "operator")
    token = csrf(operator, "/console/login")
    assert operator.post(f"/console/exports/{someone.identity}", data={"csrf_token": token}).status_code == 403

    owner = console.signed_in(CLINIC)
    assert owner.post(f"/console/exports/{someone.identity}").status_code == 403  # no CSRF token
    assert owner.get(f"/console/exports/{someone.identity}").status_code == 405  # a link cannot trigger it

    assert export_lines(console, someone.identity) == []
    assert exports(console) == before


def test_an_export_too_large_for_the_console_is_refused_with_a_sentence(console: Console) -> None:
    someone = customer(console)
    smaller = dataclasses.replace(console.app.state.parts.exports, max_media_bytes=len(VOICE) - 1)
    before = exports(console)
    owner = console.signed_in(CLINIC)
    owner.get("/console/lang/en")
    with console.parts_changed(exports=smaller):
        refused = download(owner, someone.identity)
    assert refused.status_code == 413 and "too large to download here" in refused.text
    assert "receptionist.ops.export" in refused.text
    assert export_lines(console, someone.identity) == [] and exports(console) == before


def test_an_archive_whose_audit_line_fails_is_never_linked(console: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window between keeping the archive and its audit line: a failure there hands out no
    link (the archive left behind has none, and the bucket's lifecycle rule deletes it)."""
    someone = customer(console)
    before = exports(console)
    owner = console.signed_in(CLINIC)
    token = csrf(owner, f"/console/conversations/{someone.identity}")

    def audit_fails(*args: Any, **kwargs: Any) -> None:
        raise psycopg.errors.QueryCanceled("statement timeout")

    monkeypatch.setattr("receptionist.console.services.exports.inbox.record_audit", audit_fails)
    crashing = TestClient(
        console.app, base_url="https://testserver", follow_redirects=False, raise_server_exceptions=False
    )
    crashing.cookies = owner.cookies
    answer = crashing.post(f"/console/exports/{someone.identity}", data={"csrf_token": token})
    assert answer.status_code == 500 and "location" not in answer.headers
    assert "X-Amz-Signature" not in answer.text
    assert export_lines(console, someone.identity) == []
    assert len(exports(console)) == len(before) + 1  # kept, linked to no one
