"""`make demo`: a WhatsApp conversation in Spanish with the demo clinic, through the real path.

HTTP webhook -> inbound FIFO (debounce) -> processor -> agent -> outbound FIFO -> notifier ->
Gupshup API. A local server speaking Gupshup's API records what would have reached WhatsApp.
With OPENAI_API_KEY set (and optionally OPENAI_BASE_URL, OPENAI_MODEL, GEMINI_API_KEY) the real
models answer; otherwise a scripted stand-in plays the models' part, and the output says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from devstack import calendar_demo
from devstack.config import LocalConfig
from devstack.fakes.google_calendar import FakeGoogleCalendar
from devstack.fakes.gupshup import FakeGupshup, SentMessage
from devstack.gupshup_events import customer_message, post_callback
from devstack.stack import LocalStack
from devstack.stack_info import describe
from devstack.stand_ins import VOICE_NOTE, StandIns, start_stand_ins
from devstack.stopping import StopRequested, stop_on_signals

CUSTOMER = "34600111222"
CUSTOMER_NAME = "Lucía"

# (what the customer does, messages): a burst is several messages sent back to back.
Step = tuple[str, list[tuple[str, str]]]
CONVERSATION: list[Step] = [
    ("what a new customer asks first", [("text", "Hola, ¿qué servicios tenéis y cuánto cuestan?")]),
    ("a question about a service", [("text", "¿Y cuánto dura la limpieza dental?")]),
    (
        "a burst of messages, answered once",
        [("text", "Sí"), ("text", "quiero reservar una limpieza"), ("text", "para el jueves si puede ser")],
    ),
    ("a voice note", [("audio", "voice-note.ogg")]),
    ("a booking", [("text", "Sí, confirmo")]),
    ("a reschedule", [("text", "Perdona, ¿me la puedes pasar al viernes a la misma hora?")]),
    ("a request for a human", [("text", "¿Puedo hablar con una persona? Tengo una duda con mi seguro.")]),
]


@dataclass
class Line:
    at: float
    who: str
    text: str


@dataclass
class DemoResult:
    transcript: list[Line] = field(default_factory=list)
    appointment: dict[str, Any] | None = None
    staff_notices: list[SentMessage] = field(default_factory=list)
    turns: int = 0


# Long enough to see a burst answered once, short enough to watch (`make local` waits 10 s).
DEMO_DEBOUNCE_SECONDS = 2


@contextmanager
def demo_stack(state_dir: Path, debounce: int | None = None) -> Iterator[tuple[LocalStack, StandIns]]:
    """The local stack with Gupshup always local and the models real when keys are set; its debounce
    `debounce`, else DEBOUNCE_SECONDS when set (as for `make local`), else DEMO_DEBOUNCE_SECONDS."""
    with ExitStack() as ctx:
        config = LocalConfig.from_env()
        if debounce is None:
            debounce = config.debounce_seconds if os.environ.get("DEBOUNCE_SECONDS") else DEMO_DEBOUNCE_SECONDS
        config.debounce_seconds, config.port, config.moto_port, config.postgres_port = debounce, 0, 0, 0
        config.state_dir = state_dir
        stand_ins = start_stand_ins(config, ctx, local_gupshup=True)
        stack = ctx.enter_context(LocalStack(config))
        yield stack, stand_ins


def post(stack: LocalStack, kind: str, content: str, gupshup: FakeGupshup, customer: str = CUSTOMER) -> None:
    if kind == "audio":
        url = gupshup.add_media(f"{uuid.uuid4().hex}.ogg", VOICE_NOTE, "audio/ogg")
        payload: dict[str, Any] = {"url": url, "contentType": "audio/ogg; codecs=opus", "urlExpiry": 0}
    else:
        payload = {"text": content}
    app = stack.info.get("demo_app", "ClinicaSonrisa")
    body = customer_message(app, customer, kind=kind, content=payload, name=CUSTOMER_NAME)
    status = post_callback(stack.info["webhook_url"], stack.config.webhook_secret, body)
    if status != 200:
        raise RuntimeError(f"webhook answered {status}")


def play(
    stack: LocalStack,
    gupshup: FakeGupshup,
    steps: list[Step] = CONVERSATION,
    customer: str = CUSTOMER,
    show: Callable[[str], None] = print,
    timeout: float = 60.0,
) -> DemoResult:
    result = DemoResult()
    assistant = "Sofía"
    started = time.monotonic()
    for label, messages in steps:
        show(f"\n  — {label} —")
        before = len(gupshup.sent_to(customer))
        sent_at = time.monotonic()
        for kind, content in messages:
            post(stack, kind, content, gupshup, customer)
            shown = "🎤 nota de voz" if kind == "audio" else content
            result.transcript.append(Line(sent_at - started, "customer", shown))
            show(f"  [{time.monotonic() - started:6.1f}s] {CUSTOMER_NAME:>6} ▸ {shown}")
        stack.wait_for(lambda n=before: len(gupshup.sent_to(customer)) > n, timeout=timeout)
        stack.wait_idle(timeout=timeout, settle=0.3)  # every part of the reply, and any staff notice
        result.turns += 1
        for reply in gupshup.sent_to(customer)[before:]:
            elapsed = time.monotonic() - sent_at
            result.transcript.append(Line(time.monotonic() - started, "assistant", reply.text))
            show(f"  [{time.monotonic() - started:6.1f}s] {assistant:>6} ▸ {reply.text}   ({elapsed:.1f} s)")
            if reply.options:  # a WhatsApp list or reply buttons: what the customer can tap
                form = "botones" if reply.payload.get("type") == "quick_reply" else "lista"
                show(f"  {'':>16}  {form}: " + " | ".join(str(o.get("title", "")) for o in reply.options))
    # This customer's staff notices (the stack is idle: every job was delivered).
    result.staff_notices = [m for m in gupshup.sent if m.kind == "template" and customer in json.dumps(m.payload)]
    with psycopg.connect(stack.info["database_url"]) as conn:
        row = conn.execute(
            """
            select a.id::text, s.name as service, m.name as member, a.status,
                   to_char(a.starts_at at time zone st.timezone, 'YYYY-MM-DD HH24:MI') as starts_local,
                   a.starts_at, c.name as contact, c.phone
            from appointments a
            join contacts c on c.id = a.contact_id
            join services s on s.id = a.service_id
            join members m on m.id = a.member_id
            join agent_settings st on st.organization_id = a.organization_id
            where c.phone = %s order by a.created_at desc limit 1
            """,
            (customer,),
        ).fetchone()
        if row:
            keys = ["id", "service", "member", "status", "starts_local", "starts_at", "contact", "phone"]
            result.appointment = dict(zip(keys, row, strict=True))
    return result


@dataclass
class ReminderDemo:
    reminder: SentMessage  # the template as it reached WhatsApp
    buttons: list[str]  # its quick-reply postbacks, in button order
    confirmation: str  # what the tap on Confirmar answered
    status: str  # the appointment's status afterwards


def remind_and_confirm(
    stack: LocalStack,
    gupshup: FakeGupshup,
    appointment: dict[str, Any],
    customer: str = CUSTOMER,
    show: Callable[[str], None] = print,
    timeout: float = 60.0,
) -> ReminderDemo:
    """The day before: one reminder pass at that time (`python -m receptionist.reminders --now`),
    the reminder template with its three buttons, and the customer tapping Confirmar."""
    app = stack.info.get("demo_app", "ClinicaSonrisa")
    starts: datetime = appointment["starts_at"]
    at = starts - timedelta(minutes=1440) + timedelta(minutes=1)  # the clinic reminds 24 h before
    env = {
        **os.environ,
        "DATABASE_URL": stack.info["app_database_url"],
        "OUTBOUND_QUEUE_URL": stack.info["queues"]["OutboundQueue"],
        "AWS_ENDPOINT_URL": stack.info["aws_endpoint_url"],
        "AWS_DEFAULT_REGION": stack.info["region"],
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
    }
    command = [sys.executable, "-m", "receptionist.reminders", "--now", at.isoformat(), "--lookback-hours", "1"]
    show(f"\n  — the day before ({at:%Y-%m-%d %H:%M} UTC): a reminder, and a tap that confirms —")
    ran = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    show(f"  $ python -m receptionist.reminders --now {at.isoformat()} --lookback-hours 1\n  {ran.stdout.strip()}")
    if ran.returncode != 0:
        raise RuntimeError(f"the reminder pass failed: {ran.stderr.strip()[-500:]}")

    def reminders() -> list[SentMessage]:
        return [m for m in gupshup.sent_to(customer) if m.kind == "template" and m.app == app]

    (reminder,) = stack.wait_for(reminders, timeout=timeout)
    forms = [r.form() for r in gupshup.received("/wa/api/v1/template/msg")]
    form = next(f for f in forms if f.get("destination") == customer)
    buttons = [str(b["text"]) for b in json.loads(form.get("postbackTexts", "[]"))]
    labels = " ".join(f"[{label}]" for label in ("Confirmar", "Cancelar", "Cambiar")[: len(buttons)])
    show(f"  {'Sofía':>6} ▸ plantilla {reminder.payload['id']} {reminder.payload['params']}  {labels}")

    before = len(gupshup.sent_to(customer))
    body = customer_message(
        app, customer, kind="quick_reply", content={"text": "Confirmar", "type": "button", "postbackText": buttons[0]},
        name=CUSTOMER_NAME,
    )  # fmt: skip
    if post_callback(stack.info["webhook_url"], stack.config.webhook_secret, body) != 200:
        raise RuntimeError("the webhook refused the tap")
    show(f"  {CUSTOMER_NAME:>6} ▸ (toca «Confirmar»)")
    (confirmation, *_) = stack.wait_for(lambda: gupshup.sent_to(customer)[before:], timeout=timeout)
    show(f"  {'Sofía':>6} ▸ {confirmation.text}   (sin llamar al modelo)")
    with psycopg.connect(stack.info["database_url"]) as conn:
        row = conn.execute("select status from appointments where id = %s", (appointment["id"],)).fetchone()
    return ReminderDemo(reminder, buttons, confirmation.text, str(row[0]) if row else "?")


def calendar_before(stack: LocalStack, google: FakeGoogleCalendar, app: str) -> list[calendar_demo.Connected]:
    """The members connect their Google calendars; one of them puts an event in theirs, and the
    slot it covers is no longer offered (docs/calendar.md)."""
    print("\nGoogle Calendar (the local stand-in): each member of the clinic connects theirs", flush=True)
    connected = calendar_demo.connect_members(stack, google, app)
    counts = calendar_demo.run_minute(stack)  # push channels, and a first sync of each calendar
    for c in connected:
        print(f"  {c.member:<10} {c.account}")
    print(f"  CalendarFunction's minute: {counts}")
    first, day = calendar_demo.first_open_day(stack, connected)
    before = calendar_demo.member_slots(stack, first, day)
    start = before[len(before) // 2]
    took = calendar_demo.external_event(stack, google, first, start)
    after = calendar_demo.member_slots(stack, first, day)
    gone = [f"{s:%H:%M}" for s in before if s not in after]
    print(f"  {first.member} puts a one-hour event in their calendar at {start:%Y-%m-%d %H:%M %Z}:")
    print(f"  push -> busy block in {took:.1f} s; slots no longer offered that day: {', '.join(gone) or '(none)'}")
    return connected


def calendar_after(
    stack: LocalStack, google: FakeGoogleCalendar, connected: list[calendar_demo.Connected], member: str
) -> None:
    """The booking, relayed by CalendarFunction's minute into the member's calendar."""
    mine = [c for c in connected if c.member == member]
    print(f"\nThe booking in {member}'s Google calendar:")
    if not mine:
        print("  (the member has no connected calendar)")
        return
    calendar_demo.show_booking_in_calendar(stack, google, mine[0], show=lambda s: print(s, flush=True))


def main() -> int:
    """SIGINT and SIGTERM stop it in any phase, DEMO_KEEP's wait included, and every server it
    started stops with it (devstack.stopping); stopped before the end, it exits 128 + the signal."""
    stop_on_signals()
    try:
        return _demo()
    except StopRequested as stop:
        print(f"\nStopped ({stop}).", flush=True)
        return 128 + stop.signum


def _demo() -> int:
    with tempfile.TemporaryDirectory(prefix="receptionist-demo-") as tmp:
        print("Starting the local stack (PostgreSQL, moto with the template, Lambda runner)...", flush=True)
        with demo_stack(Path(tmp)) as (stack, stand_ins):
            assert stand_ins.gupshup is not None  # the demo always records locally
            gupshup = stand_ins.gupshup
            print("\n" + stand_ins.banner(stack.config) + "\n")
            print(describe(stack.info))
            app = stack.info.get("demo_app", "ClinicaSonrisa")
            assert stand_ins.google_calendar is not None  # always started by start_stand_ins
            connected = calendar_before(stack, stand_ins.google_calendar, app)
            print(f"\nWhatsApp chat with {app} (+{CUSTOMER}):")
            result = play(stack, gupshup, show=lambda s: print(s, flush=True))
            print("\nThe appointment, as stored in the CRM:")
            if result.appointment:
                a = result.appointment
                print(
                    f"  {a['service']} with {a['member']} on {a['starts_local']} (Europe/Madrid), status {a['status']},"
                )
                print(f"  for {a['contact']} (+{a['phone']}), id {a['id']}")
            else:
                print("  (none: the model did not book one)")
            if result.appointment:
                calendar_after(stack, stand_ins.google_calendar, connected, result.appointment["member"])
            reminded = None
            if result.appointment:
                reminded = remind_and_confirm(stack, gupshup, result.appointment, show=lambda s: print(s, flush=True))
                print(f"  The appointment is now {reminded.status}.")
            print("\nThe staff notice, as sent to WhatsApp:")
            for notice in result.staff_notices:
                print(f"  template to +{notice.destination}: {json.dumps(notice.payload, ensure_ascii=False)}")
            if not result.staff_notices:
                print("  (none)")
            print("\nThe staff console (the escalated conversation is in its inbox):")
            print(f"  {stack.info.get('console_url')}")
            for user in stack.info.get("console_users", []):
                print(f"  {user['app']:<16} {user['email']} / {user['password']}")
            if os.environ.get("DEMO_KEEP"):
                print("\nThe stack keeps running (DEMO_KEEP); Ctrl-C (or SIGTERM) stops it.", flush=True)
                with contextlib.suppress(StopRequested):
                    threading.Event().wait()
            else:
                print("  (`DEMO_KEEP=1 make demo` keeps the stack running to try it; `make local` runs one)")
            print("\nStopping everything...")
        print("Done.")
    return 0 if result.appointment and reminded and reminded.status == "confirmed" else 1


if __name__ == "__main__":
    sys.exit(main())
