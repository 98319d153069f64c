"""What the calendar function's reports mean as telemetry: one log line and EMF metrics per job
and per scheduled run. Counts and outcomes only: never an event's times, a calendar's account or
a token. Metrics (namespace from POWERTOOLS_METRICS_NAMESPACE, plus the `service` dimension):
  CalendarEventsPut           appointments written to a member's calendar (insert or update)
  CalendarEventsDeleted       appointments' events removed (cancelled, erased, moved to another member)
  CalendarSyncs               syncs of a connection's changes
  CalendarFullResyncs         of those, full listings because the sync token had expired (410)
  CalendarConflicts           external events over an active appointment, told to staff (new ones)
  CalendarConnectionsBroken   connections found with a revoked grant (the owner is told)
  CalendarJobsFailed          jobs that raised: retried with backoff, then dead-lettered (alarmed:
                              CalendarDeadLetterAlarm)
  CalendarRelayed             outbox rows queued by the scheduled run
  CalendarChannelsRenewed     push channels made or renewed
  CalendarRenewFailed         renewals the provider failed (tried again next minute; the poll covers)
  CalendarPolls               sync jobs queued for connections not synced for 15 minutes
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.calendar.jobs import JobReport
from receptionist.calendar.publish import PublishReport
from receptionist.calendar.schedule import ScheduleReport
from receptionist.telemetry import Event, Failure

EVENTS_PUT: Final = "CalendarEventsPut"
EVENTS_DELETED: Final = "CalendarEventsDeleted"
SYNCS: Final = "CalendarSyncs"
FULL_RESYNCS: Final = "CalendarFullResyncs"
CONFLICTS: Final = "CalendarConflicts"
BROKEN: Final = "CalendarConnectionsBroken"
JOBS_FAILED: Final = "CalendarJobsFailed"
RELAYED: Final = "CalendarRelayed"
RENEWED: Final = "CalendarChannelsRenewed"
RENEW_FAILED: Final = "CalendarRenewFailed"
POLLS: Final = "CalendarPolls"


def describe(report: JobReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event(
            "calendar job failed; retried with backoff",
            level="warning",
            fields=fields,
            counts={JOBS_FAILED: 1},
            with_error=True,
        )
    broken = int(report.outcome == "broken")
    if isinstance(report, PublishReport):
        return Event(
            "calendar connection broken" if broken else "appointment published",
            level="warning" if broken else "info",
            fields={"job": "appointment", **report.counts(), **fields},
            counts={
                EVENTS_PUT: int(report.outcome == "put"),
                EVENTS_DELETED: int(report.outcome == "deleted"),
                BROKEN: broken,
            },
        )
    synced = report.outcome in ("synced", "resynced")
    return Event(
        "calendar connection broken" if broken else "calendar synced",
        level="warning" if broken else "info",
        fields={"job": "sync", **report.counts(), **fields},
        counts={
            SYNCS: int(synced),
            FULL_RESYNCS: int(report.outcome == "resynced"),
            CONFLICTS: report.conflicts,
            BROKEN: broken,
        },
    )


def describe_schedule(report: ScheduleReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        # The database unreachable: the function reports the error (alarmed) and the next minute catches up.
        return Event("calendar schedule failed; the next run catches up", level="error", fields=fields, with_error=True)
    failed = report.renew.failed
    return Event(
        "calendar schedule done; some renewals failed" if failed else "calendar schedule done",
        level="warning" if failed else "info",
        fields={**report.counts(), **fields},
        counts={
            RELAYED: report.relay.queued,
            RENEWED: report.renew.renewed,
            RENEW_FAILED: failed,
            BROKEN: report.renew.broken,
            POLLS: report.poll.polled,
        },
    )
