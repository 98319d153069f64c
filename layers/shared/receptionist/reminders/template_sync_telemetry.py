"""What a template sync's report means as telemetry: one log line and EMF metrics per run (counts
and error kinds only, never a template's text or an app's key). Metrics:
  TemplatesSynced   businesses whose template list was read from Gupshup and written
  TemplatesFailed   businesses whose sync failed (their rows kept; tried again after RETRY_AFTER)
"""

from __future__ import annotations

from typing import Any, Final

from receptionist.reminders.template_sync import SyncReport
from receptionist.telemetry import Event, Failure

TEMPLATES_SYNCED: Final = "TemplatesSynced"
TEMPLATES_FAILED: Final = "TemplatesFailed"


def describe(report: SyncReport | Failure, **fields: Any) -> Event:
    if isinstance(report, Failure):
        return Event("template sync failed; the next run tries again", level="error", fields=fields, with_error=True)
    return Event(
        "template sync done; some businesses failed" if report.failed else "template sync done",
        level="warning" if report.failed else "info",
        fields={**report.counts(), **{f"sync_error_{kind}": n for kind, n in report.errors.items()}, **fields},
        counts={TEMPLATES_SYNCED: report.synced, TEMPLATES_FAILED: report.failed},
    )
