"""A customer's export, checked against the stores (docs/privacy.md, "Access and portability").

A customer of the clinic asks, books, sends a voice note and a photo, reschedules, confirms from
the reminder and is handed to a person; another customer of the clinic writes, and the same
number writes to the salon. Then the customer's archive, from `python -m receptionist.ops.export`
(--local, and the stage's settings) and from the owner's console download on the running stack,
holds exactly what the CRM and the bucket hold for them, and nothing of the others."""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import re
import subprocess
import sys
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import jsonschema
import psycopg
from e2e_kit import Pipeline, second_factor

from devstack.aws import moto_client
from devstack.demo import Step, play, post, remind_and_confirm
from devstack.gupshup_events import customer_message, post_callback
from receptionist.conversation_key import ConversationKey
from receptionist.ops.actor import ops_actor
from receptionist.privacy import keys
from receptionist.privacy.export_document import CustomerExport

ROOT = Path(__file__).resolve().parents[2]
MADRID = ZoneInfo("Europe/Madrid")
CLINIC_APP, SALON_APP = "ClinicaSonrisa", "SalonLima"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + hashlib.sha256(b"a tooth").digest() * 64 + b"\xff\xd9"
OTHER_WORDS = "Soy otra paciente y me sangran las encías"
# The demo's conversation on days of its own (a Tuesday, moved to Wednesday: the demo's other
# plays in this session book Thursdays and Fridays), with the photo before the hand-over.
BEFORE_PHOTO: list[Step] = [
    ("a question", [("text", "Hola, ¿cuánto cuesta un empaste?")]),
    ("a booking request", [("text", "Quiero reservar un empaste para el martes")]),
    ("a voice note: ten o'clock, and the name", [("audio", "voice-note.ogg")]),
    ("a booking", [("text", "Sí, confirmo")]),
]
AFTER_PHOTO: list[Step] = [
    ("a reschedule", [("text", "Perdona, ¿me la puedes pasar al miércoles a la misma hora?")]),
    ("a request for a person", [("text", "¿Puedo hablar con una persona? Tengo una duda con mi seguro.")]),
]
SALON_WORDS = "Quería pedir cita para un corte de pelo"


def _photo(p: Pipeline, customer: str) -> None:
    before = len(p.gupshup.sent_to(customer))
    url = p.gupshup.add_media(f"{uuid.uuid4().hex}.jpg", PHOTO, "image/jpeg")
    body = customer_message(CLINIC_APP, customer, kind="image", content={"url": url, "contentType": "image/jpeg"})
    assert post_callback(p.stack.info["webhook_url"], p.stack.config.webhook_secret, body) == 200
    p.stack.wait_for(lambda: len(p.gupshup.sent_to(customer)) > before, timeout=p.bound())


def _write(p: Pipeline, app: str, customer: str, text: str) -> None:
    before = len(p.gupshup.sent_to(customer))
    secret = p.stack.info["webhook_secrets"][app]
    assert post_callback(p.stack.info["webhook_url"], secret, customer_message(app, customer, text=text)) == 200
    p.stack.wait_for(lambda: len(p.gupshup.sent_to(customer)) > before, timeout=p.bound())


