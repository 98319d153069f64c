"""Data for the retention tests, written as the functions write it but with times in the past: a
business of its own, customers whose every row has the age a test wants (messages either way, a
contact, appointments, consent, escalations, a summary, usage), media copies in the bucket, items in
DynamoDB (live or expired), traces in Langfuse, blocked customers in the vault; and a synthetic
year of one business (`synthetic_year`) with what a run must remove computed from how it was built.

Ages are measured from the database's clock (now()), as the retention functions measure them, and
no generated age falls within two days of a window's edge, so the test's view of "due" and the
database's never disagree by the seconds between them."""

from __future__ import annotations

import base64
import json
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import psycopg
from privacy_kit import CUSTOMER_KEY, Stores

from devstack.fakes.langfuse import FakeLangfuse
from receptionist.conversation_key import ConversationKey
from receptionist.privacy import keys
from receptionist.retention.rules import Windows, cutoffs

DAY = timedelta(days=1)


def db_now(conn: psycopg.Connection[Any]) -> datetime:
    row = conn.execute("select now()").fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def new_business(conn: psycopg.Connection[Any], windows: Windows | None = None) -> tuple[str, str, str, str]:
    """A business of its own: organization, its windows, a Gupshup app, a service and a member
    (inactive: other tests' catalogues are not theirs). (organization, app, service, member)."""
    org, app = str(uuid.uuid4()), f"Ret{uuid.uuid4().hex[:10]}"
    w = windows or Windows()
    conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Clínica {app}"))
    conn.execute(
        "insert into agent_settings (organization_id, retention_months, media_retention_days, usage_retention_months)"
        " values (%s, %s, %s, %s)",
        (org, w.text_months, w.media_days, w.usage_months),
    )
    conn.execute(
        "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
        " values (%s, %s, '34910000998', '/x')",
        (org, app),
    )
    conn.execute(
        "insert into notification_settings (organization_id, staff_numbers) values (%s, '{34699000002}')", (org,)
    )
    service = conn.execute(
        "insert into services (organization_id, name, duration_minutes, active) values (%s, 'Revisión', 30, false)"
        " returning id::text",
        (org,),
    ).fetchone()
    member = conn.execute(
        "insert into members (organization_id, name, active) values (%s, 'Dra. Ret', false) returning id::text", (org,)
    ).fetchone()
    assert service and member
    return org, app, service[0], member[0]


@dataclass
class Person:
    """One customer as written: what each of their rows and items is."""

    number: str
    last: datetime  # their last activity, as the test built it
    identity: str | None = None
    contact: str | None = None
    messages: int = 0
    media: list[str] = field(default_factory=list)  # S3 keys of their media copies
    dynamo: list[tuple[str, str, str]] = field(default_factory=list)  # (table, pk, sk) of their items
    traces: int = 0
    future_appointment: bool = False


