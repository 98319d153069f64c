"""The assistant's opt_out tool through the real processor, agent and CRM (issue 25, point 3): for
a paraphrase the code's matcher does not catch, the model calls opt_out; the code binds it to the
conversation's customer (tenancy from the runtime context, no argument), honours it like a written
BAJA (opted out, every purpose withdrawn) and sends the fixed confirmation instead of the model's
words; a written "BAJA" never reaches the model at all."""

from __future__ import annotations

from typing import Any

from devstack.fakes.openai import text_message, tool_call_message
from receptionist.crm import chats
from receptionist.i18n.catalogues import message

DEMO_ORG = "00000000-0000-4000-8000-000000000001"
PARAPHRASE = "Ya no vivo en Madrid, así que no hace falta que me mandéis nada más por aquí"


def _opting_out_model(body: dict[str, Any]) -> dict[str, Any]:
    last = body["messages"][-1]
    if last["role"] == "tool":
        return text_message("¡Entendido! Ya no te escribiremos. 😊")
    if "no hace falta que me mandéis nada" in str(last["content"]):
        return tool_call_message(("opt_out", {}))
    return text_message("Respuesta a: " + str(last["content"]))


def _events(harness: Any, identity: str) -> list[tuple[str, str, str, str]]:
    rows = harness.db.fetch_all(
        "select purpose, state, source, reference from consent_events where chat_identity_id = %s order by id",
        (identity,),
    )
    return [(r["purpose"], r["state"], r["source"], r["reference"]) for r in rows]


def test_the_model_s_opt_out_is_honoured_with_the_fixed_confirmation(harness: Any) -> None:
    harness.openai.responder = _opting_out_model
    harness.handle(harness.text("Hola"))
    harness.jobs()
    other = chats.touch_identity(harness.db, DEMO_ORG, "34699111000", None, None)  # another customer of the clinic
    ticket = harness.text(PARAPHRASE)
    report = harness.handle(ticket)
    assert report.outcome == "opt_out" and report.tools == ["opt_out"]
    jobs = harness.jobs()
    assert [(j["kind"], j["text"]) for j in jobs] == [("opt_out", message("es", "opt_out_confirmation"))]
    identity = chats.find_identity(harness.db, DEMO_ORG, harness.customer)
    assert identity is not None and identity.opted_out
    assert _events(harness, identity.id)[2:] == [
        (purpose, "withdrawn", "whatsapp", f"{ticket.message_id}#out")
        for purpose in ("service", "reminders", "marketing")
    ]
    assert not chats.find_identity(harness.db, DEMO_ORG, other.customer_number).opted_out  # type: ignore[union-attr]
    # The tool's schema: no argument at all (nothing the model could point at someone else).
    sent = harness.openai.completions()[-2].json()["tools"]
    (schema,) = [t["function"] for t in sent if t["function"]["name"] == "opt_out"]
    assert schema["parameters"].get("properties", {}) == {}


def test_a_written_baja_never_reaches_the_model(harness: Any) -> None:
    harness.openai.responder = _opting_out_model
    assert harness.handle(harness.text("¡BAJA!")).outcome == "opt_out"
    assert harness.openai.completions() == []
    (job,) = harness.jobs()
    assert job["kind"] == "opt_out" and job["text"].endswith(
        message("es", "opt_out_confirmation")
    )  # after the AI disclosure
    assert harness.handle(harness.text("Baja")).outcome == "opted_out" and harness.jobs() == []  # confirmed once
