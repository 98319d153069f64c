"""Services and knowledge entries: what customers may be told and may book (written through
receptionist.catalogue, which keeps their search text; no embedder in the console: rows are found
by their text until `python -m receptionist.ops.reembed`)."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist import catalogue_writer
from receptionist.agent.knowledge import Embedder
from receptionist.console.errors import NotFound
from receptionist.console.forms.settings import EntryForm, ServiceForm
from receptionist.console.services.settings.base import OwnerService, changed_fields
from receptionist.crm.models import KnowledgeEntry
from receptionist.crm.settings import catalogue as rows
from receptionist.crm.settings.catalogue import ServiceSetting
from receptionist.crm.settings.errors import name_must_be_free


@dataclass
class CatalogueService(OwnerService):
    embedder: Embedder | None = None

    # -- services ----------------------------------------------------------------------------------
    def services(self) -> tuple[list[ServiceSetting], str]:
        """The services (withdrawn ones last) and the currency a new one starts with."""
        return rows.services(self.db, self.org), rows.usual_currency(self.db, self.org)

    def service(self, service_id: str) -> ServiceSetting:
        found = rows.service(self.db, self.org, service_id)
        if found is None:  # another organization's, or none: the same answer
            raise NotFound("set_not_found")
        return found

    def save_service(self, form: ServiceForm, service_id: str = "") -> str:
        """Create a service (`service_id` "") or edit one; its id."""
        before = self.service(service_id) if service_id else None
        wanted = form.service(service_id)
        recall = form.recall_interval()
        with self.db.transaction():
            with name_must_be_free("set_service_name_taken"):
                saved, _ = catalogue_writer.save_service(self.db, self.embedder, self.org, wanted)
            rows.set_recall_interval(self.db, self.org, saved, recall)
            if before is None:
                self._audit("service_create", saved, {"name": wanted.name, "recall_interval_days": recall})
            else:
                changed = changed_fields(before, wanted, long_fields=("description",))
                if before.recall_interval_days != recall:  # the catalogue's Service does not carry it
                    changed["recall_interval_days"] = recall
                self._audit("service_update", saved, changed)
        return saved

    def set_service_active(self, service_id: str, active: bool) -> None:
        with self.db.transaction():
            if not rows.set_service_active(self.db, self.org, service_id, active):
                raise NotFound("set_not_found")
            self._audit("service_active", service_id, {"active": active})

    # -- knowledge entries -------------------------------------------------------------------------
    def entries(self) -> list[KnowledgeEntry]:
        return rows.entries(self.db, self.org)

    def entry(self, entry_id: str) -> KnowledgeEntry:
        found = rows.entry(self.db, self.org, entry_id)
        if found is None:
            raise NotFound("set_not_found")
        return found

    def save_entry(self, form: EntryForm, entry_id: str | None = None) -> str:
        before = self.entry(entry_id) if entry_id else None
        title, body = form.entry()
        with self.db.transaction():
            saved, _ = catalogue_writer.save_entry(self.db, self.embedder, self.org, title, body, entry_id)
            if before is None:
                self._audit("entry_create", saved, {"title": title})
            else:
                after = KnowledgeEntry(saved, title, body)
                self._audit("entry_update", saved, changed_fields(before, after, long_fields=("body",)))
        return saved

    def delete_entry(self, entry_id: str) -> None:
        with self.db.transaction():
            gone = self.entry(entry_id)
            rows.delete_entry(self.db, self.org, entry_id)
            self._audit("entry_delete", entry_id, {"title": gone.title})
