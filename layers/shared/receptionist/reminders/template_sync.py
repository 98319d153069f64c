"""Reading a business's WhatsApp templates from Gupshup into message_templates (issue 27, point 7).

    TemplateSync(db, api, secret, keys_prefix).sync(organization_id)    # the console's button
    TemplateSync(...).run_due(at, deadline)                             # daily, in the reminders function

A sync reads the whole list of every active Gupshup connection of the business that has its app id
(`platform_connections.gupshup_app_id`), each with its own API key (the SSM SecureString the
connection names, read only under the stage's keys prefix, as the notifier does), and writes it in
one transaction (crm.templates.save_synced): new templates added, status and text brought up to
date, a template Gupshup no longer lists marked removed (never deleted). Any failure (no app id, no
key, Gupshup down, refusing the key, or answering garbage) writes no template: the rows stay as
they were, the connection records why (`templates_sync_error`, a short code; the console shows it)
and the sync reports it. The daily run tries a failed connection again after RETRY_AFTER.

Why the reminders function runs it: it is already scheduled (every 5 minutes) and already holds a
database connection as the message functions' role, so syncing there takes no new connection from
the pooler (reserved concurrencies sum to 19 of its 20: a new scheduled function would need a
20th, leaving ops none) and no new schedule. Each pass syncs the connections not synced for a day
(`templates_sync_due`), at most MAX_PER_RUN, only after the pass's reminders, and only within the
time the invocation has left (each Gupshup call is bounded by it): reminders never wait for
Gupshup. The retention function is the other daily one, but its role may do nothing but
retention; the sweeper has no database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from receptionist.adapters.gupshup_templates import (
    GupshupTemplate,
    GupshupTemplates,
    TemplateApiError,
    TemplateApp,
)
from receptionist.crm import templates
from receptionist.crm.connection import Database
from receptionist.crm.templates import ListedTemplate, SyncCounts
from receptionist.deadline import Deadline, DeadlineExceeded
from receptionist.logsafe import error_fields
from receptionist.secrets import SecretUnavailableError

logger = logging.getLogger(__name__)

SYNC_EVERY = timedelta(hours=24)
RETRY_AFTER = timedelta(minutes=30)
MAX_PER_RUN = 20
CALL_SECONDS = 8.0
# Why a sync failed, as the connection records it and the console says it.
SyncError = str  # "no_app_id", "no_key", "unreachable", "refused", "garbage", "out_of_time", "failed"


@dataclass(frozen=True)
class AppConnection:
    id: str
    app_name: str
    app_id: str
    api_key_ref: str


@dataclass(frozen=True)
class SyncResult:
    counts: SyncCounts | None  # None: nothing was written
    error: SyncError | None = None
    skipped: int = 0  # entries Gupshup listed without an id or a name

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class SyncReport:
    synced: int = 0  # businesses whose list was read and written
    failed: int = 0  # businesses whose sync failed (rows kept)
    added: int = 0
    updated: int = 0
    removed: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {
            "templates_synced": self.synced,
            "templates_failed": self.failed,
            "templates_added": self.added,
            "templates_updated": self.updated,
            "templates_removed": self.removed,
        }


def listed(template: GupshupTemplate) -> ListedTemplate:
    return ListedTemplate(
        template_id=template.id,
        name=template.name,
        language=template.language,
        category=template.category,
        status=template.status,
        body=template.body,
        header=template.header,
        footer=template.footer,
        buttons=tuple(b.as_json() for b in template.buttons),
        example=template.example,
        rejected_reason=template.rejected_reason,
    )


@dataclass
class TemplateSync:
    db: Database
    api: GupshupTemplates
    secret: Callable[[str], str]  # an SSM SecureString's value by name
    keys_prefix: str | None  # keys are read only under it
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def app(self, connection: AppConnection) -> TemplateApp:
        """The connection's app with its key; SecretUnavailableError when it has none we may read."""
        if not self.keys_prefix or not connection.api_key_ref.startswith(self.keys_prefix):
            raise SecretUnavailableError("the connection's key is not under the stage's Gupshup keys prefix")
        return TemplateApp(connection.app_id, self.secret(connection.api_key_ref))

    def connections(self, organization_id: str) -> list[AppConnection]:
        rows = self.db.fetch_all(
            "select id::text as id, app_name, gupshup_app_id as app_id, api_key_ref from platform_connections"
            " where organization_id = %s and provider = 'gupshup' and active order by created_at, app_name",
            (organization_id,),
        )
        return [AppConnection(r["id"], r["app_name"], r["app_id"] or "", r["api_key_ref"]) for r in rows]

    def sync(
        self,
        organization_id: str,
        deadline: Deadline | None = None,
        audit: Callable[[SyncResult], None] | None = None,
    ) -> SyncResult:
        """Read every active connection's list and write it; any failure writes no template. The
        database must act for the organization (the console's session does; run_due sets it).
        Gupshup is read first, outside any transaction; then the list (or the failure) is written
        in one transaction, with `audit`'s line when given (the console's)."""
        deadline = deadline or Deadline.never()
        found = self.connections(organization_id)
        ready = [c for c in found if c.app_id]
        fetched: list[ListedTemplate] = []
        skipped = 0
        failure: Exception | None = None
        for connection in ready:
            try:
                answer = self.api.list_templates(
                    self.app(connection), timeout=deadline.timeout(CALL_SECONDS, what="Gupshup's template list")
                )
            except (TemplateApiError, SecretUnavailableError, DeadlineExceeded) as exc:
                failure = exc
                break
            fetched.extend(listed(t) for t in answer.templates)
            skipped += answer.skipped
        with self.db.transaction():
            if not ready or failure is not None:
                result = self._failed(organization_id, ready or found, failure)
            else:
                counts = templates.save_synced(self.db, organization_id, fetched, self.now(), [c.id for c in ready])
                result = SyncResult(counts, None, skipped)
            if audit is not None:
                audit(result)
        if result.counts is not None:
            logger.info(
                "templates synced",
                extra={"organization_id": organization_id, "added": result.counts.added,
                       "updated": result.counts.updated, "removed": result.counts.removed,
                       "unchanged": result.counts.unchanged, "skipped": skipped},
            )  # fmt: skip
        return result

    def _failed(self, organization_id: str, connections: Sequence[AppConnection], exc: Exception | None) -> SyncResult:
        if exc is None:
            error: SyncError = "no_app_id"
        elif isinstance(exc, TemplateApiError):
            error = exc.kind
        elif isinstance(exc, SecretUnavailableError):
            error = "no_key"
        else:
            error = "out_of_time"
        if exc is not None:  # never the key or Gupshup's body: the kind, the status, the business
            logger.warning(
                "template sync failed; the templates stay as they were",
                extra={"organization_id": organization_id, "sync_error": error, **error_fields(exc)},
            )
        if connections:
            templates.record_sync_failure(self.db, organization_id, [c.id for c in connections], error, self.now())
        return SyncResult(None, error)

    def run_due(self, at: datetime, deadline: Deadline, limit: int = MAX_PER_RUN) -> SyncReport:
        """The businesses whose templates were not read for SYNC_EVERY (failed ones after
        RETRY_AFTER), each synced alone: one failing never stops the others. Stops when the
        deadline leaves no time for a Gupshup call; the rest are the next pass's."""
        report = SyncReport()
        rows = self.db.fetch_all(
            "select distinct organization_id::text from public.templates_sync_due(%s, %s, %s, %s)",
            (at, SYNC_EVERY, RETRY_AFTER, limit),
        )
        for row in rows:
            organization_id = row["organization_id"]
            if deadline.remaining() < CALL_SECONDS / 2:
                break
            try:
                with self.db.acting_for(organization_id):
                    result = self.sync(organization_id, deadline)
            except Exception as exc:  # a database error for one business: the next one still runs
                logger.exception(
                    "template sync failed", extra={"organization_id": organization_id, **error_fields(exc)}
                )
                result = SyncResult(None, "failed")
            if result.ok and result.counts is not None:
                report.synced += 1
                report.added += result.counts.added
                report.updated += result.counts.updated
                report.removed += result.counts.removed
            else:
                report.failed += 1
                report.errors[result.error or "failed"] = report.errors.get(result.error or "failed", 0) + 1
        return report
