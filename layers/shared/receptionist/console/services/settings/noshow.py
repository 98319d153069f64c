"""The kind of business and its no-show policy (crm/settings/noshow.py): read with since when it
is on, and saved with its audit line in one transaction (the history of what was in force is
appended by the database's triggers, in the same transaction)."""

from __future__ import annotations

from receptionist.console.forms.noshow import NoShowForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm.settings import noshow as rows
from receptionist.crm.settings.noshow import NoShowSettings


class NoShowSettingsService(OwnerService):
    def view(self) -> NoShowSettings:
        return rows.noshow_settings(self.db, self.org)

    def save(self, form: NoShowForm) -> None:
        wanted = form.policy()
        with self.db.transaction():
            rows.save_noshow_settings(self.db, self.org, wanted)
            details = {"kind": wanted.kind, "enabled": wanted.enabled, "limit": wanted.limit, "months": wanted.months}
            self._audit("noshow", self.org, details | {"in_force": wanted.active})
