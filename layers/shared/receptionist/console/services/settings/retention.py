"""How long the business's data is kept (docs/privacy.md, "How long anything is kept")."""

from __future__ import annotations

from receptionist.console.forms.settings import RetentionForm
from receptionist.console.services.settings.base import OwnerService, changed_fields
from receptionist.crm.settings.retention import retention, save_retention
from receptionist.retention.rules import Windows


class RetentionService(OwnerService):
    def windows(self) -> Windows:
        return retention(self.db, self.org)

    def save(self, form: RetentionForm) -> None:
        wanted = form.windows()
        with self.db.transaction():
            before = retention(self.db, self.org)
            save_retention(self.db, self.org, wanted)
            self._audit("retention", self.org, {"changed": changed_fields(before, wanted)})