def add_customer(
    conn: psycopg.Connection[Any],
    org: str,
    app: str,
    number: str,
    now: datetime,
    *,
    last_message_ago: timedelta | None,
    first_ago: timedelta | None = None,
    messages: int = 4,
    contact: bool = False,
    service_member: tuple[str, str] | None = None,
    appointment_ago: timedelta | None = None,
    future_appointment: bool = False,
    consent_ago: timedelta | None = None,
    escalation_ago: timedelta | None = None,
    summary: bool = False,
    usage: int = 2,
) -> Person:
    """A customer whose rows carry the given ages. `last_message_ago` None: no chat identity (a
    patient booked at the front desk); `first_ago` when they first wrote (default: 20 days before
    their last message)."""
    person = Person(number, now)
    identity = contact_id = None
    if contact:
        created = now - (first_ago or (appointment_ago or DAY) + 20 * DAY)
        row = conn.execute(
            "insert into contacts (organization_id, phone, name, created_at) values (%s, %s, %s, %s)"
            " returning id::text",
            (org, number, f"Paciente {number[-4:]}", created),
        ).fetchone()
        assert row
        contact_id = person.contact = row[0]
    if last_message_ago is not None:
        last = now - last_message_ago
        first = now - (first_ago or last_message_ago + 20 * DAY)
        row = conn.execute(
            "insert into chat_identities (organization_id, customer_number, display_name, contact_id,"
            " last_inbound_at, created_at, updated_at) values (%s, %s, %s, %s, %s, %s, %s) returning id::text",
            (org, number, f"Cliente {number[-4:]}", contact_id, last, first, last),
        ).fetchone()
        assert row
        identity = person.identity = row[0]
        span = (last - first) / max(messages - 1, 1)
        for i in range(messages):
            at = first + span * i if i < messages - 1 else last
            turn = f"wamid.{number}.{i}"
            direction = "inbound" if i % 2 == 0 or i == messages - 1 else "outbound"
            conn.execute(
                "insert into chat_messages (organization_id, chat_identity_id, direction, kind, processed_text,"
                " status, provider_message_id, turn_id, created_at, updated_at)"
                " values (%s, %s, %s, 'text', %s, %s, %s, %s, %s, %s)",
                (org, identity, direction, f"Mensaje {i} de {number}", "received" if direction == "inbound" else "sent",
                 turn if direction == "inbound" else f"gs-{turn}", turn, at, at),
            )  # fmt: skip
        person.messages = messages
        for i in range(usage):
            conn.execute(
                "insert into turn_usage (organization_id, chat_identity_id, turn_id, model_calls, prompt_tokens,"
                " completion_tokens, at) values (%s, %s, %s, 1, 800, 60, %s)",
                (org, identity, f"wamid.{number}.{i}", last - i * DAY),
            )
        conn.execute(
            "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, reference, at,"
            " recorded_at) values (%s, %s, 'service', 'granted', 'whatsapp', 'first_message', %s, %s)",
            (org, identity, first, first),
        )
        if summary:
            conn.execute(
                "insert into thread_summaries (organization_id, chat_identity_id, summary, updated_at)"
                " values (%s, %s, %s, %s)",
                (org, identity, f"Resumen de {number}", last),
            )
        if escalation_ago is not None:
            at = now - escalation_ago
            conn.execute(
                "insert into escalations (organization_id, chat_identity_id, reason, status, turn_id, created_at,"
                " resolved_at) values (%s, %s, 'Dolor', 'resolved', %s, %s, %s)",
                (org, identity, f"wamid.{number}.0", min(at, last), at),
            )
        if consent_ago is not None:
            at = now - consent_ago
            conn.execute(
                "insert into consent_events (organization_id, chat_identity_id, purpose, state, source, actor, at,"
                " recorded_at) values (%s, %s, 'reminders', 'granted', 'front_desk', 'staff:ana@x.example', %s, %s)",
                (org, identity, at, at),
            )
    if contact_id is not None and service_member is not None:
        service, member = service_member
        # One still to come a month ahead, each customer at a time of their own (the member's slots never overlap).
        ahead = -30 * DAY - timedelta(minutes=30 * (int(number[-6:]) % 100_000))
        for ago, status in ((appointment_ago, "completed"), (ahead if future_appointment else None, "confirmed")):
            if ago is None:
                continue
            starts = (now - ago).replace(second=0, microsecond=0)
            created = min(starts, now) - 5 * DAY
            conn.execute(
                "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
                " status, created_at, updated_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (org, contact_id, service, member, starts, starts + timedelta(minutes=30), status, created,
                 min(starts, now)),
            )  # fmt: skip
        person.future_appointment = future_appointment
    person.last = max(
        t
        for t in (
            now - last_message_ago if last_message_ago is not None else None,
            now - consent_ago if consent_ago is not None and identity else None,
            now - escalation_ago if escalation_ago is not None and identity else None,
            now - appointment_ago if appointment_ago is not None and contact_id and service_member else None,
            now + 30 * DAY if future_appointment and contact_id and service_member else None,
            now - (first_ago or (appointment_ago or DAY) + 20 * DAY)
            if contact_id and last_message_ago is None
            else None,
        )
        if t is not None
    )
    return person


def add_media(conn: psycopg.Connection[Any], stores: Stores, org: str, app: str, person: Person, age: timedelta,
              now: datetime) -> str:  # fmt: skip
    """An inbound voice note `age` old: its CRM row and its copy in the bucket (as the processor keeps it)."""
    assert person.identity
    message_id = f"wamid.media.{uuid.uuid4().hex}"
    at = now - age
    conn.execute(
        "insert into chat_messages (organization_id, chat_identity_id, direction, kind, processed_text, status,"
        " provider_message_id, created_at, updated_at) values (%s, %s, 'inbound', 'audio', %s, 'received', %s, %s, %s)",
        (org, person.identity, f"[Nota de voz] de {person.number}", message_id, at, at),
    )
    key = keys.media_key(str(ConversationKey(app, person.number)), message_id)
    stores.s3.put_object(Bucket=stores.bucket, Key=key, Body=f"ogg {person.number}".encode(), ContentType="audio/ogg")
    person.media.append(key)
    return key


