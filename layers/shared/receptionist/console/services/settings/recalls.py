"""Recalls: whether the business invites customers back, and with which approved marketing
template (each service's interval is set on the service)."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.console.forms.recalls import RecallsForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import templates
from receptionist.crm.models import MessageTemplate
from receptionist.crm.recalls import MARKETING
from receptionist.crm.settings import recalls as rows
from receptionist.crm.settings.recalls import RecallSettings


@dataclass(frozen=True)
class RecallsPage:
    settings: RecallSettings
    templates: list[MessageTemplate]  # the business's marketing templates (only `usable` ones can be chosen)
    services: list[tuple[str, int]]  # recalled services: (name, days)


class RecallsService(OwnerService):
    def view(self) -> RecallsPage:
        view = rows.recall_settings(self.db, self.org)
        marketing = [t for t in templates.list_templates(self.db, self.org) if (t.category or "").upper() == MARKETING]
        return RecallsPage(view.settings, marketing, view.services)

    def save(self, form: RecallsForm) -> None:
        wanted = form.settings()
        with self.db.transaction():
            rows.save_recall_settings(self.db, self.org, wanted)
            self._audit("recalls", self.org, {"enabled": wanted.enabled, "template_id": wanted.template_id})
