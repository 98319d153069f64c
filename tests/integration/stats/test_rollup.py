"""The daily roll-up on the real database (docs/stats.md): a small slice of two businesses in two
zones, every figure of a day checked against the rows inserted for it; the run is idempotent, a
late event is corrected by the next run, and a business's run reads and writes its own rows only
(row level security, as the functions' role)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.crm import business_stats, stats_rollup
from receptionist.crm.connection import Database
from receptionist.crm.stats_rollup import Business
from receptionist.deadline import Deadline
from receptionist.model_prices import cost_usd
from receptionist.stats import whatsapp_prices
from receptionist.stats.aws_prices import aws_cost_usd
from receptionist.stats.latency import FIRST_REPLY_MS_EDGES, STAFF_REPLY_SECONDS_EDGES, histogram
from receptionist.stats.rollup import RollupPass

DAY = date(2026, 3, 10)  # before Europe's summer time: Madrid is UTC+1, Lima UTC-5
MODEL = "gpt-4.1-mini"


@dataclass
class Shop:
    db: Database
    org: str
    tz: str
    service: str = ""
    member: str = ""
    contact: str = ""
    people: dict[str, str] = field(default_factory=dict)  # customer number -> identity id

    def at(self, day: date, hh: int, mm: int = 0, ss: float = 0) -> datetime:
        seconds = int(ss)
        micro = round((ss - seconds) * 1_000_000)
        return datetime(day.year, day.month, day.day, hh, mm, seconds, micro, tzinfo=ZoneInfo(self.tz))

    @property
    def business(self) -> Business:
        return Business(self.org, self.tz)

    def customer(self, number: str) -> str:
        row = self.db.fetch_one(
            "insert into chat_identities (organization_id, customer_number) values (%s, %s) returning id::text",
            (self.org, number),
        )
        assert row is not None
        self.people[number] = str(row["id"])
        return str(row["id"])

    def inbound(self, number: str, at: datetime, turn: str | None = None, received: bool = True) -> None:
        self.db.execute(
            "insert into chat_messages (organization_id, chat_identity_id, direction, status, provider_message_id,"
            " turn_id, created_at, received_at) values (%s, %s, 'inbound', 'received', %s, %s, %s, %s)",
            (self.org, self.people[number], f"in-{uuid.uuid4().hex}", turn, at, at if received else None),
        )

    def outbound(
        self,
        number: str,
        at: datetime,
        *,
        turn: str | None = None,
        accepted: datetime | None = None,
        staff: bool = False,
        template: str | None = None,
        status: str = "sent",
    ) -> str:
        row = self.db.fetch_one(
            "insert into chat_messages (organization_id, chat_identity_id, direction, kind, status, turn_id,"
            " sent_by, template_id, created_at, accepted_at) values (%s, %s, 'outbound', %s, %s, %s, %s, %s, %s, %s)"
            " returning id::text",
            (
                self.org,
                self.people[number],
                "template" if template else "text",
                status,
                turn or f"t-{uuid.uuid4().hex}",
                "staff:ana@example.com" if staff else None,
                template,
                at,
                accepted,
            ),
        )
        assert row is not None
        return str(row["id"])

    def template(self, template_id: str, category: str) -> None:
        self.db.execute(
            "insert into message_templates (organization_id, template_id, label, body, category)"
            " values (%s, %s, %s, 'Hola', %s)",
            (self.org, template_id, template_id, category),
        )

    def escalation(self, number: str, at: datetime) -> None:
        self.db.execute(
            "insert into escalations (organization_id, chat_identity_id, reason, created_at) values (%s, %s, 'x', %s)",
            (self.org, self.people[number], at),
        )

    def usage(self, number: str, at: datetime, model: str | None, prompt: int, completion: int) -> None:
        self.db.execute(
            "insert into turn_usage (organization_id, chat_identity_id, turn_id, model_calls, prompt_tokens,"
            " completion_tokens, at, model) values (%s, %s, %s, 1, %s, %s, %s, %s)",
            (self.org, self.people[number], f"u-{uuid.uuid4().hex}", prompt, completion, at, model),
        )

    def appointment(self, starts: datetime) -> str:
        row = self.db.fetch_one(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at)"
            " values (%s, %s, %s, %s, %s, %s) returning id::text",
            (self.org, self.contact, self.service, self.member, starts, starts + timedelta(minutes=30)),
        )
        assert row is not None
        return str(row["id"])

    def history(self, appointment: str, action: str, at: datetime, actor: str | None = None) -> None:
        moved = action == "rescheduled"
        self.db.execute(
            "insert into appointment_history (organization_id, appointment_id, action, at, actor,"
            " old_starts_at, new_starts_at) values (%s, %s, %s, %s, %s, %s, %s)",
            (
                self.org,
                appointment,
                action,
                at,
                actor,
                at if moved else None,
                at + timedelta(days=1) if moved else None,
            ),
        )

    def reminder(self, appointment: str, due: datetime, *, sent: bool, confirmed_at: datetime | None) -> None:
        self.db.execute(
            "insert into appointment_reminders (organization_id, appointment_id, offset_minutes, due_at, status,"
            " answer, answered_at) values (%s, %s, 60, %s, %s, %s, %s)",
            (
                self.org,
                appointment,
                due,
                "sent" if sent else "skipped",
                "confirmed" if confirmed_at else None,
                confirmed_at,
            ),
        )


def _shop(db: Database, tz: str) -> Shop:
    org = str(uuid.uuid4())
    db.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Stats {org[:8]}"))
    db.execute("insert into agent_settings (organization_id, timezone) values (%s, %s)", (org, tz))
    service = db.fetch_one(
        "insert into services (organization_id, name, duration_minutes, price_cents) values (%s, 'Corte', 30, 1500)"
        " returning id::text",
        (org,),
    )
    member = db.fetch_one("insert into members (organization_id, name) values (%s, 'Ana') returning id::text", (org,))
    contact = db.fetch_one(
        "insert into contacts (organization_id, name, phone) values (%s, 'Lucía', '34600000001') returning id::text",
        (org,),
    )
    assert service and member and contact
    return Shop(db, org, tz, str(service["id"]), str(member["id"]), str(contact["id"]))


def _pass(app_db: Database, *shops: Shop) -> RollupPass:
    mine = {s.org for s in shops}
    return RollupPass(app_db, MODEL, lambda db: [b for b in stats_rollup.businesses(db) if b.organization_id in mine])


def _day(console_db: Database, shop: Shop, day: date) -> business_stats.DayStats:
    with console_db.acting_for(shop.org):
        (row,) = business_stats.days(console_db, shop.org, day, day + timedelta(days=1))
    return row


def _madrid_day(db: Database) -> Shop:
    """Business A's day DAY in Madrid, with every figure's source rows (and some that must not count)."""
    a = _shop(db, "Europe/Madrid")
    for number in ("34600000001", "34600000002", "34600000003", "51900000004"):
        a.customer(number)
    a.template("reminder_tpl", "UTILITY")
    a.template("promo_tpl", "MARKETING")
    # Lucía: two messages in one turn, answered by the assistant 2.4 s after the first arrived.
    a.inbound("34600000001", a.at(DAY, 10), turn="t1")
    a.inbound("34600000001", a.at(DAY, 10, 0, 1), turn="t1")
    a.outbound("34600000001", a.at(DAY, 10, 0, 2), turn="t1", accepted=a.at(DAY, 10, 0, 2.4))
    a.outbound("34600000001", a.at(DAY, 10, 0, 3), turn="t1b", accepted=None)  # never accepted: no price, no latency
    # Pedro: escalated; staff answered 10 minutes later (not resolved alone).
    a.inbound("34600000002", a.at(DAY, 11), turn="t2")
    a.escalation("34600000002", a.at(DAY, 11, 0, 5))
    a.outbound("34600000002", a.at(DAY, 11, 10, 5), staff=True, accepted=a.at(DAY, 11, 10, 6))
    # Marta wrote late in the evening (22:30 UTC: still DAY in Madrid).
    a.inbound("34600000003", a.at(DAY, 23, 30), turn="t3", received=False)  # before received_at was kept
    # Marta again after local midnight: the next local day, though the same UTC date.
    a.inbound("34600000003", a.at(DAY + timedelta(days=1), 0, 30), turn="t4")
    # Templates accepted that day: a utility inside Lucía's window (free), a marketing one to her
    # (ES rate), a utility to a Peruvian customer who never wrote (PE rate), one that failed.
    a.outbound("34600000001", a.at(DAY, 12), template="reminder_tpl", accepted=a.at(DAY, 12))
    a.outbound("34600000001", a.at(DAY, 13), template="promo_tpl", accepted=a.at(DAY, 13))
    a.outbound("51900000004", a.at(DAY, 14), template="reminder_tpl", accepted=a.at(DAY, 14))
    a.outbound("51900000004", a.at(DAY, 15), template="reminder_tpl", accepted=a.at(DAY, 15), status="failed")
    # Tokens: one turn on a named model, one before the model was kept (priced at the deployment's).
    a.usage("34600000001", a.at(DAY, 10, 0, 2), MODEL, 1000, 100)
    a.usage("34600000002", a.at(DAY, 11), None, 2000, 50)
    a.usage("34600000002", a.at(DAY - timedelta(days=1), 23, 59), MODEL, 9999, 999)  # the day before
    # Appointments: booked by each source, then what happened to them that day.
    for hour, actor in enumerate(
        [None, "staff:ana@example.com", "customer:reminder", "customer:waitlist", "ops:maria"]
    ):
        appointment = a.appointment(a.at(DAY + timedelta(days=5), 9 + hour))
        a.history(appointment, "booked", a.at(DAY, 9, hour), actor)
    other = a.appointment(a.at(DAY + timedelta(days=6), 9))
    for minute, action in enumerate(["confirmed", "confirmed", "cancelled", "rescheduled", "completed", "no_show"]):
        a.history(other, action, a.at(DAY, 16, minute), "staff:ana@example.com")
    a.history(other, "booked", a.at(DAY - timedelta(days=1), 9))  # another day
    a.reminder(other, a.at(DAY, 8), sent=True, confirmed_at=a.at(DAY, 8, 30))
    a.reminder(a.appointment(a.at(DAY + timedelta(days=7), 9)), a.at(DAY, 9), sent=False, confirmed_at=None)
    return a


def test_each_figure_of_a_day_is_counted_from_its_rows(db: Database, app_db: Database, console_db: Database) -> None:
    a = _madrid_day(db)
    b = _shop(db, "America/Lima")
    b.customer("51911111111")
    b.inbound("51911111111", b.at(DAY, 10), turn="tb")  # Lima's DAY; never seen in A's figures

    written = _pass(app_db, a, b).backfill(DAY - timedelta(days=1), DAY + timedelta(days=2))
    assert (written.businesses, written.days) == (2, 6)

    day = _day(console_db, a, DAY)
    assert (day.conversations, day.inbound_messages, day.resolved_alone) == (3, 4, 2)
    assert day.turns == 2 and (day.prompt_tokens, day.completion_tokens) == (3000, 150)
    expected_model = Decimal(str(cost_usd(MODEL, 1000, 100))) + Decimal(str(cost_usd(MODEL, 2000, 50)))
    assert day.model_cost_usd == expected_model.quantize(Decimal("0.000001"))
    assert (day.booked_assistant, day.booked_console, day.booked_reminder, day.booked_waitlist, day.booked_other) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert (day.confirmed, day.cancelled, day.moved, day.completed, day.no_shows) == (2, 1, 1, 1, 1)
    assert (day.reminders_sent, day.reminders_confirmed) == (1, 1)
    assert (day.escalations, day.staff_replies) == (1, 1)
    assert list(day.staff_reply_seconds) == histogram([600], STAFF_REPLY_SECONDS_EDGES)
    # Lucía's turn only: Pedro's was answered by staff, not the assistant; Marta's has no receipt time.
    assert day.first_replies == 1
    assert list(day.first_reply_ms) == histogram([2400], FIRST_REPLY_MS_EDGES)
    assert day.wa_service == 2  # Lucía's accepted reply and the staff reply
    assert (day.wa_utility_free, day.wa_utility, day.wa_marketing, day.wa_authentication) == (1, 1, 1, 0)
    assert day.whatsapp_cost_usd == Decimal("0.0615") + Decimal("0.0200")
    assert day.rate_card == "meta-2025-07-01"
    assert day.aws_cost_usd == aws_cost_usd(4)

    after = _day(console_db, a, DAY + timedelta(days=1))  # Marta after midnight, Madrid time
    assert (after.conversations, after.inbound_messages, after.first_replies) == (1, 1, 0)
    before = _day(console_db, a, DAY - timedelta(days=1))
    assert before.prompt_tokens == 9999 and before.conversations == 0

    lima = _day(console_db, b, DAY)
    assert (lima.conversations, lima.inbound_messages, lima.booked, lima.whatsapp_cost_usd) == (1, 1, 0, 0)


def _rows(db: Database, shop: Shop) -> list[dict[str, Any]]:
    rows = db.fetch_all("select * from daily_business_stats where organization_id = %s order by day", (shop.org,))
    return [{k: v for k, v in row.items() if k != "computed_at"} for row in rows]


def test_recomputing_writes_the_same_rows(db: Database, app_db: Database) -> None:
    a = _madrid_day(db)
    rollup = _pass(app_db, a)
    rollup.backfill(DAY, DAY + timedelta(days=2))
    first = _rows(db, a)
    rollup.backfill(DAY, DAY + timedelta(days=2))
    assert _rows(db, a) == first and len(first) == 2


def test_a_late_event_is_corrected_by_the_next_run(db: Database, app_db: Database, console_db: Database) -> None:
    a = _madrid_day(db)
    now = a.at(DAY, 18)  # an hourly run that evening: the last 3 local days
    rollup = _pass(app_db, a)
    assert rollup.run(now).businesses == 1
    assert _day(console_db, a, DAY).wa_utility == 1

    # Later that evening Gupshup reports the Peruvian template failed, and a staff member answers
    # Marta's late message: both belong to DAY.
    db.execute(
        "update chat_messages set status = 'failed' where organization_id = %s and template_id = 'reminder_tpl'"
        " and chat_identity_id = %s",
        (a.org, a.people["51900000004"]),
    )
    a.outbound("34600000003", a.at(DAY, 23, 45), staff=True, accepted=a.at(DAY, 23, 45))
    report = rollup.run(a.at(DAY, 23, 50))
    assert (report.businesses, report.days, report.failed) == (1, 3, 0)
    day = _day(console_db, a, DAY)
    assert (day.wa_utility, day.whatsapp_cost_usd) == (0, Decimal("0.0615"))
    assert day.resolved_alone == 1 and day.wa_service == 3


def test_a_business_run_reads_and_writes_its_own_rows_only(
    db: Database, app_db: Database, console_db: Database
) -> None:
    a = _madrid_day(db)
    b = _shop(db, "Europe/Madrid")
    # Acting for B, A's statement sees none of A's rows (row level security, not the WHERE clause).
    with app_db.acting_for(b.org):
        counts = stats_rollup.day_counts(app_db, a.business, DAY, DAY + timedelta(days=1))
    assert counts[0].inbound_messages == 0 and counts[0].usage == () and counts[0].templates == ()
    # ...and cannot write A's day.
    with pytest.raises(psycopg.errors.InsufficientPrivilege), app_db.acting_for(b.org):
        stats_rollup.write_days(app_db, a.org, [{"day": DAY.isoformat(), "rate_card": "x", "conversations": 9}])
    with console_db.acting_for(a.org):
        assert business_stats.days(console_db, a.org, DAY, DAY + timedelta(days=1)) == []


def test_one_business_failing_does_not_hold_the_others_back(db: Database, app_db: Database) -> None:
    a = _madrid_day(db)
    broken = Business(str(uuid.uuid4()), "Not/AZone")
    rollup = RollupPass(app_db, MODEL, lambda _db: [broken, a.business])
    report = rollup.run(a.at(DAY, 18))
    assert (report.businesses, report.failed) == (1, 1)
    assert len(_rows(db, a)) == 3


def test_a_run_out_of_time_leaves_the_rest_to_the_next_run(db: Database, app_db: Database) -> None:
    a = _madrid_day(db)
    rollup = _pass(app_db, a)
    late = rollup.run(a.at(DAY, 18), Deadline.passed())
    assert (late.businesses, late.left, late.days) == (0, 1, 0)
    assert _rows(db, a) == []
    assert rollup.run(a.at(DAY, 19), Deadline.never()).businesses == 1
    assert len(_rows(db, a)) == 3


def test_templates_to_staff_numbers_are_counted_and_priced(
    db: Database, app_db: Database, console_db: Database
) -> None:
    """Staff notices have no chat_messages row: the notifier records each accepted send in
    staff_template_sends (through the functions' role, as it does), and the roll-up counts and prices
    them by category and the staff number's market, never as free inside a service window."""
    a = _shop(db, "Europe/Madrid")
    a.template("aviso_staff", "UTILITY")
    a.template("promo_staff", "MARKETING")
    a.customer("34600000009")
    a.inbound("34600000009", a.at(DAY, 9))  # a customer's window is open all day: staff sends still pay
    crm = DeliveryCrm(app_db)
    with app_db.acting_for(a.org):
        sends = [
            ("job-1#staff#0", "aviso_staff", "+34 699 000 001", a.at(DAY, 11)),  # ES utility
            ("job-1#staff#1", "aviso_staff", "51999000002", a.at(DAY, 11)),  # PE utility
            ("job-2#staff#0", "promo_staff", "34699000001", a.at(DAY, 12)),  # ES marketing
            ("job-3#staff#0", "aviso_staff", "34699000001", a.at(DAY - timedelta(days=1), 23, 30)),  # the day before
        ]
        recorded = [crm.record_staff_send(a.org, k, template_id=t, number=n, at=at) for k, t, n, at in sends]
        # A redelivered job records its sends again: the key makes it a no-op.
        again = crm.record_staff_send(
            a.org, "job-1#staff#0", template_id="aviso_staff", number="34699000001", at=a.at(DAY, 11, 5)
        )
    assert recorded == [True, True, True, True] and again is False
    stored = db.fetch_all(
        "select prefix from staff_template_sends where organization_id = %s order by prefix", (a.org,)
    )
    assert [r["prefix"] for r in stored] == ["346", "346", "346", "519"]  # never the number

    _pass(app_db, a).backfill(DAY - timedelta(days=1), DAY + timedelta(days=1))

    card = whatsapp_prices.card_on(DAY)
    day = _day(console_db, a, DAY)
    assert (day.wa_utility_free, day.wa_utility, day.wa_marketing, day.wa_service) == (0, 2, 1, 0)
    assert day.whatsapp_cost_usd == card.price("ES", "utility") + card.price("PE", "utility") + card.price(
        "ES", "marketing"
    )
    assert _day(console_db, a, DAY - timedelta(days=1)).wa_utility == 1


def test_staff_sends_are_a_business_own_rows(db: Database, app_db: Database) -> None:
    a, b = _shop(db, "Europe/Madrid"), _shop(db, "Europe/Madrid")
    with app_db.acting_for(a.org):
        DeliveryCrm(app_db).record_staff_send(
            a.org, "j#staff#0", template_id="x", number="34699000001", at=a.at(DAY, 9)
        )
    with app_db.acting_for(b.org):
        assert app_db.fetch_all("select * from staff_template_sends") == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            DeliveryCrm(app_db).record_staff_send(
                a.org, "j#staff#1", template_id="x", number="34699000001", at=a.at(DAY, 9)
            )
