"""A reminder through the deployed schedule: the template's RemindersFunction rule, fired by the
local runner (every second here), claims a due reminder once and the notifier sends it to the
local Gupshup server as the clinic's approved template with its three quick-reply postbacks.

The demo clinic's seed already names its reminder template (recordatorio_cita, 24 h before), so
the clinic's settings are not touched. The appointment is this test's own: a fresh customer, at
night (no member works then, so no other test's booking can clash with it), booked (created_at)
before its reminder time, which has just passed. Other tests' bookings are made now for later,
after their reminder times: they are never reminded (due_reminders: booked before the reminder
time only)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
from e2e_kit import MADRID, Pipeline, book_before_its_reminder, night_start

from devstack.demo import post
from devstack.fakes.gupshup import SentMessage
from devstack.gupshup_events import customer_message, post_callback


def _reminder(p: Pipeline, appointment: str) -> tuple[str, str] | None:
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute(
            "select token, status from appointment_reminders where appointment_id = %s", (appointment,)
        ).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def _reminders_to(p: Pipeline, customer: str) -> list[SentMessage]:
    return [
        m for m in p.gupshup.sent_to(customer) if m.kind == "template" and m.payload.get("id") == "recordatorio_cita"
    ]


def test_a_due_reminder_reaches_the_customer_once_with_its_three_buttons(pipeline: Pipeline) -> None:
    p = pipeline
    organization = p.stack.info["apps"]["ClinicaSonrisa"]["organization_id"]
    customer = p.new_customer()
    first_run = len(p.stack.invocations_of("RemindersFunction"))
    # The customer has written to the clinic once: their chat identity (the conversation) exists.
    post(p.stack, "text", "Hola", p.gupshup, customer)
    p.stack.wait_for(lambda: p.gupshup.sent_to(customer), timeout=p.bound())
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute(
            "insert into contacts (organization_id, phone, name) values (%s, %s, 'Marta Recordatorio')"
            " on conflict (organization_id, phone) do update set name = excluded.name returning id::text",
            (organization, customer),
        ).fetchone()
    assert row
    contact = str(row[0])
    starts = night_start(datetime.now(UTC))
    appointment = book_before_its_reminder(p, organization, contact, starts)
    cancelled = book_before_its_reminder(p, organization, contact, starts + timedelta(hours=1), status="cancelled")

    # The schedule fires every second; the pass queues the job, the notifier sends it.
    schedule = p.stack.config.schedule_seconds or 300
    timeout = schedule + p.stack.bound("RemindersFunction", "NotifierFunction", retries=1)
    (sent,) = p.stack.wait_for(lambda: _reminders_to(p, customer), timeout=timeout)
    local = starts.astimezone(MADRID)
    assert sent.payload["params"] == ["Marta Recordatorio", f"{local:%d/%m/%Y} a las {local:%H:%M}"]
    assert sent.app == "ClinicaSonrisa"
    # The three quick-reply buttons' postbacks: the reminder's random token, never the appointment's id.
    reminder = p.stack.wait_for(lambda: _reminder(p, appointment), timeout=timeout)
    token = reminder[0]
    forms = [r.form() for r in p.gupshup.received("/wa/api/v1/template/msg")]
    (form,) = [f for f in forms if f.get("destination") == customer]
    assert json.loads(form["postbackTexts"]) == [
        {"index": 0, "text": f"reminder:{token}:confirm"},
        {"index": 1, "text": f"reminder:{token}:cancel"},
        {"index": 2, "text": f"reminder:{token}:change"},
    ]
    assert appointment not in form["postbackTexts"]
    p.stack.wait_for(lambda: (_reminder(p, appointment) or ("", ""))[1] == "sent", timeout=timeout)

    # Once: several more passes run (every second) and change nothing; the cancelled one never.
    runs = len(p.stack.invocations_of("RemindersFunction"))
    p.stack.wait_for(lambda: len(p.stack.invocations_of("RemindersFunction")) >= runs + 3, timeout=timeout)
    p.stack.wait_idle(timeout=p.bound())
    assert len(_reminders_to(p, customer)) == 1
    assert _reminder(p, cancelled) is None
    failed = [i for i in p.stack.invocations_of("RemindersFunction")[first_run:] if not i.ok]
    assert not failed, failed[0].error

    # The pass logs counts only: not the customer's number nor their name.
    log = (p.stack.config.state_dir / "logs" / "reminders.log").read_text(encoding="utf-8", errors="replace")
    assert "reminder pass done" in log
    assert customer not in log and "Marta Recordatorio" not in log

    _taps_answer_the_reminder(p, customer, appointment, token)


def _tap(p: Pipeline, app: str, customer: str, title: str, postback: str, message_id: str | None = None) -> str:
    """The customer taps a quick-reply button of the template: Gupshup's inbound quick_reply."""
    body = customer_message(
        app, customer, kind="quick_reply", content={"text": title, "type": "button", "postbackText": postback},
        message_id=message_id,
    )  # fmt: skip
    assert post_callback(p.stack.info["webhook_url"], p.stack.info["webhook_secrets"][app], body) == 200
    return str(body["payload"]["id"])


