"""Booking, confirming, cancelling and rescheduling, always within one organization and one
contact; marking an appointment completed or a no-show, within one organization (staff act for
the business, not for a customer). The database has the last word on clashes (the exclusion
constraint); a clash is a "slot_taken" result, never an exception for the caller. Ids that do
not belong to the organization and contact, or are not ids at all, give "not_found".

Book and reschedule take an optional `slot_guard` (receptionist/calendar/slot_guard.py): for a
member with a connected calendar, the slot is re-checked in that calendar after the local checks
and before the write, within the caller's deadline; taken there meanwhile is "slot_taken".

Cost: book and reschedule are two round trips (one query reads the schedule, the idempotency
key and the contact; one statement writes the appointment and its history row); confirm,
cancel, mark_completed and mark_no_show are one. Each write is a single statement
(data-modifying CTE), hence one transaction without BEGIN/COMMIT round trips. Every write takes
an optional `actor`, recorded in appointment_history ('staff:<e-mail>' from the console; None
for the customer through the assistant).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from receptionist.calendar.slot_guard import SlotGuard
from receptionist.crm.availability import (
    BookingWindow,
    Interval,
    Schedule,
    compute_slots,
    is_uuid,
    load_schedule,
    search_bounds,
)
from receptionist.crm.connection import Database, Row
from receptionist.crm.models import (
    ACTIVE_STATUSES,
    ACTIVE_STATUSES_SQL,
    COMPLETABLE_STATUSES,
    NO_SHOW_STATUSES,
    Appointment,
    BookingResult,
)
from receptionist.deadline import Deadline

CALENDAR_TAKEN = "ese hueco se acaba de ocupar en el calendario del profesional"
CALENDAR_BROKEN = "el calendario del profesional está desconectado; ahora no se puede reservar con él"

_COLUMNS = """a.id::text, a.contact_id::text, a.service_id::text, s.name as service_name, a.member_id::text,
       m.name as member_name, a.starts_at, a.ends_at, a.status"""

_JOINS = """
join services s on s.organization_id = a.organization_id and s.id = a.service_id
join members m on m.organization_id = a.organization_id and m.id = a.member_id
"""

_SELECT = f"select {_COLUMNS} from appointments a {_JOINS}"

_INSERT = f"""
with a as (
    insert into appointments
        (organization_id, contact_id, service_id, member_id, starts_at, ends_at, idempotency_key)
    values (%(org)s, %(contact)s, %(service)s, %(member)s, %(start)s, %(end)s, %(key)s)
    on conflict (organization_id, idempotency_key) where idempotency_key is not null do nothing
    returning *
), history as (
    insert into appointment_history (organization_id, appointment_id, action, new_starts_at, new_member_id, actor)
    select organization_id, id, 'booked', starts_at, member_id, %(actor)s from a
)
select {_COLUMNS} from a {_JOINS}
"""

# Status changes lock the row, change it only from an allowed status (and, for outcomes, only once
# it has started: %(started_by)s; for a reminder's tap, only while it is still at the reminder's
# time: %(at_start)s), write history, and report the status found, so one statement tells "done",
# "already so", "not active", "not started" and "not found" apart. A null %(contact)s (staff
# acting for the business) matches any contact of the organization.
_SET_STATUS = f"""
with found as (
    select id, status, starts_at from appointments
    where organization_id = %(org)s and id = %(id)s
      and (%(contact)s::uuid is null or contact_id = %(contact)s::uuid)
    for update
), changed as (
    update appointments a set status = %(status)s, updated_at = now()
    from found f
    where a.id = f.id and f.status = any(%(from)s::text[])
      and (%(started_by)s::timestamptz is null or f.starts_at <= %(started_by)s::timestamptz)
      and (%(at_start)s::timestamptz is null or f.starts_at = %(at_start)s::timestamptz)
    returning a.id, a.organization_id
), history as (
    insert into appointment_history (organization_id, appointment_id, action, old_starts_at, actor)
    select c.organization_id, c.id, %(action)s, f.starts_at, %(actor)s from changed c join found f on f.id = c.id
)
select f.status as previous, (c.id is not null) as changed,
       a.id::text, a.contact_id::text, a.service_id::text, s.name as service_name, a.member_id::text,
       m.name as member_name, a.starts_at, a.ends_at,
       case when c.id is not null then %(status)s else a.status end as status