def _export_cli(p: Pipeline, customer: str, out: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "receptionist.ops.export",
            "--app",
            CLINIC_APP,
            "--customer",
            customer,
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert customer not in done.stdout + done.stderr
    return done.stdout


# -- what the stores hold, read directly --------------------------------------------------------
def _rows(p: Pipeline, sql: str, *params: Any) -> list[dict[str, Any]]:
    with psycopg.connect(p.stack.info["database_url"], row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute(sql, params).fetchall()


def _organization(p: Pipeline, app: str) -> str:
    return str(p.stack.info["apps"][app]["organization_id"])


def _stored_media(p: Pipeline, app: str, customer: str) -> dict[str, bytes]:
    """Every object kept under the conversation's folder, by key."""
    s3 = moto_client("s3", p.stack.info["aws_endpoint_url"], p.stack.info["region"])
    bucket = p.stack.info["buckets"]["MediaBucket"]
    folder = keys.conversation_media_prefix(str(ConversationKey(app, customer)))
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=folder).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _check_against_the_stores(p: Pipeline, customer: str, archive: zipfile.ZipFile) -> dict[str, Any]:
    document = json.loads(archive.read("export.json"))
    jsonschema.validate(document, json.loads(archive.read("export.schema.json")))  # it says what it is
    CustomerExport.model_validate(document)
    clinic = _organization(p, CLINIC_APP)
    assert document["business"]["id"] == clinic

    (identity,) = _rows(
        p, "select * from chat_identities where organization_id = %s and customer_number = %s", clinic, customer
    )
    conversation = document["conversation"]
    assert conversation["id"] == str(identity["id"]) and conversation["whatsapp_number"] == customer
    assert _at(conversation["started_at"]) == identity["created_at"]
    assert _at(conversation["last_message_at"]) == identity["last_inbound_at"]
    assert (conversation["assistant_on"], conversation["opted_out"]) == (identity["bot_enabled"], identity["opted_out"])

    contacts = _rows(p, "select * from contacts where organization_id = %s and phone = %s", clinic, customer)
    assert [(c["id"], c["name"], c["phone"]) for c in document["contacts"]] == [
        (str(c["id"]), c["name"], c["phone"]) for c in contacts
    ]

    messages = _rows(
        p, "select * from chat_messages where chat_identity_id = %s order by created_at, part_index, id", identity["id"]
    )
    assert [(m["id"], m["direction"], m["kind"], _at(m["at"]), m["text"]) for m in document["messages"]] == [
        (str(m["id"]), m["direction"], m["kind"], m["created_at"], m["processed_text"]) for m in messages
    ]
    assert [m["received"] for m in document["messages"] if m["direction"] == "inbound"] == [
        m["raw"] for m in messages if m["direction"] == "inbound"
    ]
    assert {m["author"] for m in document["messages"]} == {"customer", "assistant"}

    appointments = _rows(
        p,
        "select a.*, s.name as service from appointments a join services s on s.id = a.service_id"
        " where a.contact_id = any(%s) order by a.starts_at",
        [c["id"] for c in contacts],
    )
    assert [(a["id"], a["service"], a["status"], _at(a["starts_at"])) for a in document["appointments"]] == [
        (str(a["id"]), a["service"], a["status"], a["starts_at"]) for a in appointments
    ]
    for exported, stored in zip(document["appointments"], appointments, strict=True):
        history = _rows(p, "select * from appointment_history where appointment_id = %s order by at, id", stored["id"])
        assert [(h["action"], _at(h["at"]), _at(h["new_starts_at"])) for h in exported["history"]] == [
            (h["action"], h["at"], h["new_starts_at"]) for h in history
        ]
        reminders = _rows(
            p, "select * from appointment_reminders where appointment_id = %s order by due_at", stored["id"]
        )
        assert [(_at(r["due_at"]), r["status"], r["answer"]) for r in exported["reminders"]] == [
            (r["due_at"], r["status"], r["answer"]) for r in reminders
        ]

    consent = _rows(p, "select * from consent_events where chat_identity_id = %s order by id", identity["id"])
    assert consent, "a customer who wrote has their consent recorded"
    assert [(c["purpose"], c["state"], c["source"], _at(c["at"])) for c in document["consent"]] == [
        (c["purpose"], c["state"], c["source"], c["at"]) for c in consent
    ]

    escalations = _rows(p, "select * from escalations where chat_identity_id = %s order by created_at", identity["id"])
    assert [(e["id"], e["reason"], e["status"]) for e in document["escalations"]] == [
        (str(e["id"]), e["reason"], e["status"]) for e in escalations
    ]
    summaries = _rows(p, "select * from thread_summaries where chat_identity_id = %s", identity["id"])
    summary = document["assistant_summary"]
    exported_summary = (summary["text"], _at(summary["updated_at"])) if summary else None
    assert exported_summary == ((summaries[0]["summary"], summaries[0]["updated_at"]) if summaries else None)

    # The media: exactly the bucket's objects of this conversation, byte for byte, each with its message.
    stored_media = _stored_media(p, CLINIC_APP, customer)
    assert sorted(archive.read(f["file"]) for f in document["media"]) == sorted(stored_media.values())
    for item in document["media"]:
        data = archive.read(item["file"])
        assert hashlib.sha256(data).hexdigest() == item["sha256"] and len(data) == item["bytes"]
    by_kind = {m["kind"]: m["media"] for m in document["messages"] if m["media"]}
    assert archive.read(by_kind["image"]) == PHOTO
    assert set(by_kind) == {"audio", "image"} and len(document["media"]) == 2
    return document


def _nothing_of_anyone_else(p: Pipeline, archive: zipfile.ZipFile, customer: str, other: str) -> None:
    everything = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    salon = _organization(p, SALON_APP)
    foreign_ids = [
        str(r["id"])
        for r in _rows(
            p,
            "select i.id from chat_identities i where (i.organization_id = %s and i.customer_number = %s)"
            " or (i.organization_id = %s and i.customer_number = %s)",
            salon,
            customer,
            _organization(p, CLINIC_APP),
            other,
        )
    ]
    assert len(foreign_ids) == 2
    for foreign in [other, OTHER_WORDS, SALON_WORDS, salon, *foreign_ids]:
        assert foreign not in everything, foreign
    # The other customer's voice note is in the bucket; the archive's media are this customer's
    # objects alone (_check_against_the_stores: the same bytes, as many).
    assert _stored_media(p, CLINIC_APP, other)


# -- the console, as a browser drives it --------------------------------------------------------
class Browser:
    """Plain HTTP to the local stack's console with a cookie jar that, like a browser on
    loopback, keeps Secure cookies."""

    def __init__(self, console_url: str) -> None:
        self.url = urlsplit(console_url)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection(self.url.hostname or "127.0.0.1", self.url.port, timeout=60)
        try:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
            body = None
            if form is not None:
                body, headers["Content-Type"] = urlencode(form), "application/x-www-form-urlencoded"
            conn.request(method, f"{self.url.path}{path}", body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read().decode("utf-8", "replace")
            for cookie in answer.headers.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name] = value.strip('"')
            return answer.status, answer.getheader("Location") or "", text
        finally:
            conn.close()

    def token(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert status == 200 and found, page[:500]
        return found.group(1)

    def sign_in(self, email: str, password: str) -> None:
        status, location, _ = self.request(
            "POST", "/login", {"email": email, "password": password, "csrf_token": self.token("/login")}
        )
        assert status == 303
        landed = second_factor(
            email,
            location,
            lambda path: self.request("GET", path.removeprefix(self.url.path))[2],
            lambda path, form: self.request("POST", path.removeprefix(self.url.path), form)[1],
        )
        assert landed == f"{self.url.path}/inbox", landed


def _owner(p: Pipeline, app: str) -> dict[str, str]:
    return next(u for u in p.stack.info["console_users"] if u["app"] == app and u["role"] == "owner")


def _console_download(p: Pipeline, identity: str) -> zipfile.ZipFile:
    owner = _owner(p, CLINIC_APP)
    browser = Browser(p.stack.info["console_url"])
    browser.sign_in(owner["email"], owner["password"])
    status, link, _ = browser.request(
        "POST", f"/exports/{identity}", {"csrf_token": browser.token(f"/conversations/{identity}")}
    )
    assert status == 303 and link.startswith(p.stack.info["aws_endpoint_url"]), (status, link)
    target = urlsplit(link)
    conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=60)
    try:
        conn.request("GET", f"{target.path}?{target.query}")
        got = conn.getresponse()
        data = got.read()
        assert got.status == 200 and got.getheader("Content-Disposition", "").startswith("attachment;")
    finally:
        conn.close()
    return zipfile.ZipFile(io.BytesIO(data))


def _export_lines(p: Pipeline, identity: str) -> list[dict[str, Any]]:
    return _rows(
        p,
        "select actor, details, row(a.*)::text as line from audit_log a"
        " where action = 'customer_exported' and target = %s order by id",
        identity,
    )


def test_an_export_holds_exactly_what_the_stores_hold_for_the_customer(pipeline: Pipeline, tmp_path: Path) -> None:
    p, customer, other = pipeline, pipeline.new_customer(), pipeline.new_customer()
    console_log = p.stack.config.state_dir / "logs" / "console.log"
    log_start = console_log.stat().st_size if console_log.exists() else 0
    play(p.stack, p.gupshup, steps=BEFORE_PHOTO, customer=customer, show=lambda s: None)
    _photo(p, customer)
    played = play(p.stack, p.gupshup, steps=AFTER_PHOTO, customer=customer, show=lambda s: None)
    assert played.appointment is not None and played.appointment["service"] == "Empaste"
    assert played.appointment["starts_at"].astimezone(MADRID).weekday() == 2  # moved to Wednesday
    remind_and_confirm(p.stack, p.gupshup, played.appointment, customer, show=lambda s: None)
    _write(p, CLINIC_APP, other, OTHER_WORDS)  # another customer of the same business...
    post(p.stack, "audio", "", p.gupshup, other)  # ...with a voice note of their own
    _write(p, SALON_APP, customer, SALON_WORDS)  # the same number at another business
    p.stack.wait_idle(timeout=p.bound())
    (identity,) = _rows(
        p,
        "select id::text from chat_identities where organization_id = %s and customer_number = %s",
        _organization(p, CLINIC_APP),
        customer,
    )

    # ops, from the running local stack's stack.json
    local = tmp_path / "local.zip"
    printed = _export_cli(
        p, customer, local, "--local", "--actor", "ops:e2e", env={"LOCAL_STATE_DIR": str(p.stack.config.state_dir)}
    )
    assert str(local) in printed and identity["id"] in printed
    assert oct(local.stat().st_mode & 0o777) == "0o600"
    with zipfile.ZipFile(local) as archive:
        document = _check_against_the_stores(p, customer, archive)
        _nothing_of_anyone_else(p, archive, customer, other)
    history = [(h["action"], h["by"]) for h in document["appointments"][0]["history"]]
    assert history == [("booked", "customer"), ("rescheduled", "customer"), ("confirmed", "customer")]  # the tap
    assert document["appointments"][0]["reminders"][0]["answer"] == "confirmed"
    assert document["escalations"] and document["escalations"][0]["status"] == "open"

    # ops, from the stage's settings: the console role's URL in SSM, the bucket from the stack's outputs
    stage = tmp_path / "stage.zip"
    env = {
        "AWS_ENDPOINT_URL": p.stack.info["aws_endpoint_url"],
        "AWS_DEFAULT_REGION": p.stack.info["region"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    env.update({k: "" for k in ("DATABASE_URL", "MEDIA_BUCKET")})
    _export_cli(p, customer, stage, "--stage", "dev", "--stack-name", p.stack.info["stack_name"], env=env)
    with zipfile.ZipFile(stage) as archive:
        assert _same(json.loads(archive.read("export.json")), document)

    # the owner's console download on the running stack: the same archive, audited
    with _console_download(p, identity["id"]) as archive:
        _check_against_the_stores(p, customer, archive)
        _nothing_of_anyone_else(p, archive, customer, other)
        assert _same(json.loads(archive.read("export.json")), document)
    lines = _export_lines(p, identity["id"])
    assert [(line["actor"], line["details"]["via"]) for line in lines] == [
        ("ops:e2e", "ops.export"),
        (ops_actor(None), "ops.export"),  # no --actor: the login name
        (_owner(p, CLINIC_APP)["email"], "console"),
    ]
    assert all(customer not in line["line"] for line in lines)

    # the console's log (every level) holds none of what it exported
    with console_log.open(encoding="utf-8", errors="replace") as log:
        log.seek(log_start)
        logged = log.read()
    assert logged  # the console did log the requests
    written = [m["text"] for m in document["messages"] if m["direction"] == "inbound" and len(m["text"]) > 6]
    for private in [customer, "Lucía Pérez", *written]:
        assert private not in logged, private

    # the salon's owner: the clinic's conversation does not exist for them
    salon = _owner(p, SALON_APP)
    browser = Browser(p.stack.info["console_url"])
    browser.sign_in(salon["email"], salon["password"])
    status, link, _ = browser.request("POST", f"/exports/{identity['id']}", {"csrf_token": browser.token("/inbox")})
    assert status == 404 and not link
    assert len(_export_lines(p, identity["id"])) == 3


def _same(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Two exports of the same data (only when they were made differs)."""
    return {**one, "exported_at": None} == {**other, "exported_at": None}
