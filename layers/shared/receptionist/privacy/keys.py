"""Where one customer's items are in each store, derived from who they are (pure functions, no
AWS or database client): the one place these derivations live, so erasure, retention and export
find exactly what the functions write.

A customer of a business is an organization id and a WhatsApp number (digits, as WhatsApp gives
it). What the functions write for them:

- the conversations table: one partition per Gupshup app of the business, `CONV#<app>#<number>`
  (`ConversationKey(app, number).partition`, conversation_key.py), holding every item of that
  conversation;
- the checkpoints table: the LangGraph thread `<organization id>:<number>` (agent/memory.py), in
  langgraph-checkpoint-aws's schema (`CHECKPOINT_<thread>` with the checkpoints' `ns#id` sort
  keys; `WRITES_<thread>#<ns>#<id>` per checkpoint; `CHUNK_...` payloads their items name);
- S3: media copies under `media/<sha256 of "<app>#<number>", 16 hex>/` (adapters/media_archive.py)
  and offloaded checkpoint payloads under `checkpoints/<thread>/`;
- the idempotency table: Powertools records `notifier.<scope>#<md5 of the JSON job or send key>`
  (adapters/idempotency.py), whose keys derive from the notifier's job ids (messages.OutboundJob);
- Langfuse: traces whose session is the conversation's id in the CRM (chat_identities.id), and
  whose user is `pseudonym(key, organization, number)` (agent/tracing.py's trace_user).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from typing import Final

from receptionist.conversation_key import ConversationKey

MEDIA_PREFIX: Final = "media"  # the bucket's lifecycle rule expires this prefix (template.yaml)
CHECKPOINTS_PREFIX: Final = "checkpoints"  # langgraph-checkpoint-aws's offload (agent/memory.py)
BLOCKED_PREFIX: Final = "blocked"  # media kept for legal claims while a customer is blocked
EXPORTS_PREFIX: Final = "exports"  # a customer's export for the owner's download (ExpireExports: a day)
IDEMPOTENCY_PREFIX: Final = "notifier"  # PowertoolsIdempotency's default key prefix
IDEMPOTENCY_SCOPES: Final = ("job", "send")
# How many escalation notices one turn can queue (the turn record's reasons: the agent's one and a
# fallback's); their job ids are <turn>#escalation#<index>.
ESCALATIONS_PER_TURN: Final = 3


def thread_id(organization_id: str, number: str) -> str:
    """The agent's LangGraph thread of this customer at this business (one per business)."""
    return f"{organization_id}:{number}"


def checkpoint_pk(thread: str) -> str:
    return f"CHECKPOINT_{thread}"


def checkpoint_writes_pk(thread: str, namespace: str, checkpoint_id: str) -> str:
    return f"WRITES_{thread}#{namespace}#{checkpoint_id}"


def checkpoint_offload_prefix(thread: str) -> str:
    """Every S3 payload the checkpointer offloaded for the thread."""
    return f"{CHECKPOINTS_PREFIX}/{thread}/"


def business_offload_prefix(organization_id: str) -> str:
    """Every offloaded payload of the business's threads: a prefix without any customer's number."""
    return f"{CHECKPOINTS_PREFIX}/{organization_id}:"


def media_folder(conversation: str) -> str:
    """The S3 folder of a conversation's media copies (`conversation`: str(ConversationKey)). Not
    keyed: anyone who can list the bucket can find a known number's folder by hashing it
    (docs/privacy.md, Data map)."""
    return hashlib.sha256(conversation.encode()).hexdigest()[:16]


def conversation_media_prefix(conversation: str) -> str:
    """Every media copy of a conversation (str(ConversationKey)) is under this prefix."""
    return f"{MEDIA_PREFIX}/{media_folder(conversation)}/"


def media_key(conversation: str, message_id: str) -> str:
    """Where the copy of one media message is kept (no phone number in the key)."""
    return conversation_media_prefix(conversation) + hashlib.sha256(message_id.encode()).hexdigest()[:32]


def media_prefix(app: str, number: str) -> str:
    return conversation_media_prefix(str(ConversationKey(app, number)))


def export_prefix(organization_id: str, subject: str) -> str:
    """Where the console leaves the archives of a customer's export (subject: their conversation's
    id; adapters/export_store.py)."""
    return f"{EXPORTS_PREFIX}/{organization_id}/{subject}/"


def blocked_prefix(customer_ref: str) -> str:
    """Where a blocked customer's media copies are kept (under their pseudonym: no number)."""
    return f"{BLOCKED_PREFIX}/{customer_ref}/"


def pseudonym(key: bytes, organization_id: str, number: str) -> str:
    """The customer's pseudonym at this business: `c-` + 32 hex digits of HMAC-SHA256(key,
    "<organization>:<number>"), the same value as the traces' user id (agent/tracing.py
    trace_user) under the same key. Keyed, so it cannot be reversed by trying every number (a
    plain hash could: ~10^8 Spanish mobiles are a minute of one core)."""
    digest = hmac.new(key, f"{organization_id}:{number}".encode(), hashlib.sha256).hexdigest()
    return f"c-{digest[:32]}"


def idempotency_id(scope: str, key: str, prefix: str = IDEMPOTENCY_PREFIX) -> str:
    """The idempotency table's `id` of a notifier record: Powertools hashes the JSON of the key
    with MD5 under `<prefix>.<scope>` (persistence/base.py _get_hashed_idempotency_key)."""
    digest = hashlib.md5(json.dumps(key, sort_keys=True).encode()).hexdigest()  # noqa: S324 - Powertools' own
    return f"{prefix}.{scope}#{digest}"


def notifier_job_keys(
    outbound: Iterable[tuple[str, int]], escalation_turns: Iterable[str], staff_numbers: Iterable[str]
) -> Iterator[tuple[str, str]]:
    """(scope, key) of every idempotency record the notifier can have written for a customer:

    - `outbound`: (turn id of an outbound chat message, its highest part index), and each of the
      customer's reminders as (`reminder#<id>`, 0) (a reminder the notifier could not record has
      no row). A turn's reply (or fallback) is the job `<turn>#reply`, sent as `<job>#<part>` (and
      `<job>#0#text` when an interactive reply fell back to text); a staff reply, a staff template
      and a reminder record their rows under their own job id (`human#…`, `reminder#…`), sent as
      `<job>#<part>`, `<job>#0#text`;
    - `escalation_turns`: turns that opened an escalation: the jobs `<turn>#escalation#<i>`, each
      sent to every staff number as `<job>#staff#<number>`.
    Some of these were never written (a key per possible record): deleting them is harmless."""
    staff = list(dict.fromkeys(staff_numbers))
    for turn, last_part in outbound:
        job = turn if turn.startswith(("human#", "reminder#")) else f"{turn}#reply"
        yield "job", job
        for part in range(max(last_part, 0) + 1):
            yield "send", f"{job}#{part}"
        yield "send", f"{job}#0#text"
    for turn in escalation_turns:
        for index in range(ESCALATIONS_PER_TURN):
            job = f"{turn}#escalation#{index}"
            yield "job", job
            for number in staff:
                yield "send", f"{job}#staff#{number}"