def add_orphan_copy(stores: Stores, app: str, person: Person) -> str:
    """A media copy with no message in the CRM (a turn that died after keeping it): only their
    folder finds it (the removal of the customer), or the bucket's lifecycle."""
    key = keys.media_key(str(ConversationKey(app, person.number)), f"wamid.orphan.{uuid.uuid4().hex}")
    stores.s3.put_object(Bucket=stores.bucket, Key=key, Body=f"ogg {person.number}".encode(), ContentType="audio/ogg")
    person.media.append(key)
    return key


def add_items(stores: Stores, org: str, app: str, person: Person, *, live: bool) -> None:
    """Their working copies: a buffered message (live: expires in days; else long expired), a
    checkpoint of the agent's thread."""
    expires = int(time.time()) + (6 * 86400 if live else -300 * 86400)
    pk = ConversationKey(app, person.number).partition
    stores.ddb.put_item(
        TableName=stores.conversations,
        Item={"pk": {"S": pk}, "sk": {"S": "MSG#1"}, "expires_at": {"N": str(expires)},
              "message_json": {"S": json.dumps({"text": f"hola de {person.number}"})}},
    )  # fmt: skip
    thread = keys.checkpoint_pk(keys.thread_id(org, person.number))
    stores.ddb.put_item(
        TableName=stores.checkpoints,
        Item={"PK": {"S": thread}, "SK": {"S": "#cp1"}, "ttl": {"N": str(expires)}},
    )
    person.dynamo += [(stores.conversations, pk, "MSG#1"), (stores.checkpoints, thread, "#cp1")]


