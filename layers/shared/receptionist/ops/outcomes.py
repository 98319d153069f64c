"""Appointment outcomes and reminder metrics from the command line (issue 17).

    # Staff's outcome of an appointment that has started (the console does the same)
    DATABASE_URL=postgresql://... python -m receptionist.ops.outcomes mark \\
        --org ClinicaSonrisa --appointment <appointment id> completed|no-show [--actor ops:maria]

    # Reminder metrics, no-show rates and the waitlist's offers and fills per business (every business when no --org)
    DATABASE_URL=postgresql://... python -m receptionist.ops.outcomes report \\
        [--org ClinicaSonrisa ...] [--since 2026-11-01] [--until 2026-11-30] [--json]

--org is an organization id or its active Gupshup app name. `mark` records the change in the
appointment's history and the audit log with the actor (`ops:<name>`, default `ops:<login>`),
exactly as the console's buttons do (crm.appointments.mark_completed / mark_no_show): only once
the appointment has started, never for a cancelled one; marking it again changes nothing.

`report` counts the appointments that start from --since to --until, both days included, in each
business's time zone (default: the last 30 days, today included); what each number means is in
docs/reminders.md ("Outcomes and metrics"), the no-show rate before and after the no-show
policy came on in docs/noshow.md ("Measured"), the waitlist's offers claimed in those days, their
fills and the median time to fill in docs/waitlist.md ("Measured"), and the recalls sent in those
days, with the bookings within 14 days of them (docs/recalls.md). Counts only: no customer's name
or number is printed.
Without --org it reports every business DATABASE_URL sees: all of them as the tables' owner;
the console's role sees none without --org (row level security), and finds a business by its
id only (resolving an app name is the message functions' alone).

Exit status: 0 done (also "already so"), 1 refused (not started, cancelled, no such appointment
or business, no business visible), 2 usage error (including DATABASE_URL missing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from receptionist.crm import appointments, organizations, outcomes, schedule
from receptionist.crm.availability import is_uuid
from receptionist.crm.connection import Database
from receptionist.crm.inbox import record_audit
from receptionist.crm.models import BookingResult
from receptionist.crm.outcomes import Business, NoShowMetrics, RecallMetrics, ReminderMetrics, WaitlistMetrics
from receptionist.ops.actor import ops_actor

DEFAULT_DAYS = 30
_OUTCOMES = {"completed": "completed", "no-show": "no_show"}
_PERIOD_KEYS = ("organization_id", "since", "until")  # said once per business, not per metric


def find_business(db: Database, reference: str) -> Business | None:
    """The business of an organization id or of an active Gupshup app name."""
    if is_uuid(reference):
        return outcomes.business(db, reference)
    org = organizations.resolve_by_app(db, reference)
    return outcomes.business(db, org.id) if org else None


# -- mark ----------------------------------------------------------------------------------------
def mark(db: Database, business: Business, appointment_id: str, outcome: str, actor: str, now: datetime) -> int:
    """Mark one appointment; prints what happened; the exit status."""
    status = _OUTCOMES[outcome]
    with db.acting_for(business.id):
        current = schedule.appointment(db, business.id, appointment_id, business.timezone)
        if current is None:  # another business's, or none: the same answer
            print(f"no appointment {appointment_id} in {business.name}; nothing changed", file=sys.stderr)
            return 1
        apply = appointments.mark_completed if status == "completed" else appointments.mark_no_show
        result: BookingResult = apply(db, business.id, current.id, business.timezone, now=now, actor=actor)
        changed = result.ok and result.appointment is not None and result.appointment.status != current.status
        if changed:  # the console's audit line, with the ops actor
            record_audit(
                db, business.id, actor, f"appointment_{status}", current.id, {"from": current.status, "to": status}
            )
    when = f"{current.starts_at:%d/%m/%Y %H:%M} ({business.timezone})"
    if result.failure == "not_started":
        print(
            f"appointment {current.id} starts {when}: it cannot be marked {outcome} before it starts; nothing changed",
            file=sys.stderr,
        )
        return 1
    if result.failure is not None:  # not_active (cancelled), or it vanished meanwhile
        found = result.appointment.status if result.appointment else "gone"
        print(
            f"appointment {current.id} ({when}) is {found}: a cancelled appointment has no outcome; nothing changed",
            file=sys.stderr,
        )
        return 1
    if not changed:
        print(f"appointment {current.id} ({when}) was already {outcome}; nothing changed")
        return 0
    print(f"appointment {current.id} ({when}) marked {outcome} (was {current.status.replace('_', '-')}) by {actor}")
    return 0


# -- report --------------------------------------------------------------------------------------
def days_for(business: Business, since: date | None, until: date | None, now: datetime) -> tuple[date, date]:
    """The report's first and last day (inclusive): the given ones, else the last DEFAULT_DAYS
    days up to today in the business's time zone."""
    last = until or now.astimezone(ZoneInfo(business.timezone)).date()
    first = since or last - timedelta(days=DEFAULT_DAYS - 1)
    return first, last