from found f
join appointments a on a.id = f.id
left join changed c on c.id = f.id
{_JOINS}
"""

_MOVE = f"""
with a as (
    update appointments set starts_at = %(start)s, ends_at = %(end)s, member_id = %(member)s, updated_at = now()
    where organization_id = %(org)s and contact_id = %(contact)s and id = %(id)s
      and status in {ACTIVE_STATUSES_SQL} and starts_at = %(old_start)s and member_id = %(old_member)s
    returning *
), history as (
    insert into appointment_history
        (organization_id, appointment_id, action, old_starts_at, new_starts_at, old_member_id, new_member_id, actor)
    select organization_id, id, 'rescheduled', %(old_start)s, starts_at, %(old_member)s, member_id, %(actor)s from a
)
select {_COLUMNS} from a {_JOINS}
"""


def _appointment(row: Row, tz: ZoneInfo) -> Appointment:
    return Appointment(
        id=row["id"],
        contact_id=row["contact_id"],
        service_id=row["service_id"],
        service_name=row["service_name"],
        member_id=row["member_id"],
        member_name=row["member_name"],
        starts_at=row["starts_at"].astimezone(tz),
        ends_at=row["ends_at"].astimezone(tz),
        status=row["status"],
    )


def _ids_ok(*ids: str | None) -> bool:
    return all(is_uuid(i) for i in ids)


def get_appointment(
    db: Database, organization_id: str, contact_id: str, appointment_id: str, timezone: str
) -> Appointment | None:
    if not _ids_ok(organization_id, contact_id, appointment_id):
        return None
    row = db.fetch_one(
        _SELECT + " where a.organization_id = %s and a.contact_id = %s and a.id = %s",
        (organization_id, contact_id, appointment_id),
    )
    return _appointment(row, ZoneInfo(timezone)) if row else None


def list_appointments(
    db: Database, organization_id: str, contact_id: str, timezone: str, *, now: datetime, include_past: bool = False
) -> list[Appointment]:
    """The contact's active appointments (pending or confirmed), upcoming unless include_past."""
    if not _ids_ok(organization_id, contact_id):
        return []
    rows = db.fetch_all(
        _SELECT
        + f" where a.organization_id = %s and a.contact_id = %s and a.status in {ACTIVE_STATUSES_SQL}"
        + " and (%s or a.ends_at > %s) order by a.starts_at",
        (organization_id, contact_id, include_past, now),
    )
    return [_appointment(r, ZoneInfo(timezone)) for r in rows]


def _by_key(db: Database, organization_id: str, key: str, tz: ZoneInfo) -> Appointment | None:
    row = db.fetch_one(_SELECT + " where a.organization_id = %s and a.idempotency_key = %s", (organization_id, key))
    return _appointment(row, tz) if row else None


@dataclass(frozen=True)
class _SlotCheck:
    """The schedule of a start's local day (cut to the booking window), read in one round trip
    with whatever else the caller needs (service, idempotency key, contact, the appointment to
    move): what book and reschedule check a slot against."""

    schedule: Schedule
    window: BookingWindow
    start: datetime  # UTC
    since: datetime
    until: datetime

    @classmethod
    def load(
        cls, db: Database, organization_id: str, window: BookingWindow, start: datetime, now: datetime, **keys: Any
    ) -> _SlotCheck:
        day = start.astimezone(ZoneInfo(window.timezone)).date()
        # Never empty, so the same query still answers the other questions outside the window.
        since, until = search_bounds(window, day, day, now) or (start, start)
        schedule = load_schedule(db, organization_id, since, until, with_service=True, **keys)
        return cls(schedule, window, start, since, until)

    def refusal(self, member_id: str, duration_minutes: int) -> BookingResult | None:
        """None when the start is an offered slot of the member; else why not: taken by an
        appointment (the slot exists once appointments are ignored) or simply not available."""
        if self.schedule.calendar_broken(member_id):
            return BookingResult(None, "not_available", CALENDAR_BROKEN)
        if self._offered(member_id, duration_minutes, include_appointments=True):
            return None
        if self._offered(member_id, duration_minutes, include_appointments=False):
            return BookingResult(None, "slot_taken", "ese hueco ya está reservado")
        return BookingResult(None, "not_available", "ese hueco no está disponible")

    def calendar_refusal(
        self,
        guard: SlotGuard | None,
        organization_id: str,
        member_id: str,
        end: datetime,
        deadline: Deadline | None,
        *,
        own: Interval | None = None,
    ) -> BookingResult | None:
        """The member's own calendar, asked now (only with a connected one): None when free or
        when it cannot answer in time (the synced blocks, already checked, decide). `own`: the
        interval the appointment being moved holds now in that calendar (its own event, busy
        there until the move is written): only the part of the new slot outside it is asked."""
        if guard is None or not self.schedule.calendar_connected(member_id):
            return None
        for since, until in _outside(self.start, end, own):
            verdict = guard.check(organization_id, member_id, since, until, deadline or Deadline.never())
            if verdict == "busy":
                return BookingResult(None, "slot_taken", CALENDAR_TAKEN)
            if verdict == "broken":
                return BookingResult(None, "not_available", CALENDAR_BROKEN)
        return None

    def _offered(self, member_id: str, duration_minutes: int, *, include_appointments: bool) -> bool:
        tz = ZoneInfo(self.window.timezone)
        day = self.start.astimezone(tz).date()
        slots = compute_slots(
            [h for h in self.schedule.bookable_hours() if h.member_id == member_id],
            self.schedule.blocked(include_appointments=include_appointments),
            tz=tz,
            first_day=day,
            last_day=day,
            duration=timedelta(minutes=duration_minutes),
            step=timedelta(minutes=self.window.step_minutes),
            since=self.since,
            until=self.until,
        )
        return any(s.starts_at.astimezone(UTC) == self.start for s in slots)


