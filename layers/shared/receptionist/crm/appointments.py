"""Booking, confirming, cancelling and rescheduling, always within one organization and one
contact. The database has the last word on clashes (the exclusion constraint); a clash is a
"slot_taken" result, never an exception for the caller."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from receptionist.crm.availability import BookingWindow, available_slots
from receptionist.crm.catalog import get_service
from receptionist.crm.connection import Database, Row
from receptionist.crm.models import Appointment, BookingResult

_ACTIVE = ("pending", "confirmed")


def _ids_valid(*ids: str) -> bool:
    """Ids come from the model: a malformed one is "not found", never a database error."""
    try:
        for value in ids:
            uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return False
    return True


_SELECT = """
select a.id::text, a.contact_id::text, a.service_id::text, s.name as service_name, a.member_id::text,
       m.name as member_name, a.starts_at, a.ends_at, a.status
from appointments a
join services s on s.organization_id = a.organization_id and s.id = a.service_id
join members m on m.organization_id = a.organization_id and m.id = a.member_id
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


def get_appointment(
    db: Database, organization_id: str, contact_id: str, appointment_id: str, timezone: str
) -> Appointment | None:
    if not _ids_valid(organization_id, contact_id, appointment_id):
        return None
    row = db.fetch_one(
        _SELECT + " where a.organization_id = %s and a.contact_id = %s and a.id::text = %s",
        (organization_id, contact_id, appointment_id),
    )
    return _appointment(row, ZoneInfo(timezone)) if row else None


def list_appointments(
    db: Database, organization_id: str, contact_id: str, timezone: str, *, now: datetime, include_past: bool = False
) -> list[Appointment]:
    rows = db.fetch_all(
        _SELECT
        + " where a.organization_id = %s and a.contact_id = %s and a.status in ('pending', 'confirmed')"
        + " and (%s or a.ends_at > %s) order by a.starts_at",
        (organization_id, contact_id, include_past, now),
    )
    return [_appointment(r, ZoneInfo(timezone)) for r in rows]


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
) -> BookingResult:
    """Book if the slot is offered (hours, lead time, horizon, free). The same idempotency key
    returns the same appointment: a retried turn never books twice."""
    tz = ZoneInfo(window.timezone)
    if not _ids_valid(organization_id, contact_id, member_id):
        return BookingResult(None, "invalid", "contacto o profesional no válido")
    if idempotency_key:
        existing = db.fetch_one(
            _SELECT + " where a.organization_id = %s and a.idempotency_key = %s", (organization_id, idempotency_key)
        )
        if existing:
            return BookingResult(_appointment(existing, tz))
    service = get_service(db, organization_id, service_id)
    if service is None:
        return BookingResult(None, "not_found", "servicio no encontrado")
    if not service.bookable:
        return BookingResult(None, "not_bookable", f"{service.name} no se reserva por WhatsApp")
    start = starts_at.astimezone(tz)
    offered = available_slots(
        db, organization_id, service, window, start.date(), start.date(), now=now, member_id=member_id
    )
    if not any(s.starts_at == start and s.member_id == member_id for s in offered):
        return BookingResult(None, "not_available", "ese hueco no está disponible")
    ends_at = start + timedelta(minutes=service.duration_minutes)
    try:
        with db.transaction() as tx:
            row = tx.fetch_one(
                """
                insert into appointments
                    (organization_id, contact_id, service_id, member_id, starts_at, ends_at, idempotency_key)
                values (%s, %s, %s, %s, %s, %s, %s)
                on conflict (organization_id, idempotency_key) where idempotency_key is not null do nothing
                returning id::text
                """,
                (organization_id, contact_id, service.id, member_id, start, ends_at, idempotency_key),
            )
            if row is not None:
                tx.execute(
                    "insert into appointment_history (organization_id, appointment_id, action, new_starts_at,"
                    " new_member_id) values (%s, %s, 'booked', %s, %s)",
                    (organization_id, row["id"], start, member_id),
                )
    except psycopg.errors.ExclusionViolation:
        return BookingResult(None, "slot_taken", "otra persona acaba de reservar ese hueco")
    except psycopg.errors.ForeignKeyViolation:
        return BookingResult(None, "invalid", "contacto o profesional no válido")
    if row is None:  # a concurrent retry of the same turn won the insert
        existing = db.fetch_one(
            _SELECT + " where a.organization_id = %s and a.idempotency_key = %s", (organization_id, idempotency_key)
        )
        assert existing is not None
        return BookingResult(_appointment(existing, tz))
    booked = get_appointment(db, organization_id, contact_id, row["id"], window.timezone)
    return BookingResult(booked)