def _percent(part: int, rate: float | None, whole: int) -> str:
    return "n/a (no appointment with an outcome)" if rate is None else f"{rate:.1%} ({part} of {whole})"


def describe(business: Business, first: date, last: date, m: ReminderMetrics) -> list[str]:
    """The report's lines for one business (counts only)."""
    rated = m.completed + m.no_show
    with_reminder = m.completed_with_reminder + m.no_show_with_reminder
    without = m.completed_without_reminder + m.no_show_without_reminder
    return [
        f"{business.name} ({business.id}) {first:%d/%m/%Y}-{last:%d/%m/%Y} ({business.timezone})",
        f"  appointments: {m.appointments} (completed {m.completed}, no-show {m.no_show}, cancelled {m.cancelled})",
        f"  no-show rate: {_percent(m.no_show, m.no_show_rate, rated)};"
        f" with a reminder {_percent(m.no_show_with_reminder, m.no_show_rate_with_reminder, with_reminder)};"
        f" without {_percent(m.no_show_without_reminder, m.no_show_rate_without_reminder, without)}",
        f"  reminders: sent {m.sent}, skipped {m.skipped}, on their way {m.pending}",
        f"  answers: confirmed {m.confirmed}, cancelled {m.cancelled_by_reminder}, asked to change"
        f" {m.change_asked}, wrote back {m.typed}; rescheduled after answering {m.rescheduled}",
    ]


def describe_noshow(business: Business, m: NoShowMetrics) -> list[str]:
    """The no-show rate before and after the no-show policy came on (counts only)."""
    if m.on_at is None or m.before_from is None:
        return ["  no-show policy: not on in this period (no before/after)"]
    zone = ZoneInfo(business.timezone)
    on = m.on_at.astimezone(zone)
    ended = f", off since {m.off_at.astimezone(zone):%d/%m/%Y %H:%M}" if m.off_at else ""
    before = m.completed_before + m.no_show_before
    after = m.completed_after + m.no_show_after
    return [
        f"  no-show policy: on since {on:%d/%m/%Y %H:%M}{ended}; no-show rate before"
        f" ({m.before_from.astimezone(zone):%d/%m/%Y}-{on:%d/%m/%Y})"
        f" {_percent(m.no_show_before, m.rate_before, before)};"
        f" with the policy {_percent(m.no_show_after, m.rate_after, after)}"
    ]


def describe_recalls(m: RecallMetrics) -> list[str]:
    """The report's recall line (docs/recalls.md): sent in the period, bookings within 14 days."""
    rate = "n/a" if m.booking_rate is None else f"{m.booking_rate:.1%}"
    return [
        f"  recalls: sent {m.sent}, bookings within {outcomes.BOOKING_DAYS} days {m.booked} ({rate});"
        f" tapped Reservar {m.book_taps}, No, gracias {m.declined}"
    ]


