"""The assistant's persona and booking rules, and the latest settings changes shown under them."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist import disclosure
from receptionist.console.forms.settings import PersonaForm
from receptionist.console.services.settings.base import OwnerService, changed_fields
from receptionist.crm.models import AgentSettings
from receptionist.crm.settings.audit import AuditLine, settings_changes
from receptionist.crm.settings.persona import persona, save_persona


@dataclass(frozen=True)
class Overview:
    persona: AgentSettings
    changes: list[AuditLine]


class PersonaService(OwnerService):
    def overview(self) -> Overview:
        return Overview(persona(self.db, self.org), settings_changes(self.db, self.org))

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
