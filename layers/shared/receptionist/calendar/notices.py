"""The staff notices of the calendar sync (OutboundJob kind "staff_notice": the notifier sends
them to the business's staff WhatsApp numbers, as escalations reach staff).

Two notices: a member's calendar connection broke (the grant was revoked or expired: reconnect it
in the console), and an external event was put over one of our appointments. Neither carries a
customer's name nor the event's title: a staff number may be a shared phone, and the event's
title is the member's private business; the console shows the rest to whoever signs in. Each
job's id derives from its cause, so the same cause queued twice is one notice. Worded in the
business's language (staff read them), from the "messages" catalogue (calendar_broken,
calendar_conflict), the appointment's day and time by Babel."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from receptionist.i18n import formats
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import locale_of
from receptionist.messages import OutboundJob, Queue, fifo_id


def connection_broken(
    organization_id: str, connection_id: str, granted_at: datetime, member: str, language: str
) -> OutboundJob:
    """The member's connection broke. Its cause is the grant that broke (the connection and when
    it was given), so a notice queued again is the same job and a later grant that breaks is told
    again."""
    text = message(locale_of(language), "calendar_broken", member=member)
    cause = f"calendar_broken#{connection_id}#{int(granted_at.timestamp())}"
    return OutboundJob.for_staff_notice(organization_id, cause, text)


def conflict(
    organization_id: str, conflict_id: str, member: str, appointment_starts_at: datetime, zone: str, language: str
) -> OutboundJob:
    """An external event over the appointment starting at `appointment_starts_at`, said in the
    business's zone; once per conflict."""
    local = appointment_starts_at.astimezone(ZoneInfo(zone))
    locale = locale_of(language)
    day, clock = formats.day(local, locale), formats.time(local, locale)
    text = message(locale, "calendar_conflict", member=member, day=day, time=clock)
    return OutboundJob.for_staff_notice(organization_id, f"calendar_conflict#{conflict_id}", text)


def send(queue: Queue, job: OutboundJob) -> str:
    """Queue a notice for the notifier (deduplicated on its id: a retry is the same message)."""
    return queue.send(job, group=job.group, dedup_id=fifo_id(job.job_id))