def _outside(start: datetime, end: datetime, own: Interval | None) -> list[Interval]:
    """[start, end) minus `own`: none, one or two intervals."""
    if own is None or own[1] <= start or own[0] >= end:
        return [(start, end)]
    parts = [(start, own[0])] if start < own[0] else []
    return [*parts, (own[1], end)] if own[1] < end else parts


def book(
    db: Database,
    organization_id: str,
    contact_id: str,
    service_id: str,
    member_id: str,
    starts_at: datetime,
    window: BookingWindow,
    *,
    now: datetime,
    idempotency_key: str | None = None,
    actor: str | None = None,
    allow_unbookable: bool = False,
    slot_guard: SlotGuard | None = None,
    deadline: Deadline | None = None,
) -> BookingResult:
    """Book if the slot is offered (hours, lead time, horizon, free) and, with a `slot_guard`,
    still free in the member's connected calendar (within `deadline`). The same idempotency key
    returns the same appointment: a retried turn never books twice. Services that customers
    cannot book over WhatsApp (bookable = false) are refused unless `allow_unbookable` (staff
    booking them for the customer)."""
    tz = ZoneInfo(window.timezone)
    if not _ids_ok(organization_id, service_id):
        return BookingResult(None, "not_found", "servicio no encontrado")
    if not _ids_ok(contact_id, member_id):
        return BookingResult(None, "invalid", "contacto o profesional no válido")
    # Instants in UTC: arithmetic and comparisons on aware datetimes sharing a ZoneInfo are
    # wall-clock operations in Python (wrong across a daylight-saving change).
    start = starts_at.astimezone(UTC)
    check = _SlotCheck.load(
        db,
        organization_id,
        window,
        start,
        now,
        service_id=service_id,
        member_id=member_id,
        idempotency_key=idempotency_key,
        contact_id=contact_id,
    )
    schedule = check.schedule
    if idempotency_key and schedule.existing_id:
        replay = _by_key(db, organization_id, idempotency_key, tz)
        if replay is not None:
            return BookingResult(replay)
    service = schedule.service
    if service is None:
        return BookingResult(None, "not_found", "servicio no encontrado")
    if not service.bookable and not allow_unbookable:
        return BookingResult(None, "not_bookable", f"{service.name} no se reserva por WhatsApp")
    if not schedule.contact_exists:
        return BookingResult(None, "not_found", "contacto no encontrado")
    refusal = check.refusal(member_id, service.duration_minutes)
    if refusal is not None:
        return refusal
    end = start + timedelta(minutes=service.duration_minutes)
    refusal = check.calendar_refusal(slot_guard, organization_id, member_id, end, deadline)
    if refusal is not None:
        return refusal
    params = {
        "org": organization_id,
        "contact": contact_id,
        "service": service_id,
        "member": member_id,
        "start": start,
        "end": end,
        "key": idempotency_key,
        "actor": actor,
    }
    return _insert(db, params, tz)