def confirm(db: Database, organization_id: str, contact_id: str, appointment_id: str, timezone: str) -> BookingResult:
    if not _ids_valid(organization_id, contact_id, appointment_id):
        return BookingResult(None, "not_found", "no encuentro esa cita")
    with db.transaction() as tx:
        row = tx.fetch_one(
            "update appointments set status = 'confirmed', updated_at = now()"
            " where organization_id = %s and contact_id = %s and id::text = %s and status = 'pending'"
            " returning id::text",
            (organization_id, contact_id, appointment_id),
        )
        if row:
            tx.execute(
                "insert into appointment_history (organization_id, appointment_id, action)"
                " values (%s, %s, 'confirmed')",
                (organization_id, row["id"]),
            )
    current = get_appointment(db, organization_id, contact_id, appointment_id, timezone)
    if current is None:
        return BookingResult(None, "not_found", "no encuentro esa cita")
    if current.status != "confirmed":
        return BookingResult(current, "not_active", f"la cita está {current.status}")
    return BookingResult(current)


def cancel(db: Database, organization_id: str, contact_id: str, appointment_id: str, timezone: str) -> BookingResult:
    if not _ids_valid(organization_id, contact_id, appointment_id):
        return BookingResult(None, "not_found", "no encuentro esa cita")
    with db.transaction() as tx:
        row = tx.fetch_one(
            "update appointments set status = 'cancelled', updated_at = now()"
            " where organization_id = %s and contact_id = %s and id::text = %s"
            " and status in ('pending', 'confirmed') returning id::text, starts_at",
            (organization_id, contact_id, appointment_id),
        )
        if row:
            tx.execute(
                "insert into appointment_history (organization_id, appointment_id, action, old_starts_at)"
                " values (%s, %s, 'cancelled', %s)",
                (organization_id, row["id"], row["starts_at"]),
            )
    current = get_appointment(db, organization_id, contact_id, appointment_id, timezone)
    if current is None:
        return BookingResult(None, "not_found", "no encuentro esa cita")
    if current.status != "cancelled":
        return BookingResult(current, "not_active", f"la cita está {current.status}")
    return BookingResult(current)


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
) -> BookingResult:
    """Move an appointment atomically: the old slot is freed only if the new one is taken."""
    current = get_appointment(db, organization_id, contact_id, appointment_id, window.timezone)
    if current is None:
        return BookingResult(None, "not_found", "no encuentro esa cita")
    if current.status not in _ACTIVE:
        return BookingResult(current, "not_active", f"la cita está {current.status}")
    tz = ZoneInfo(window.timezone)
    start = new_starts_at.astimezone(tz)
    if start == current.starts_at and (member_id is None or member_id == current.member_id):
        return BookingResult(current)  # already there (a retried turn)
    target_member = member_id or current.member_id
    service = get_service(db, organization_id, current.service_id)
    if service is None:
        return BookingResult(None, "not_found", "servicio no encontrado")
    offered = available_slots(
        db,
        organization_id,
        service,
        window,
        start.date(),
        start.date(),
        now=now,
        member_id=target_member,
        ignore_appointment_id=appointment_id,
    )
    if not any(s.starts_at == start for s in offered):
        return BookingResult(current, "not_available", "ese hueco no está disponible")
    try:
        with db.transaction() as tx:
            row = tx.fetch_one(
                "update appointments set starts_at = %s, ends_at = %s, member_id = %s, updated_at = now()"
                " where organization_id = %s and contact_id = %s and id::text = %s"
                " and status in ('pending', 'confirmed') returning id::text",
                (
                    start,
                    start + timedelta(minutes=service.duration_minutes),
                    target_member,
                    organization_id,
                    contact_id,
                    appointment_id,
                ),
            )
            if row is None:
                return BookingResult(current, "not_active", "la cita ya no está activa")
            tx.execute(
                "insert into appointment_history (organization_id, appointment_id, action, old_starts_at,"
                " new_starts_at, old_member_id, new_member_id) values (%s, %s, 'rescheduled', %s, %s, %s, %s)",
                (organization_id, appointment_id, current.starts_at, start, current.member_id, target_member),
            )
    except psycopg.errors.ExclusionViolation:
        return BookingResult(current, "slot_taken", "otra persona acaba de reservar ese hueco")
    moved = get_appointment(db, organization_id, contact_id, appointment_id, window.timezone)
    return BookingResult(moved)


def utc_now() -> datetime:
    return datetime.now(UTC)
