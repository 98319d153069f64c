"""The business's WhatsApp templates as Gupshup has them: the list with each one's status, reading
it from Gupshup now (receptionist.reminders.template_sync), and submitting a new one for approval.

Submitting leaves the console twice, in this order: Gupshup takes the template (it is then
Gupshup's, PENDING), then the row and its audit line are written in one transaction. A request that
dies between the two loses nothing: the template is in Gupshup's list, so the next sync (the
button, or the daily one) writes it; sent again, Gupshup answers that the name exists and the page
says to read the list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from receptionist.adapters.gupshup_templates import GupshupTemplates, TemplateApiError
from receptionist.console.errors import Unavailable
from receptionist.console.forms.templates import SubmitTemplateForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import templates
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings import connections as connection_rows
from receptionist.crm.settings.connections import Connection
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.deadline import Deadline
from receptionist.reminders.template_sync import AppConnection, SyncResult, TemplateSync, listed
from receptionist.secrets import SecretUnavailableError

# A console request lives at most 15 s (template.yaml): Gupshup gets at most this much of it.
GUPSHUP_SECONDS = 8.0


@dataclass(frozen=True)
class TemplatesView:
    templates: list[MessageTemplate]  # every status, by label
    connections: list[Connection]  # with their app id and last sync
    available: bool  # the installation reaches Gupshup's template API

    @property
    def app_id_missing(self) -> bool:
        return not any(c.gupshup_app_id for c in self.connections if c.active)


@dataclass
class TemplatesService(OwnerService):
    api: GupshupTemplates | None = None
    app_key: Callable[[str], str] | None = None  # an app's key by its SSM parameter's name
    keys_prefix: str | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def _sync(self) -> TemplateSync:
        if self.api is None or self.app_key is None:
            raise Unavailable("tpl_unavailable")
        return TemplateSync(self.db, self.api, self.app_key, self.keys_prefix, now=self.now)

    def view(self) -> TemplatesView:
        return TemplatesView(
            templates.list_templates(self.db, self.org),
            connection_rows.connections(self.db, self.org),
            self.api is not None and self.app_key is not None,
        )

    def sync_now(self) -> SyncResult:
        """Gupshup's list read and written now, audited with what changed (or why it failed: the
        rows then stay as they were)."""

        def audit(result: SyncResult) -> None:
            details: dict[str, Any] = {"ok": result.ok}
            if result.counts is not None:
                details |= vars(result.counts)
            else:
                details["error"] = result.error
            self._audit("templates_synced", self.org, details)

        return self._sync().sync(self.org, Deadline.after(GUPSHUP_SECONDS), audit)

    def submit(self, form: SubmitTemplateForm) -> MessageTemplate:
        """A new template sent to Gupshup for approval, then recorded (PENDING) with its audit line."""
        draft = form.draft()
        sync = self._sync()
        connection = next((c for c in sync.connections(self.org) if c.app_id), None)
        if connection is None:
            raise InvalidSetting("tpl_no_app_id")
        made = self._submit(sync, connection, draft)
        entry = listed(made)
        # Gupshup's answer may leave out what it was sent: what the owner wrote stands in.
        kept = entry.__class__(
            **{
                **vars(entry),
                "body": entry.body or draft.body,
                "language": entry.language or draft.language,
                "category": entry.category or draft.category,
                "footer": entry.footer or draft.footer,
                "buttons": entry.buttons or tuple({"type": "QUICK_REPLY", "text": b} for b in draft.quick_replies),
                "example": entry.example or draft.example,
            }
        )
        with self.db.transaction():
            templates.record_submitted(self.db, self.org, kept, self.now())
            self._audit(
                "template_submitted",
                kept.template_id,
                {"name": kept.name, "language": kept.language, "category": kept.category, "status": kept.status},
            )
        found = templates.get_template(self.db, self.org, kept.template_id)
        assert found is not None
        return found

    def _submit(self, sync: TemplateSync, connection: AppConnection, draft: Any) -> Any:
        assert self.api is not None
        try:
            return self.api.submit(sync.app(connection), draft, timeout=GUPSHUP_SECONDS)
        except SecretUnavailableError as exc:
            raise InvalidSetting("tpl_submit_no_key") from exc
        except TemplateApiError as exc:
            if exc.kind == "rejected":
                exists = "already exist" in str(exc).lower()
                raise InvalidSetting("tpl_already_exists" if exists else "tpl_submit_rejected") from exc
            raise InvalidSetting(f"tpl_submit_{exc.kind}") from exc