def _insert(db: Database, params: dict[str, Any], tz: ZoneInfo) -> BookingResult:
    """The appointment's INSERT; a concurrent retry of the same turn (same key) is a replay."""
    organization_id, key = str(params["org"]), params["key"]
    for attempt in (1, 2):
        try:
            with db.savepoint():  # a caller's transaction stays usable for what follows a refusal
                row = db.fetch_one(_INSERT, params)
            break
        except psycopg.errors.ExclusionViolation:
            # The overlapping appointment may be this very booking, inserted by a concurrent retry
            # of the same turn (the no-overlap check can fire before the key's ON CONFLICT).
            mine = _by_key(db, organization_id, key, tz) if key else None
            if mine is not None:
                return BookingResult(mine)
            return BookingResult(None, "slot_taken", "otra persona acaba de reservar ese hueco")
        except psycopg.errors.ForeignKeyViolation:
            return BookingResult(None, "invalid", "contacto o profesional no válido")
        except psycopg.errors.DeadlockDetected:
            # Two retries of one turn inserting at the same instant can deadlock on the key and
            # the no-overlap constraint (speculative insertion); Postgres aborts one. Once more:
            # it now waits for the other to commit and finds its row by the key.
            if attempt == 2:
                raise
    else:  # pragma: no cover - the loop breaks or raises
        raise AssertionError("unreachable")
    if row is None and key:  # a concurrent retry of the same turn won the insert
        replay = _by_key(db, organization_id, key, tz)
        if replay is not None:
            return BookingResult(replay)
    if row is None:  # pragma: no cover - the insert returns its row unless the key conflicted
        return BookingResult(None, "invalid", "no se pudo reservar")
    return BookingResult(_appointment(row, tz))


def _set_status(
    db: Database,
    organization_id: str,
    contact_id: str | None,
    appointment_id: str,
    timezone: str,
    *,
    status: str,
    action: str,
    allowed_from: tuple[str, ...],
    actor: str | None,
    started_by: datetime | None = None,
    at_start: datetime | None = None,
) -> BookingResult:
    """`contact_id` None: any contact of the organization (staff); `started_by`: the change is
    allowed only for an appointment that has started by then (an outcome); `at_start`: only while
    it starts at that time (a reminder's tap: a move in between makes it "not_active")."""
    if not _ids_ok(organization_id, appointment_id) or (contact_id is not None and not is_uuid(contact_id)):
        return BookingResult(None, "not_found", "no encuentro esa cita")
    row = db.fetch_one(
        _SET_STATUS,
        {
            "org": organization_id,
            "contact": contact_id,
            "id": appointment_id,
            "status": status,
            "action": action,
            "from": list(allowed_from),
            "started_by": started_by,
            "at_start": at_start,
            "actor": actor,
        },
    )
    if row is None:
        return BookingResult(None, "not_found", "no encuentro esa cita")
    current = _appointment(row, ZoneInfo(timezone))
    if row["changed"] or row["previous"] == status:  # done now, or already done (a retried turn)
        return BookingResult(current)
    if row["previous"] in allowed_from and started_by is not None and current.starts_at > started_by:
        return BookingResult(current, "not_started", "la cita todavía no ha empezado")
    if row["previous"] in allowed_from and at_start is not None and current.starts_at != at_start:
        return BookingResult(current, "not_active", "la cita acaba de cambiar de hora")
    return BookingResult(current, "not_active", f"la cita está {current.status}")


def confirm(
    db: Database,
    organization_id: str,
    contact_id: str,
    appointment_id: str,
    timezone: str,
    *,
    actor: str | None = None,
    at_start: datetime | None = None,
) -> BookingResult:
    """pending -> confirmed (confirmed stays confirmed); `at_start`: only if it still starts then."""
    return _set_status(
        db, organization_id, contact_id, appointment_id, timezone,
        status="confirmed", action="confirmed", allowed_from=("pending",), actor=actor, at_start=at_start,
    )  # fmt: skip


def cancel(
    db: Database,
    organization_id: str,
    contact_id: str,
    appointment_id: str,
    timezone: str,
    *,
    actor: str | None = None,
    at_start: datetime | None = None,
) -> BookingResult:
    """pending or confirmed -> cancelled (cancelled stays cancelled); frees the slot. `at_start`:
    only if it still starts then."""
    return _set_status(
        db, organization_id, contact_id, appointment_id, timezone,
        status="cancelled", action="cancelled", allowed_from=ACTIVE_STATUSES, actor=actor, at_start=at_start,
    )  # fmt: skip


def mark_completed(
    db: Database, organization_id: str, appointment_id: str, timezone: str, *, now: datetime, actor: str | None = None
) -> BookingResult:
    """Staff: the appointment took place. pending, confirmed or no_show (a correction: the customer
    came late) -> completed, once it has started; `not_started` before, `not_active` when
    cancelled. Any contact of the organization (staff act for the business)."""
    return _set_status(
        db, organization_id, None, appointment_id, timezone,
        status="completed", action="completed", allowed_from=COMPLETABLE_STATUSES, actor=actor, started_by=now,
    )  # fmt: skip