def describe_waitlist(w: WaitlistMetrics) -> list[str]:
    """The waitlist's line for one business (counts only)."""
    median = "n/a (no fill)" if w.median_seconds_to_fill is None else _duration(w.median_seconds_to_fill)
    rate = "n/a" if w.fill_rate is None else f"{w.fill_rate:.1%}"
    return [
        f"  waitlist: offers {w.offers} for {w.slots_offered} freed slots, filled {w.fills} ({rate} of the slots);"
        f" declined {w.declined}, expired {w.expired}, too late {w.lost}, not sent {w.skipped}, failed {w.failed};"
        f" median time to fill {median}"
    ]


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def report(
    db: Database, chosen: list[Business], since: date | None, until: date | None, now: datetime, as_json: bool
) -> int:
    results: list[dict[str, Any]] = []
    for business in chosen:
        first, last = days_for(business, since, until, now)
        period = outcomes.local_period(first, last, business.timezone)
        metrics = outcomes.reminder_metrics(db, business.id, *period)
        noshow = outcomes.noshow_metrics(db, business.id, *period)
        recalled = outcomes.recall_metrics(db, business.id, *period)
        waitlist = outcomes.waitlist_metrics(db, business.id, *period)
        if as_json:
            results.append(
                {
                    "business": {"id": business.id, "name": business.name, "timezone": business.timezone},
                    "first_day": first.isoformat(),
                    "last_day": last.isoformat(),
                    **metrics.as_dict(),
                    "noshow_policy": noshow.as_dict(),
                    "waitlist": {k: v for k, v in waitlist.as_dict().items() if k not in ("since", "until")},
                    "recalls": {k: v for k, v in recalled.as_dict().items() if k not in _PERIOD_KEYS},
                }
            )
        else:
            lines = describe(business, first, last, metrics) + describe_noshow(business, noshow)
            print("\n".join(lines + describe_waitlist(waitlist) + describe_recalls(recalled)))
    if as_json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


# -- command line --------------------------------------------------------------------------------
def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.outcomes",
        description="Mark appointments completed / no-show, and report reminder metrics and no-show rates per"
        " business. Connects to the CRM at $DATABASE_URL.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    marking = commands.add_parser("mark", help="mark an appointment that has started completed or a no-show")
    marking.add_argument("--org", required=True, help="the organization's id or its Gupshup app name")
    marking.add_argument("--appointment", required=True, help="the appointment's id")
    marking.add_argument("outcome", choices=sorted(_OUTCOMES), help="what happened")
    marking.add_argument("--actor", help="who marks it, recorded in the history (default ops:<login>)")
    reporting = commands.add_parser("report", help="reminder metrics and no-show rates per business")
    reporting.add_argument(
        "--org", action="append", help="the organization's id or its Gupshup app name (repeatable; default: all)"
    )
    reporting.add_argument("--since", type=_day, help="first day, YYYY-MM-DD (default: 29 days before --until)")
    reporting.add_argument("--until", type=_day, help="last day, included, YYYY-MM-DD (default: today)")
    reporting.add_argument("--json", action="store_true", help="one JSON list instead of text")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL")
    if not url:
        parser.error("DATABASE_URL is not set")
    actor = ops_actor(args.actor) if args.command == "mark" else ""
    if len(actor) > 300:
        parser.error("--actor is too long (300 characters at most)")
    if args.command == "report" and args.since and args.until and args.since > args.until:
        parser.error("--since must not be after --until")
    now = datetime.now(UTC)
    db = Database(url)
    try:
        references: list[str] = [args.org] if args.command == "mark" else (args.org or [])
        chosen: list[Business] = []
        for reference in references:
            found = find_business(db, reference)
            if found is None:
                print(f"no business with the id or active Gupshup app {reference!r}", file=sys.stderr)
                return 1
            chosen.append(found)
        if args.command == "mark":
            return mark(db, chosen[0], args.appointment, args.outcome, actor, now)
        if not references:
            chosen = outcomes.businesses(db)
            if not chosen:
                print(
                    "no business visible: DATABASE_URL must be the tables' owner to report on every business,"
                    " or give --org",
                    file=sys.stderr,
                )
                return 1
        return report(db, chosen, args.since, args.until, now, args.json)
    finally:
        db.close()


if __name__ == "__main__":
    sys.exit(main())
