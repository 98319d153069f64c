"""How much conversation memory one customer thread keeps: the checkpoint items of the thread in
the DynamoDB checkpoints table (and any S3 offload objects) after 10, 50 and 100 turns.

The real graph and DynamoDBSaver (compression on, S3 offload over 350 KB, as the processor
builds them) on moto, a scripted customer, and a local OpenAI-protocol model that answers each
turn with a short text (and summaries with a short paragraph). The graph folds threads longer
than 40 messages into a summary and keeps the last 16, so the state is bounded; the saver,
though, keeps every checkpoint it wrote (until the table's TTL), so the table holds more.
Item sizes follow DynamoDB's rules (attribute names + values), not moto's storage.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from bench.env import APP, NOW, REGION, Agent, BenchEnv
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import new_customer
from receptionist.agent.context import Conversation
from receptionist.agent.memory import S3_PREFIX, thread_id
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app

CUSTOMER_LINES = [
    "Hola, buenas tardes",
    "¿Cuánto cuesta una limpieza dental?",
    "¿Y el blanqueamiento? ¿Cuántas sesiones hacen falta?",
    "Vale. ¿Tenéis hueco el martes por la mañana?",
    "Mejor a las 10:30 si puede ser",
    "Me llamo Lucía Pérez, mi correo es lucia@example.com",
    "Sí, confirmo la cita",
    "¿Dónde estáis exactamente? ¿Hay aparcamiento cerca?",
    "Perfecto, gracias. ¿Aceptáis el seguro de Sanitas?",
    "Una última cosa: ¿puedo llevar a mi hijo de 8 años a la revisión?",
]
SUMMARY = (
    "La clienta, Lucía Pérez (lucia@example.com), ha preguntado por precios de limpieza y "
    "blanqueamiento, ha reservado una limpieza el martes a las 10:30 y ha preguntado por la "
    "ubicación, el aparcamiento, el seguro de Sanitas y la revisión de su hijo. Nada pendiente."
)


@dataclass(frozen=True)
class CheckpointRow:
    turns: int
    items: int
    dynamodb_bytes: int
    s3_objects: int
    s3_bytes: int
    latest_checkpoint_bytes: int  # the newest checkpoint item + its payload (what a turn reads)
    messages_in_state: int
    summary_chars: int
    model_calls: int  # so far, summaries included
    summaries: int  # turns that folded old messages into the summary


def _responder(body: dict[str, Any]) -> dict[str, Any]:
    first = body.get("messages", [{}])[0]
    if str(first.get("content") or "").startswith("Resume"):
        return {"role": "assistant", "content": SUMMARY}
    return {"role": "assistant", "content": "¡Claro! Te lo miro ahora mismo. ¿Te puedo ayudar en algo más?"}


def _value_bytes(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(str(v).encode())
    if kind == "B":
        return len(v)
    if kind == "N":
        digits = len(str(v).lstrip("-").replace(".", "").strip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in v)
    if kind == "BS":
        return sum(len(b) for b in v)
    if kind == "NS":
        return sum(_value_bytes({"N": n}) for n in v)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(e) for e in v)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + _value_bytes(e) for k, e in v.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_bytes(item: dict[str, dict[str, Any]]) -> int:
    """An item's size by DynamoDB's rules: attribute name lengths plus value sizes."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _snapshot(env: BenchEnv, agent: Agent, thread: str, turns: int, calls: int, summaries: int) -> CheckpointRow:
    ddb, s3 = env.client("dynamodb"), env.client("s3")
    items: list[dict[str, Any]] = []
    for page in ddb.get_paginator("scan").paginate(
        TableName=env.names["CHECKPOINTS_TABLE"],
        FilterExpression="contains(PK, :thread)",
        ExpressionAttributeValues={":thread": {"S": thread}},
    ):
        items.extend(page.get("Items", []))
    objects: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=env.names["MEDIA_BUCKET"], Prefix=f"{S3_PREFIX}/{thread}/"
    ):
        objects.extend(page.get("Contents", []))
    latest_bytes = 0
    heads = [i for i in items if i["PK"]["S"] == f"CHECKPOINT_{thread}" and i.get("ns", {}).get("S", "") == ""]
    if heads:
        head = max(heads, key=lambda i: i["SK"]["S"])
        latest_bytes = item_bytes(head)
        ref = head.get("ref_key", {}).get("S")
        if head.get("ref_loc", {}).get("S") == "S3":
            latest_bytes += sum(int(o["Size"]) for o in objects if str(o["Key"]).endswith(str(ref)))
        else:
            latest_bytes += sum(item_bytes(i) for i in items if i["PK"]["S"] == ref)
    state = agent.saver.get_tuple({"configurable": {"thread_id": thread}})
    values: dict[str, Any] = state.checkpoint.get("channel_values", {}) if state else {}
    return CheckpointRow(
        turns=turns,
        items=len(items),
        dynamodb_bytes=sum(item_bytes(i) for i in items),
        s3_objects=len(objects),
        s3_bytes=sum(int(o["Size"]) for o in objects),
        latest_checkpoint_bytes=latest_bytes,
        messages_in_state=len(values.get("messages", [])),
        summary_chars=len(str(values.get("summary", ""))),
        model_calls=calls,
        summaries=summaries,
    )


def measure(env: BenchEnv, marks: tuple[int, ...] = (10, 50, 100)) -> list[CheckpointRow]:
    rows: list[CheckpointRow] = []
    db = Database(env.database_url)
    try:
        with FakeOpenAI(responder=_responder) as openai:
            agent = Agent(env, openai)
            org = resolve_by_app(db, APP)
            if org is None:
                raise RuntimeError(f"the demo organization {APP} is not in the seed")
            customer = new_customer()
            identity = chats.touch_identity(db, org.id, customer, "Lucía", NOW)
            thread = thread_id(org.id, customer)
            calls = summaries = 0
            for turn in range(1, max(marks) + 1):
                conv = Conversation(db, org, identity, turn_id=f"bench-{uuid.uuid4().hex[:12]}", now=lambda: NOW)
                text = f"{CUSTOMER_LINES[(turn - 1) % len(CUSTOMER_LINES)]} ({turn})"
                result = agent(conv, text)
                calls += result.stats.model_calls
                summaries += int(result.stats.summarized)
                if turn in marks:
                    rows.append(_snapshot(env, agent, thread, turn, calls, summaries))
    finally:
        db.close()
    return rows


__all__ = ["REGION", "CheckpointRow", "item_bytes", "measure"]
