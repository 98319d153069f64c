"""Appointment reminders: when, and with which of the business's approved templates, and what a
reminder would read like."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from receptionist.console.forms.settings import RemindersForm, offset_rows
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import templates
from receptionist.crm.models import MessageTemplate
from receptionist.crm.settings import reminders as rows
from receptionist.crm.settings.reminders import ReminderSettings
from receptionist.crm.templates import MAX_PARAMS


@dataclass(frozen=True)
class RemindersView:
    settings: ReminderSettings  # as stored (times and values kept while reminders are off)
    templates: list[MessageTemplate]  # the business's templates (only `usable` ones can be chosen)
    chosen: MessageTemplate | None  # the stored template, else the first usable one
    params: list[str]  # what fills each {{n}} of `chosen`: as stored, else the defaults
    example: str | None  # `chosen` as a customer would read it
    rows: list[tuple[str, str]]  # the times, as (amount, unit) rows of the form
    slots: int  # how many {{n}} selects the form has: the largest template's count


class RemindersService(OwnerService):
    def view(self) -> RemindersView:
        view = rows.reminders(self.db, self.org)
        found = templates.list_templates(self.db, self.org)
        stored = view.settings
        usable = [t for t in found if t.usable]
        chosen = next((t for t in found if t.template_id == stored.template_id), usable[0] if usable else None)
        params: list[str] = []
        example = None
        if chosen is not None:
            kept = chosen.template_id == stored.template_id and len(stored.template_params) == chosen.param_count
            params = stored.template_params if kept else rows.default_reminder_params(chosen.param_count)
            example = rows.reminder_example(view, chosen, params)
        slots = min(max((t.param_count for t in usable), default=0), MAX_PARAMS)
        return RemindersView(stored, found, chosen, params, example, offset_rows(stored.offsets_minutes), slots)

    def preview(self, form: RemindersForm) -> str | None:
        """The message as the entered settings would write it (checked as a save would be,
        reminders on or off; nothing is written)."""
        wanted = form.enabled_now().settings()
        assert wanted.template_id is not None
        template = templates.get_template(self.db, self.org, wanted.template_id)
        rows.check_reminder_template(wanted, template)
        assert template is not None
        return rows.reminder_example(rows.reminders(self.db, self.org), template, wanted.template_params)

    def save(self, form: RemindersForm) -> None:
        wanted = form.settings()
        with self.db.transaction():
            rows.save_reminders(self.db, self.org, wanted)
            details: dict[str, Any] = {"enabled": wanted.template_id is not None, "template_id": wanted.template_id}
            if wanted.template_id is not None:
                details |= {"offsets_minutes": wanted.offsets_minutes, "template_params": wanted.template_params}
            self._audit("reminders", self.org, details)
