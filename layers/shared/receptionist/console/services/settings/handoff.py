"""The business's hours for people and what happens outside them (crm/handoff.py): the hours the
assistant goes by (its own, else the union of its active staff's), when staff are told of an
escalation outside them, and after how long one nobody takes is notified again (N) and the
customer offered to leave a message (M). Each change and its audit line in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from receptionist.console.errors import NotFound
from receptionist.console.forms.handoff import HandoffForm
from receptionist.console.forms.settings import HoursForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import handoff
from receptionist.crm.handoff import HandoffSettings
from receptionist.crm.models import WeeklyHours


@dataclass(frozen=True)
class HandoffView:
    settings: HandoffSettings
    own_hours: list[WeeklyHours]  # the business's own rows (empty: the staff's hours are used)
    hours_in_use: list[WeeklyHours]  # what the assistant goes by now (own, or the staff's union)
    timezone: str


def _weekly(rows: list[tuple[str, int, int, int]]) -> list[WeeklyHours]:
    return [WeeklyHours("", "", weekday, starts, ends, row_id) for row_id, weekday, starts, ends in rows]


class HandoffSettingsService(OwnerService):
    def view(self) -> HandoffView:
        hours = handoff.opening_hours(self.db, self.org, datetime.now(UTC))
        in_use = sorted(hours.intervals, key=lambda i: (i.weekday, i.start_minute))
        return HandoffView(
            handoff.handoff_settings(self.db, self.org),
            _weekly(handoff.own_opening_hours(self.db, self.org)),
            [WeeklyHours("", "", i.weekday, i.start_minute, i.end_minute) for i in in_use],
            hours.timezone,
        )

    def save(self, form: HandoffForm) -> None:
        wanted = form.settings()
        with self.db.transaction():
            handoff.save_handoff_settings(self.db, self.org, wanted)
            self._audit("handoff", self.org, dict(wanted.__dict__))

    def add_hours(self, form: HoursForm) -> None:
        weekday, starts, ends = form.hours()
        with self.db.transaction():
            created = handoff.add_opening_hours(self.db, self.org, weekday, starts, ends)
            self._audit("opening_hours_add", created, {"weekday": weekday, "starts": starts, "ends": ends})

    def delete_hours(self, hours_id: str) -> None:
        with self.db.transaction():
            if not handoff.delete_opening_hours(self.db, self.org, hours_id):
                raise NotFound("set_not_found")
            self._audit("opening_hours_delete", hours_id, {})
