"""Where each store keeps a customer's items: the derivations erasure uses are the ones the
functions write with."""

from __future__ import annotations

import re

from receptionist.agent.memory import thread_id
from receptionist.agent.tracing import trace_user
from receptionist.conversation_key import ConversationKey
from receptionist.messages import OutboundJob
from receptionist.privacy import keys

ORG = "00000000-0000-4000-8000-000000000001"
NUMBER = "34600111222"


def test_the_pseudonym_is_the_traces_user_id_and_is_keyed() -> None:
    key = b"a-32-character-or-longer-key-000000"
    assert keys.pseudonym(key, ORG, NUMBER) == trace_user(key, ORG, NUMBER)
    assert keys.pseudonym(key, ORG, NUMBER) != keys.pseudonym(key + b"x", ORG, NUMBER)
    assert re.fullmatch(r"c-[0-9a-f]{32}", keys.pseudonym(key, ORG, NUMBER))


def test_the_agent_s_thread_and_the_media_keys_are_found_where_they_are_written() -> None:
    assert keys.thread_id(ORG, NUMBER) == thread_id(ORG, NUMBER)
    conversation = str(ConversationKey("ClinicaSonrisa", NUMBER))
    media = keys.media_key(conversation, "wamid.HBgL123")
    assert media.startswith(keys.media_prefix("ClinicaSonrisa", NUMBER))
    assert NUMBER not in media and re.fullmatch(r"media/[0-9a-f]{16}/[0-9a-f]{32}", media)
    assert keys.checkpoint_offload_prefix(keys.thread_id(ORG, NUMBER)) == f"checkpoints/{ORG}:{NUMBER}/"


def test_every_job_the_notifier_can_key_for_a_customer_is_derived() -> None:
    """Status jobs take no idempotency record (notifier.service.deliver): nothing to derive."""
    conversation = str(ConversationKey("ClinicaSonrisa", NUMBER))
    reply = OutboundJob.for_reply(conversation, "wamid.T1", "Hola")
    escalation = OutboundJob.for_escalation(conversation, "wamid.T1", 0, "Quiere una persona")
    reminder = OutboundJob.for_reminder(conversation, "r-1", "recordatorio", [], "…", [])
    human = OutboundJob.for_human_reply(conversation, "Hola", "ana@x.example")
    derived = set(
        keys.notifier_job_keys([("wamid.T1", 1), ("reminder#r-1", 0), (human.job_id, 0)], ["wamid.T1"], ["34699000001"])
    )
    # A job is keyed by its job id; each send by the job id and the part, or the staff number.
    for job in (reply, escalation, reminder, human):
        assert ("job", job.job_id) in derived
    assert {("send", f"{reply.job_id}#0"), ("send", f"{reply.job_id}#1"), ("send", f"{reply.job_id}#0#text")} <= derived
    assert ("send", f"{escalation.job_id}#staff#34699000001") in derived
    assert {("send", f"{reminder.job_id}#0"), ("send", f"{human.job_id}#0")} <= derived