def mark_no_show(
    db: Database, organization_id: str, appointment_id: str, timezone: str, *, now: datetime, actor: str | None = None
) -> BookingResult:
    """Staff: the customer did not come. pending, confirmed or completed (a correction) -> no_show,
    once it has started (a future appointment cannot be missed yet: `not_started`); `not_active`
    when cancelled. Frees nothing it still needed: only pending and confirmed block a slot."""
    return _set_status(
        db, organization_id, None, appointment_id, timezone,
        status="no_show", action="no_show", allowed_from=NO_SHOW_STATUSES, actor=actor, started_by=now,
    )  # fmt: skip


def reschedule(
    db: Database,
    organization_id: str,
    contact_id: str,
    appointment_id: str,
    new_starts_at: datetime,
    window: BookingWindow,
    *,
    now: datetime,
    member_id: str | None = None,
    actor: str | None = None,
    slot_guard: SlotGuard | None = None,
    deadline: Deadline | None = None,
) -> BookingResult:
    """Move an appointment atomically: one UPDATE, so the old slot is freed only if the new one
    is taken (a clash leaves the appointment exactly as it was). Same service; same member unless
    another is given. Moving to where it already is succeeds without a change (a retried turn).
    With a `slot_guard`, the new slot is re-checked in the member's connected calendar first."""
    tz = ZoneInfo(window.timezone)
    if not _ids_ok(organization_id, contact_id, appointment_id) or (member_id is not None and not is_uuid(member_id)):
        return BookingResult(None, "not_found", "no encuentro esa cita")
    start = new_starts_at.astimezone(UTC)  # see book(): instants, not wall times
    check = _SlotCheck.load(
        db,
        organization_id,
        window,
        start,
        now,
        member_id=member_id,
        contact_id=contact_id,
        appointment_id=appointment_id,
    )
    if check.schedule.target is None:
        return BookingResult(None, "not_found", "no encuentro esa cita")
    current = _target(check.schedule.target, contact_id, tz)
    new_member = member_id or current.member_id
    if current.status not in ACTIVE_STATUSES:
        return BookingResult(current, "not_active", f"la cita está {current.status}")
    if start == current.starts_at and new_member == current.member_id:
        return BookingResult(current)
    service = check.schedule.service
    if service is None:
        return BookingResult(current, "not_available", "ese servicio ya no se ofrece")
    end = start + timedelta(minutes=service.duration_minutes)
    # The appointment's own event holds its current time in the member's calendar until moved.
    own = (current.starts_at, current.ends_at) if new_member == current.member_id else None
    refusal = check.refusal(new_member, service.duration_minutes) or check.calendar_refusal(
        slot_guard, organization_id, new_member, end, deadline, own=own
    )
    if refusal is not None:
        return BookingResult(current, refusal.failure, refusal.detail)
    params = {
        "org": organization_id,
        "contact": contact_id,
        "id": appointment_id,
        "start": start,
        "end": end,
        "member": new_member,
        "old_start": current.starts_at,
        "old_member": current.member_id,
        "actor": actor,
    }
    for attempt in (1, 2):
        try:
            with db.savepoint():  # a caller's transaction stays usable for the retry
                row = db.fetch_one(_MOVE, params)
            break
        except psycopg.errors.ExclusionViolation:
            return BookingResult(current, "slot_taken", "otra persona acaba de reservar ese hueco")
        except psycopg.errors.DeadlockDetected:
            # Two moves into one slot at the same instant can each wait on the other's row in
            # the no-overlap check; Postgres aborts one (its statement did nothing). Once more:
            # it now waits for the other to commit and is refused by the constraint.
            if attempt == 2:
                raise
    else:  # pragma: no cover - the loop breaks, returns or raises
        raise AssertionError("unreachable")
    if row is None:  # changed (cancelled, moved) since it was read: nothing was touched
        return BookingResult(current, "not_active", "la cita acaba de cambiar")
    return BookingResult(_appointment(row, tz))


def _target(target: dict[str, Any], contact_id: str, tz: ZoneInfo) -> Appointment:
    """The appointment to move, as the schedule query returned it."""
    return Appointment(
        id=str(target["id"]),
        contact_id=contact_id,
        service_id=str(target["service_id"]),
        service_name=str(target["service_name"]),
        member_id=str(target["member_id"]),
        member_name=str(target["member_name"]),
        starts_at=datetime.fromisoformat(target["starts_at"]).astimezone(tz),
        ends_at=datetime.fromisoformat(target["ends_at"]).astimezone(tz),
        status=str(target["status"]),
    )
