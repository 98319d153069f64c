"""Erasing and blocking one customer on the whole local stack (issue 25, point 5).

A customer of the clinic books, sends a voice note, reschedules, sends a photo, is escalated to a
person and taps a reminder's button; another customer of the clinic writes too. Ops erase the
first with `python -m receptionist.ops.forget --local` (Langfuse tracing on). Then a scan of every
row of every public table, every item of every DynamoDB table, every S3 object (keys and bodies),
everything Langfuse keeps and every log line written since finds none of their number, name,
words or media files; the other customer is exactly as before; erasing again is harmless; and the
same number writing again is a new customer the assistant knows nothing about.

A blocked customer is hidden from the console (inbox, conversation, appointments), is a stranger to
the assistant when they write again, is not reminded, and stays in the owner-only vault until its
date.

Each customer's words carry a tag of their own, and their voice note and photo are bytes of their
own, so what is searched for can only be theirs (the demo's sentences and voice note are every
demo customer's)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from e2e_kit import Pipeline, second_factor

from devstack import scan as scanning
from devstack.demo import post as post_text
from devstack.demo import remind_and_confirm
from devstack.gupshup_events import customer_message, post_callback
from receptionist import disclosure
from receptionist.privacy import keys

ROOT = Path(__file__).resolve().parents[2]
APP = "ClinicaSonrisa"
REASON = "Solicitud de supresión recibida por escrito (art. 17 RGPD)"


class Customer:
    """One customer with words, a name and media files nobody else has."""

    def __init__(self, p: Pipeline) -> None:
        self.p = p
        self.number = p.new_customer()
        self.tag = uuid.uuid4().hex[:8]
        self.surname = f"Quintanilla{self.tag}"
        self.name = f"Remedios {self.surname}"
        self.voice = b"OggS\x00\x02" + os.urandom(96) + self.tag.encode()
        self.photo = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(200) + self.tag.encode()
        self.transcript = f"Me viene bien a las diez. Me llamo {self.name}."
        self.description = f"Una muela con la encía inflamada y enrojecida, referencia {self.tag}."
        p.gemini.answer_for(self.voice, self.transcript)
        p.gemini.answer_for(self.photo, self.description)
        self.written: list[str] = []
        self.media_urls: list[str] = []

    def say(self, *texts: str) -> None:
        """A burst of texts; waits for the answer and for the stack to settle."""
        for text in texts:
            tagged = f"{text} {self.tag}"
            self.written.append(tagged)
            post_text(self.p.stack, "text", tagged, self.p.gupshup, self.number)
        self._answered()

    def send(self, kind: str, data: bytes, content_type: str, caption: str = "") -> None:
        url = self.p.gupshup.add_media(f"{uuid.uuid4().hex}.{kind}", data, content_type)
        self.media_urls.append(urlsplit(url).path)
        payload: dict[str, Any] = {"url": url, "contentType": content_type, "urlExpiry": 0}
        if caption:
            payload["caption"] = f"{caption} {self.tag}"
            self.written.append(payload["caption"])
        body = customer_message(APP, self.number, kind=kind, content=payload, name=self.name)
        assert post_callback(self.p.stack.info["webhook_url"], self.p.stack.config.webhook_secret, body) == 200
        self._answered()

    def _answered(self) -> None:
        before = self._sent
        self.p.stack.wait_for(lambda: len(self.p.gupshup.sent_to(self.number)) > before, timeout=self.p.bound())
        self.p.stack.wait_idle(timeout=self.p.bound(), settle=0.3)
        self._sent = len(self.p.gupshup.sent_to(self.number))

    _sent = 0

    def needles(self) -> dict[str, bytes]:
        out = {"number": self.number.encode(), "name": self.surname.encode(), "tag": self.tag.encode()}
        out |= {f"said {t[:30]!r}": t.encode() for t in self.written}
        out |= {"transcript": self.transcript.encode(), "photo description": self.description.encode()}
        out |= {"voice note": self.voice, "photo": self.photo}
        out |= {f"media URL {u}": u.encode() for u in self.media_urls}
        return out


def _appointment(p: Pipeline, number: str) -> dict[str, Any] | None:
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute(
            "select a.id::text, a.starts_at, a.status from appointments a join contacts c on c.id = a.contact_id"
            " where c.phone = %s order by a.created_at desc limit 1",
            (number,),
        ).fetchone()
    return {"id": row[0], "starts_at": row[1], "status": row[2]} if row else None


def _book(c: Customer) -> dict[str, Any]:
    """Asks, books for Thursday at ten (the voice note gives the time and the name), and moves it to
    Friday: the demo's conversation, in this customer's words."""
    c.say("Hola, ¿qué servicios tenéis y cuánto cuestan?")
    c.say("Sí", "quiero reservar una limpieza", "para el jueves si puede ser")
    c.send("audio", c.voice, "audio/ogg")
    c.say("Sí, confirmo")
    c.say("Perdona, ¿me la puedes pasar al viernes a la misma hora?")
    booked = _appointment(c.p, c.number)
    assert booked is not None and booked["status"] == "pending"
    return booked


def _logs(p: Pipeline) -> dict[Path, int]:
    folder = p.stack.config.state_dir / "logs"
    return {path: path.stat().st_size for path in folder.glob("*.log")}


def _forget(p: Pipeline, number: str, mode: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = ["--local", "--app", APP, "--customer", number, "--mode", mode, "--reason", REASON, *extra]
    return subprocess.run(
        [sys.executable, "-m", "receptionist.ops.forget", *command],
        capture_output=True,
        text=True,
        env={**os.environ, "LOCAL_STATE_DIR": str(p.stack.config.state_dir)},
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def _scan(p: Pipeline, logs_from: dict[Path, int] | None = None) -> scanning.Scan:
    info = p.stack.info
    found = scanning.Scan()
    scanning.postgres(found, info["database_url"])
    aws = {"endpoint_url": info["aws_endpoint_url"], "region_name": info["region"]}
    import boto3

    ddb, s3 = boto3.client("dynamodb", **aws), boto3.client("s3", **aws)
    scanning.dynamodb(found, ddb, ddb.list_tables()["TableNames"])
    for bucket in s3.list_buckets()["Buckets"]:
        scanning.s3(found, s3, bucket["Name"])
    assert p.langfuse is not None
    scanning.langfuse(found, p.langfuse.kept())
    if logs_from is not None:
        scanning.logs(found, logs_from)
    return found


def _idempotency_table(p: Pipeline) -> Any:
    import boto3

    return boto3.client("dynamodb", endpoint_url=p.stack.info["aws_endpoint_url"], region_name=p.stack.info["region"])


def _idempotency_records(p: Pipeline, number: str) -> list[dict[str, Any]]:
    """The notifier's records of every job and send to the customer (keys.notifier_job_keys, from
    what the CRM holds of them), as GetItem arguments: the ones that exist."""
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        outbound = conn.execute(
            "select m.turn_id, max(m.part_index) from chat_messages m"
            " join chat_identities i on i.id = m.chat_identity_id"
            " where i.customer_number = %s and m.direction = 'outbound' and m.turn_id is not null group by 1",
            (number,),
        ).fetchall()
        escalations = conn.execute(
            "select e.turn_id from escalations e join chat_identities i on i.id = e.chat_identity_id"
            " where i.customer_number = %s and e.turn_id is not null",
            (number,),
        ).fetchall()
        staff = conn.execute(
            "select staff_numbers from notification_settings n join platform_connections c"
            " on c.organization_id = n.organization_id where c.app_name = %s",
            (APP,),
        ).fetchone()
    table = p.stack.info["tables"]["IdempotencyTable"]
    jobs = keys.notifier_job_keys(
        [(t, int(n)) for t, n in outbound], [e[0] for e in escalations], staff[0] if staff else []
    )
    wanted = [{"TableName": table, "Key": {"id": {"S": keys.idempotency_id(s, k)}}} for s, k in jobs]
    client = _idempotency_table(p)
    return [w for w in wanted if "Item" in client.get_item(**w)]


def _model_saw(p: Pipeline, since: int) -> str:
    """Every message the model was sent since the `since`-th request."""
    return json.dumps([r.json()["messages"] for r in p.model.completions()[since:]], ensure_ascii=False)


def test_an_erased_customer_is_nowhere_and_comes_back_as_a_new_one(pipeline: Pipeline) -> None:
    p = pipeline
    c = Customer(p)
    booked = _book(c)
    c.send("image", c.photo, "image/jpeg", caption="Mirad cómo tengo la encía")
    c.say("¿Puedo hablar con una persona? Tengo una duda con mi seguro.")
    reminded = remind_and_confirm(p.stack, p.gupshup, booked, c.number, show=lambda s: None)
    assert reminded.status == "confirmed"
    neighbour = Customer(p)
    neighbour.say("¿Cuál es vuestro horario?")
    p.stack.wait_idle(timeout=p.bound())

    before = _scan(p)
    seen = {store for _, store, _ in before.hits(c.needles())}
    assert seen == {"postgres", "dynamodb", "s3", "langfuse"}  # the customer is in every store
    neighbour_before = sorted(before.hits(neighbour.needles()))
    assert neighbour_before

    records = _idempotency_records(p, c.number)  # no text or number in them: found by their derived ids
    assert len(records) >= 4  # at least a reply's job and send, the staff notice's job and send
    logs_from = _logs(p)
    erased = _forget(p, c.number, "erase")
    assert erased.returncode == 0, erased.stderr
    p.stack.wait_idle(timeout=p.bound())

    after = _scan(p, logs_from)
    after.add("logs", "ops.forget output", (erased.stdout + erased.stderr).encode())
    found = after.hits(c.needles())
    print(f"\nerasure scan: before {before.counts}, after {after.counts} items checked, {len(found)} found;")
    print(f"  idempotency records of theirs: {len(records)} before; ops.forget said:\n{erased.stdout}")
    assert found == []
    assert sorted(after.hits(neighbour.needles())) == neighbour_before  # the business's other customer
    assert before.counts["s3"] >= 2 and after.counts["logs"] >= 1  # the voice note and the photo; logs read
    assert re.search(r"customer c-[0-9a-f]{32}", erased.stdout)  # named by its pseudonym only
    assert not [r for r in records if "Item" in _idempotency_table(p).get_item(**r)]

    # Erasing twice is harmless.
    again = _forget(p, c.number, "erase")
    assert again.returncode == 0 and "crm            nothing" in again.stdout

    # The same number writing again is a new customer: the assistant remembers nothing of them.
    asked = len(p.model.completions())
    c.written = []  # what they say now is the new customer's
    answered = len(p.gupshup.sent_to(c.number))
    post_text(p.stack, "text", "Hola", p.gupshup, c.number)
    p.stack.wait_for(lambda: len(p.gupshup.sent_to(c.number)) > answered, timeout=p.bound())
    first = p.gupshup.sent_to(c.number)[-1].text
    assert "Soy Sofía" in first
    # Told again that they talk to an AI (the disclosure is owed to a new conversation).
    assert first.startswith(disclosure.default_text("Sofía", "Clínica Dental Sonrisa", "es") + "\n\n")
    saw = _model_saw(p, asked)
    assert c.surname not in saw and c.tag not in saw
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        identity = conn.execute(
            "select contact_id, bot_enabled from chat_identities where customer_number = %s", (c.number,)
        ).fetchall()
    assert identity == [(None, True)]  # a new conversation: no contact, the assistant on


class ConsoleSession:
    """The console over HTTP as a browser uses it (the session and CSRF cookies are Secure, which
    an HTTP client keeps only for https: they are carried by hand here)."""

    def __init__(self, p: Pipeline, email: str, password: str) -> None:
        self.client = httpx.Client(base_url=p.stack.info["console_url"].removesuffix("/console"), timeout=30)
        self.cookies: dict[str, str] = {}
        token = self._token(self.get("/console/login").text)
        signed = self.post("/console/login", {"email": email, "password": password, "csrf_token": token})
        assert signed.status_code == 303, signed.text
        landed = second_factor(
            email,
            signed.headers["location"],
            lambda path: self.get(path).text,
            lambda path, form: self.post(path, form).headers["location"],
        )
        assert landed == "/console/inbox", landed

    def _keep(self, answer: httpx.Response) -> httpx.Response:
        for header in answer.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie(header)
            self.cookies.update({k: v.value for k, v in jar.items()})
        return answer

    def _cookie(self) -> dict[str, str]:
        return {"cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def get(self, path: str) -> httpx.Response:
        return self._keep(self.client.get(path, headers=self._cookie()))

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self._keep(self.client.post(path, data=data, headers=self._cookie()))

    @staticmethod
    def _token(page: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, page[:300]
        return match.group(1)


def test_a_blocked_customer_is_hidden_not_reminded_a_stranger_and_kept_until_the_date(pipeline: Pipeline) -> None:
    p = pipeline
    c = Customer(p)
    booked = _book(c)
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        old = conn.execute("select id::text from chat_identities where customer_number = %s", (c.number,)).fetchone()
    assert old is not None
    owner = next(u for u in p.stack.info["console_users"] if u["app"] == APP and u["role"] == "owner")
    console = ConsoleSession(p, owner["email"], owner["password"])
    assert console.get(f"/console/conversations/{old[0]}").status_code == 200
    day = booked["starts_at"].date().isoformat()
    assert old[0] in console.get(f"/console/inbox?show=all&q={c.number}").text
    assert c.surname in console.get(f"/console/appointments?day={day}").text

    until = date.today() + timedelta(days=5 * 365)
    blocked = _forget(p, c.number, "block", "--until", until.isoformat())
    assert blocked.returncode == 0, blocked.stderr
    assert f"kept for legal claims until {until.isoformat()}" in blocked.stdout

    # Hidden from staff: the inbox, the conversation, the appointments' day.
    inbox = console.get(f"/console/inbox?show=all&q={c.number}")
    assert inbox.status_code == 200 and old[0] not in inbox.text
    assert console.get(f"/console/conversations/{old[0]}").status_code == 404
    agenda = console.get(f"/console/appointments?day={day}")
    assert agenda.status_code == 200 and c.surname not in agenda.text

    # Not reminded: the reminder pass at the reminder's time sends them nothing.
    sent_before = len(p.gupshup.sent_to(c.number))
    at = booked["starts_at"] - timedelta(minutes=1440) + timedelta(minutes=1)
    env = {
        **os.environ,
        "DATABASE_URL": p.stack.info["app_database_url"],
        "OUTBOUND_QUEUE_URL": p.stack.info["queues"]["OutboundQueue"],
        "AWS_ENDPOINT_URL": p.stack.info["aws_endpoint_url"],
        "AWS_DEFAULT_REGION": p.stack.info["region"],
    }
    command = [sys.executable, "-m", "receptionist.reminders", "--now", at.isoformat(), "--lookback-hours", "1"]
    ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert ran.returncode == 0, ran.stderr
    p.stack.wait_idle(timeout=p.bound())
    assert len(p.gupshup.sent_to(c.number)) == sent_before

    # A stranger to the assistant when they write again: a new customer, none of the old record.
    asked = len(p.model.completions())
    post_text(p.stack, "text", "Hola, ¿me recordáis?", p.gupshup, c.number)
    p.stack.wait_for(lambda: len(p.gupshup.sent_to(c.number)) > sent_before, timeout=p.bound())
    saw = _model_saw(p, asked)
    assert c.surname not in saw and c.tag not in saw

    # Kept, whole, in the owner-only vault until the date.
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        vault = conn.execute(
            "select blocked_until, record::text, media from blocked_customers where customer_number = %s", (c.number,)
        ).fetchone()
        live = conn.execute(
            "select count(*) from chat_identities where customer_number = %s and id = %s", (c.number, old[0])
        ).fetchone()
    assert vault is not None and vault[0] == until
    assert c.surname in vault[1] and all(t in vault[1] for t in c.written)
    assert len(vault[2]) == 1  # the voice note, kept under the pseudonym
    assert live == (0,)
