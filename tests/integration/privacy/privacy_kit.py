"""One customer's data in every store of the data map, written by the code that writes it in
production (the CRM's functions, the webhook's buffer, the turn ledger, the checkpointer, the
notifier's idempotency, the media archive, Langfuse's ingestion API), and a scan of every store.

Stores are the template's shapes in a moto server (`make_stores`) and the session's PostgreSQL;
Langfuse is devstack.fakes.langfuse (it keeps what it is sent, and lists and deletes it as the
public API does)."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from langgraph.checkpoint.base import empty_checkpoint

from devstack import scan as scanning
from devstack.aws import moto_client
from devstack.fakes.langfuse import FakeLangfuse
from receptionist.adapters.conversation_table import ConversationBuffer
from receptionist.adapters.idempotency import PowertoolsIdempotency
from receptionist.adapters.media_archive import MediaArchive
from receptionist.adapters.turn_ledger import DynamoTurnLedger
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats, customer_language, inbox, usage, waitlist
from receptionist.crm.connection import Database
from receptionist.privacy import keys
from receptionist.privacy.wiring import StoreNames
from receptionist.turns import TurnRecord

REGION = "us-east-1"
CUSTOMER_KEY = "k3y-" + "0123456789abcdef" * 3  # the customer key (SSM trace-user-key), 52 characters
STAFF = "34699000001"  # the seeded clinic's staff number (notification_settings)


@dataclass
class Stores:
    endpoint: str
    conversations: str
    checkpoints: str
    idempotency: str
    bucket: str
    ddb: Any = None
    s3: Any = None

    def names(self, langfuse_url: str = "", key_param: str = "/receptionist/dev/trace-user-key") -> StoreNames:
        return StoreNames(
            conversations_table=self.conversations,
            checkpoints_table=self.checkpoints,
            idempotency_table=self.idempotency,
            media_bucket=self.bucket,
            customer_key_param=key_param,
            langfuse_host=langfuse_url,
            langfuse_public_key_param="/receptionist/dev/langfuse-public-key" if langfuse_url else "",
            langfuse_secret_key_param="/receptionist/dev/langfuse-secret-key" if langfuse_url else "",
        )

    def secrets(self, langfuse: FakeLangfuse | None = None) -> dict[str, str]:
        out = {"/receptionist/dev/trace-user-key": CUSTOMER_KEY}
        if langfuse is not None:
            out["/receptionist/dev/langfuse-public-key"] = langfuse.public_key
            out["/receptionist/dev/langfuse-secret-key"] = langfuse.secret_key
        return out


def make_stores(endpoint: str, *, conversations: str = "", checkpoints: str = "", idempotency: str = "",
                bucket: str = "") -> Stores:  # fmt: skip
    """The template's tables (keys, the conversations table's open index) and bucket, in moto."""
    suffix = uuid.uuid4().hex[:8]
    stores = Stores(
        endpoint,
        conversations or f"conversations-{suffix}",
        checkpoints or f"checkpoints-{suffix}",
        idempotency or f"idempotency-{suffix}",
        bucket or f"media-{suffix}",
        moto_client("dynamodb", endpoint, REGION),
        moto_client("s3", endpoint, REGION),
    )
    ddb = stores.ddb
    ddb.create_table(
        TableName=stores.conversations,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "open_shard", "AttributeType": "S"},
            {"AttributeName": "open_at", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "open-conversations",
                "KeySchema": [
                    {"AttributeName": "open_shard", "KeyType": "HASH"},
                    {"AttributeName": "open_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["last_message_id", "last_message_sk"]},
            }
        ],
    )
    ddb.create_table(
        TableName=stores.checkpoints,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    )
    ddb.create_table(
        TableName=stores.idempotency,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    stores.s3.create_bucket(Bucket=stores.bucket)
    return stores


@dataclass
class Seeded:
    """What one customer left in the stores: their identifiers, and what must disappear."""

    organization: str
    app: str
    number: str
    name: str
    words: list[str]
    media: list[bytes]
    identity: str = ""
    contact: str = ""
    appointments: list[str] = field(default_factory=list)
    turns: list[str] = field(default_factory=list)

    @property
    def pseudonym(self) -> str:
        return keys.pseudonym(CUSTOMER_KEY.encode(), self.organization, self.number)

    def needles(self, *, number: bool = True) -> dict[str, bytes]:
        out = {f"name {self.name}": self.name.encode(), **{f"words {w[:24]!r}": w.encode() for w in self.words}}
        out.update({f"media #{i}": m for i, m in enumerate(self.media)})
        if number:
            out["number"] = self.number.encode()
        return out


class _Context:
    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def new_number() -> str:
    return f"346{uuid.uuid4().int % 10**8:08d}"


def seed_customer(
    db: Database, stores: Stores, langfuse: FakeLangfuse | None, organization: str, app: str, number: str
) -> Seeded:
    tag = uuid.uuid4().hex[:6]
    name = f"Remedios Quintanilla{tag}"
    words = [
        f"Me duele la muela del juicio desde el martes {tag}",
        f"Tengo la encía hinchada y sangra {tag}",
        f"[Nota de voz] Soy {name}, alérgica a la penicilina {tag}",
    ]
    voice, photo = os.urandom(200) + tag.encode(), b"\xff\xd8\xff\xe0" + os.urandom(300) + tag.encode()
    seeded = Seeded(organization, app, number, name, words, [voice, photo])
    now = datetime.now(UTC)
    conversation = str(ConversationKey(app, number))
    turn, photo_id = f"wamid.{uuid.uuid4().hex}", f"wamid.{uuid.uuid4().hex}"
    seeded.turns = [turn]

    # -- the CRM ---------------------------------------------------------------------------------
    identity = chats.touch_identity(db, organization, number, name, now)
    seeded.identity = identity.id
    contact = db.fetch_one(
        "insert into contacts (organization_id, phone, name, email) values (%s, %s, %s, %s) returning id::text as id",
        (organization, number, name, f"remedios{tag}@correo.example"),
    )
    assert contact is not None
    seeded.contact = contact["id"]
    chats.link_contact(db, organization, identity.id, contact["id"])
    # Their language, as the detector stored it (crm/customer_language.py): goes with the identity.
    assert customer_language.set_detected(db, organization, identity.id, "pt_BR", now)
    # On the waiting list, offered a freed slot (docs/waitlist.md): goes with the contact.
    service = db.fetch_one(
        "select id::text from services where organization_id = %s order by id limit 1", (organization,)
    )
    member = db.fetch_one(
        "select id::text from members where organization_id = %s order by id limit 1", (organization,)
    )
    assert service is not None and member is not None
    entry = waitlist.add_entry(
        db, organization, contact["id"], service["id"], now.date(), now.date() + timedelta(days=7)
    )
    db.execute(
        "insert into waitlist_offers (organization_id, entry_id, member_id, service_id, starts_at, ends_at, token,"
        " status, expires_at) values (%s, %s, %s, %s, %s, %s, %s, 'declined', %s)",
        (organization, entry.id, member["id"], service["id"], now + timedelta(days=2),
         now + timedelta(days=2, minutes=30), uuid.uuid4().hex, now + timedelta(minutes=30)),
    )  # fmt: skip
    for index, text in enumerate(words):
        raw = {"payload": {"text": text}, "sender": {"phone": number, "name": name}}
        chats.record_inbound(
            db, organization, identity.id, provider_message_id=f"{turn}-{index}", kind="text", raw=raw,
            processed_text=text, turn_id=turn,
        )  # fmt: skip
    chats.record_inbound(
        db, organization, identity.id, provider_message_id=photo_id, kind="image",
        raw={"payload": {"url": f"https://filemanager.gupshup.io/{tag}.jpg"}}, processed_text=f"[Imagen] {words[1]}",
        turn_id=turn,
    )  # fmt: skip
    row = chats.record_outbound(db, organization, identity.id, text=f"Hola {name}, lo siento mucho", turn_id=turn)
    chats.mark_sent(db, organization, row, f"gs-{uuid.uuid4().hex}")
    chats.save_thread_summary(db, organization, identity.id, f"{name} tiene dolor: {words[0]}")
    chats.open_escalation(db, organization, identity.id, f"Urgencia: {words[1]}", turn)
    usage.record_usage(db, organization, identity.id, turn, model_calls=2, prompt_tokens=900, completion_tokens=80)
    usage.first_notice(db, organization, f"turns:{identity.id}", now.replace(minute=0, second=0, microsecond=0))
    # Their own service and member: no other test's booking can clash with theirs. Inactive, so the
    # shared business's catalogue and staff (its prompt, its availability) stay what other tests read.
    service = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes, active) values (%s, %s, 30, false)"
        " returning id::text as id",
        (organization, f"Revisión {tag}"),
    )
    member = db.fetch_one(
        "insert into members (organization_id, name, active) values (%s, %s, false) returning id::text as id",
        (organization, f"Dra. {tag}"),
    )
    assert service is not None and member is not None
    for starts, status in ((now - timedelta(days=20), "completed"), (now + timedelta(days=10), "confirmed")):
        starts = starts.replace(second=0, microsecond=0)
        appointment = db.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at, status,"
            " notes, idempotency_key) values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning id::text as id",
            (organization, contact["id"], service["id"], member["id"], starts, starts + timedelta(minutes=30), status,
             f"Alergia {tag}: {words[2]}", f"{turn}:{service['id']}:{starts.isoformat()}"),
        )  # fmt: skip
        assert appointment is not None
        seeded.appointments.append(appointment["id"])
        db.execute(
            "insert into appointment_history (organization_id, appointment_id, action, new_starts_at) values"
            " (%s, %s, 'booked', %s)",
            (organization, appointment["id"], starts),
        )
        db.execute(
            "insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at, status,"
            " answer, answered_at) values (%s, %s, 1440, %s, 'sent', 'confirmed', now())",
            (organization, appointment["id"], starts - timedelta(days=1)),
        )
        if status == "completed":  # a recall after the completed visit (docs/recalls.md), answered
            db.execute(
                "insert into recalls (organization_id, contact_id, service_id, last_appointment_id, due_on, status,"
                " sent_at, answer, answered_at) values (%s, %s, %s, %s, %s, 'declined', now(), 'no', now())",
                (organization, contact["id"], service["id"], appointment["id"], now.date()),
            )
    inbox.record_audit(db, organization, "owner@example.com", "transcript_opened", identity.id)

    # -- DynamoDB: the buffered message, its turn record -----------------------------------------
    buffer = ConversationBuffer(stores.conversations, stores.ddb)
    message = {"id": turn, "source": number, "payload": {"text": words[0]}, "sender": {"phone": number, "name": name}}
    stamp = int(time.time() * 1000)
    buffered = buffer.buffer(
        conversation=conversation, message_id=turn, message_type="text", message_json=json.dumps(message),
        received_at_ms=stamp, sent_at_ms=stamp,
    )  # fmt: skip
    DynamoTurnLedger(stores.conversations, stores.ddb).record_turn(
        conversation, TurnRecord(turn, [buffered.key], "answered", reply=f"Hola {name}, lo siento mucho")
    )

    # -- the agent's memory: a checkpoint, its writes, a payload offloaded to S3 -----------------
    saver = dynamodb_checkpointer(stores.checkpoints, stores.bucket, region_name=REGION, endpoint_url=stores.endpoint)
    thread = {"configurable": {"thread_id": keys.thread_id(organization, number), "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"messages": [words[0], f"Hola {name}"], "summary": words[1]}
    saved = saver.put(thread, checkpoint, {"source": "loop", "step": 1, "parents": {}}, {})
    saver.put_writes(saved, [("messages", words[2])], task_id=f"task-{tag}")
    big = empty_checkpoint()  # over DynamoDB's item size: offloaded to S3 (random text does not compress)
    big["channel_values"] = {"messages": [words[0], base64.b64encode(os.urandom(400_000)).decode()]}
    saver.put(saved, big, {"source": "loop", "step": 2, "parents": {}}, {})

    # -- the notifier's idempotency records of the reply and the staff notice ---------------------
    idempotency = PowertoolsIdempotency(stores.idempotency, client=stores.ddb)
    idempotency.register_lambda_context(_Context())  # type: ignore[arg-type]
    reply = f"{turn}#reply"
    idempotency.once("job", reply, lambda: {"outcome": "sent", "parts": 1})
    idempotency.once("send", f"{reply}#0", lambda: {"provider_message_id": f"gs-{tag}"})
    notice = f"{turn}#escalation#0"
    idempotency.once("job", notice, lambda: {"outcome": "sent"})
    idempotency.once("send", f"{notice}#staff#{STAFF}", lambda: {"provider_message_id": f"gs-staff-{tag}"})

    # -- the media copies --------------------------------------------------------------------------
    archive = MediaArchive(stores.bucket, stores.s3)
    archive.keep(conversation, f"{turn}-2", voice, "audio/ogg")
    archive.keep(conversation, photo_id, photo, "image/jpeg")

    # -- Langfuse: the turn's trace, as the tracer sends it ---------------------------------------
    if langfuse is not None:
        trace = uuid.uuid4().hex
        at = now.isoformat().replace("+00:00", "Z")
        batch = [
            {
                "id": uuid.uuid4().hex, "type": "trace-create", "timestamp": at,
                "body": {"id": trace, "timestamp": at, "name": "turn", "sessionId": identity.id,
                         "userId": seeded.pseudonym, "input": words[0], "output": f"Hola {name}"},
            },
            {
                "id": uuid.uuid4().hex, "type": "generation-create", "timestamp": at,
                "body": {"id": uuid.uuid4().hex, "traceId": trace, "name": "agent", "input": words[1]},
            },
        ]  # fmt: skip
        _ingest(langfuse, batch)
    return seeded


def _ingest(langfuse: FakeLangfuse, batch: list[dict[str, Any]]) -> None:
    import urllib.request

    auth = base64.b64encode(f"{langfuse.public_key}:{langfuse.secret_key}".encode()).decode()
    request = urllib.request.Request(
        f"{langfuse.url}/api/public/ingestion",
        data=json.dumps({"batch": batch}).encode(),
        headers={"Authorization": f"Basic {auth}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 207 and not json.loads(answer.read())["errors"]


def scan_all(database_url: str, stores: Stores, langfuse: FakeLangfuse | None = None) -> scanning.Scan:
    """Every row of every public table, every item of the three tables, every object of the bucket,
    everything Langfuse keeps."""
    found = scanning.Scan()
    scanning.postgres(found, database_url)
    scanning.dynamodb(found, stores.ddb, [stores.conversations, stores.checkpoints, stores.idempotency])
    scanning.s3(found, stores.s3, stores.bucket)
    if langfuse is not None:
        scanning.langfuse(found, langfuse.kept())
    return found