def add_trace(langfuse: FakeLangfuse, person: Person, org: str) -> None:
    """A turn's trace as the tracer sends it: the conversation as session, the pseudonym as user."""
    assert person.identity
    trace, at = uuid.uuid4().hex, datetime.now().astimezone().isoformat()
    batch = [{"id": uuid.uuid4().hex, "type": "trace-create", "timestamp": at,
              "body": {"id": trace, "timestamp": at, "name": "turn", "sessionId": person.identity,
                       "userId": keys.pseudonym(CUSTOMER_KEY.encode(), org, person.number),
                       "input": f"hola de {person.number}"}}]  # fmt: skip
    auth = base64.b64encode(f"{langfuse.public_key}:{langfuse.secret_key}".encode()).decode()
    request = urllib.request.Request(
        f"{langfuse.url}/api/public/ingestion",
        data=json.dumps({"batch": batch}).encode(),
        headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 207
    person.traces += 1


def add_blocked(conn: psycopg.Connection[Any], stores: Stores, org: str, number: str, until_days: int) -> list[str]:
    """A customer blocked earlier (done), in the vault until today + `until_days`, with two media
    copies kept under blocked/<pseudonym>/<request>/. Their S3 keys."""
    ref = keys.pseudonym(CUSTOMER_KEY.encode(), org, number)
    row = conn.execute(
        "insert into privacy_requests (organization_id, customer_ref, mode, reason, blocked_until, actor, status,"
        " finished_at) values (%s, %s, 'block', 'Reclamación pendiente', current_date + %s, 'ops:test', 'done', now())"
        " returning id::text",
        (org, ref, max(until_days, 1)),
    ).fetchone()
    assert row
    request = row[0]
    kept = [f"{keys.blocked_prefix(ref)}{request}/media/{uuid.uuid4().hex}" for _ in range(2)]
    for key in kept:
        stores.s3.put_object(Bucket=stores.bucket, Key=key, Body=f"kept {number}".encode())
    conn.execute(
        "insert into blocked_customers (organization_id, request_id, customer_number, blocked_until, record, media)"
        " values (%s, %s, %s, current_date + %s, %s, %s)",
        (org, request, number, until_days, json.dumps({"customer_number": number}), kept),
    )
    return kept


# -- the synthetic year -------------------------------------------------------------------------
@dataclass
class Year:
    """One business's year (14 months) of customers, and what a run must remove."""

    org: str
    app: str
    now: datetime
    windows: Windows
    people: list[Person] = field(default_factory=list)
    due: set[str] = field(default_factory=set)  # numbers a run removes
    busy: set[str] = field(default_factory=set)  # due, but an owner's request runs for them
    media_due: list[str] = field(default_factory=list)  # S3 keys past their days (of customers kept)
    media_kept: list[str] = field(default_factory=list)
    vault_due: list[str] = field(default_factory=list)  # S3 keys of blocked customers at their date
    vault_kept: list[str] = field(default_factory=list)
    vault_rows: Counter[str] = field(default_factory=Counter)  # "due" / "kept"
    usage_due: int = 0  # anonymous usage rows past the window
    usage_kept: int = 0

    @property
    def kept(self) -> list[Person]:
        return [p for p in self.people if p.number not in self.due]


def _age(days: float, edge: float) -> float:
    """`days`, moved off a window's edge (2 days either side) so the seconds between the test's
    clock and the database's cannot change what is due."""
    return days + 5 if abs(days - edge) < 2 else days


def synthetic_year(
    conn: psycopg.Connection[Any],
    stores: Stores,
    langfuse: FakeLangfuse | None,
    customers: int = 2000,
    windows: Windows | None = None,
) -> Year:
    """`customers` of one business whose last messages are spread over 14 months; one in ten with
    a contact and past appointments, one in twenty of the silent ones with an appointment still to
    come; consent (every one), escalations, summaries, usage; voice notes over the last 60 days;
    working copies (live for recent customers; for some silent ones, expired leftovers and a media
    copy the CRM never recorded); traces;
    anonymous usage over 30 months; five blocked customers (three at or past their date); one due
    customer whose owner's erasure stopped midway (theirs to finish)."""
    windows = windows or Windows()
    org, app, service, member = new_business(conn, windows)
    now = db_now(conn)
    cut = cutoffs(windows, now)
    text_edge, media_edge = (now - cut.text) / DAY, (now - cut.media) / DAY
    year = Year(org, app, now, windows)
    prefix = f"34{uuid.uuid4().int % 10**4:04d}"
    for i in range(customers):
        number = f"{prefix}{i:05d}"
        ago = _age((i * 7919) % 426 + 0.5, text_edge)  # 0-426 days: 14 months, spread evenly
        booked, silent = i % 10 == 0, ago > text_edge
        person = add_customer(
            conn, org, app, number, now,
            last_message_ago=timedelta(days=ago),
            contact=booked,
            service_member=(service, member) if booked else None,
            appointment_ago=timedelta(days=ago + 3) if booked else None,
            future_appointment=booked and silent and i % 20 == 0,
            escalation_ago=timedelta(days=ago) if i % 15 == 0 else None,
            summary=i % 9 == 0,
        )  # fmt: skip
        year.people.append(person)
        if person.last < cut.text:
            year.due.add(number)
        if ago < 60 and i % 3 == 0:  # voice notes of the last two months
            for media_age in (ago, _age(ago + 25, media_edge)):
                key = add_media(conn, stores, org, app, person, timedelta(days=media_age), now)
                (year.media_due if media_age > media_edge else year.media_kept).append(key)
        if ago < 5 and i % 4 == 0:
            add_items(stores, org, app, person, live=True)
        if person.number in year.due and i % 6 == 0:
            add_items(stores, org, app, person, live=False)
            add_orphan_copy(stores, app, person)
        if langfuse is not None and i % 25 == 0:
            add_trace(langfuse, person, org)
    # The owner's erasure of one due customer stopped midway: theirs to finish, not retention's.
    busy = sorted(year.due)[0]
    conn.execute(
        "insert into privacy_requests (organization_id, customer_ref, mode, reason, actor)"
        " values (%s, %s, 'erase', 'Solicitud escrita', 'owner@clinica.example')",
        (org, keys.pseudonym(CUSTOMER_KEY.encode(), org, busy)),
    )
    year.due.discard(busy)
    year.busy.add(busy)
    # Anonymous usage (conversations erased before) over 30 months.
    usage_edge = (now - cut.usage) / DAY
    for i in range(600):
        age = _age(i * 1.5 + 0.25, usage_edge)
        conn.execute(
            "insert into turn_usage (organization_id, chat_identity_id, turn_id, model_calls, prompt_tokens,"
            " completion_tokens, at) values (%s, null, %s, 1, 500, 40, %s)",
            (org, f"old-turn-{i}", now - timedelta(days=age)),
        )
        if age > usage_edge:
            year.usage_due += 1
        else:
            year.usage_kept += 1
    for n, until in enumerate((-30, -1, 0, 1, 400)):
        kept = add_blocked(conn, stores, org, f"{prefix}9{n:04d}", until)
        due = until <= 0
        (year.vault_due if due else year.vault_kept).extend(kept)
        year.vault_rows["due" if due else "kept"] += 1
    return year
