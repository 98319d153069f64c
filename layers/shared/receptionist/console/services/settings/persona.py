"""The settings' first page: the assistant's persona and booking rules, how long the business's data
is kept (docs/privacy.md, "How long anything is kept"), and the latest settings changes shown
under them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from receptionist import disclosure
from receptionist.console.forms.settings import PersonaForm, RetentionForm
from receptionist.console.services.settings.base import OwnerService, changed_fields
from receptionist.crm.models import AgentSettings
from receptionist.crm.settings.audit import AuditLine, settings_changes
from receptionist.crm.settings.persona import persona, save_persona
from receptionist.crm.settings.retention import retention, save_retention
from receptionist.retention.rules import Windows, cutoffs


@dataclass(frozen=True)
class Overview:
    persona: AgentSettings
    changes: list[AuditLine]
    retention: Windows
    # Who would be deleted at `now` (the CRM decides with its own clock; this is what the numbers mean).
    retention_since: datetime


@dataclass
class PersonaService(OwnerService):
    now: Callable[[], datetime]  # the console's clock

    def overview(self) -> Overview:
        windows = retention(self.db, self.org)
        return Overview(
            persona(self.db, self.org), settings_changes(self.db, self.org), windows, cutoffs(windows, self.now()).text
        )

    def save(self, form: PersonaForm) -> None:
        wanted = form.settings()
        name = self.owner.organization_name
        with self.db.transaction():
            before = persona(self.db, self.org)
            save_persona(self.db, self.org, wanted)
            changes = changed_fields(before, wanted, long_fields=("tone", "instructions"))
            told = disclosure.text_for(wanted, name)
            if told != disclosure.text_for(before, name):
                # What customers are told from now on, and its version (chat_identities.disclosure_version).
                changes["disclosure"] = {"text": told, "version": disclosure.version_of(told)}
            self._audit("persona", self.org, {"changed": changes})

    def save_retention(self, form: RetentionForm) -> None:
        wanted = form.windows()
        with self.db.transaction():
            before = retention(self.db, self.org)
            save_retention(self.db, self.org, wanted)
            self._audit("retention", self.org, {"changed": changed_fields(before, wanted)})