def _appointment(p: Pipeline, appointment: str) -> tuple[str, list[tuple[str, str | None]], str | None]:
    """The appointment's status, its history (action, actor) and its reminder's answer."""
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        status = conn.execute("select status from appointments where id = %s", (appointment,)).fetchone()
        history = conn.execute(
            "select action, actor from appointment_history where appointment_id = %s order by at",
            (appointment,),
        ).fetchall()
        answer = conn.execute(
            "select answer from appointment_reminders where appointment_id = %s", (appointment,)
        ).fetchone()
    assert status and answer
    return str(status[0]), [(str(a), b) for a, b in history], answer[0]


def _session_texts(p: Pipeline, customer: str) -> list[str]:
    return [m.text for m in p.gupshup.sent_to(customer) if m.kind == "session"]


def _taps_answer_the_reminder(p: Pipeline, customer: str, appointment: str, token: str) -> None:
    """Confirmar confirms without the model; its redelivery changes nothing; the same token tapped
    in another business's conversation finds nothing there."""
    model_calls = len(p.model.completions())
    before = len(_session_texts(p, customer))
    tap_id = _tap(p, "ClinicaSonrisa", customer, "Confirmar", f"reminder:{token}:confirm")
    texts = p.stack.wait_for(lambda: _session_texts(p, customer)[before:] or None, timeout=p.bound())
    assert "queda confirmada" in texts[0] and "Limpieza" in texts[0]
    status, history, answer = _appointment(p, appointment)
    assert (status, answer) == ("confirmed", "confirmed")
    assert [h for h in history if h[0] == "confirmed"] == [("confirmed", "customer:reminder")]

    # Gupshup delivers the same callback again: nothing changes, nothing more is said.
    _tap(p, "ClinicaSonrisa", customer, "Confirmar", f"reminder:{token}:confirm", message_id=tap_id)
    p.stack.wait_idle(timeout=p.bound())
    assert _appointment(p, appointment) == (status, history, answer)
    assert len(_session_texts(p, customer)) == before + 1

    # The clinic's token tapped in the salon's conversation: refused, the clinic's appointment untouched.
    salon_before = len([m for m in p.gupshup.sent_to(customer) if m.app == "SalonLima"])
    _tap(p, "SalonLima", customer, "Cancelar", f"reminder:{token}:cancel")
    refusal = p.stack.wait_for(
        lambda: [m.text for m in p.gupshup.sent_to(customer) if m.app == "SalonLima"][salon_before:] or None,
        timeout=p.bound(),
    )
    assert "No encuentro la cita" in refusal[0]
    assert _appointment(p, appointment) == (status, history, answer)
    assert len(p.model.completions()) == model_calls  # no model call for any of the three taps
