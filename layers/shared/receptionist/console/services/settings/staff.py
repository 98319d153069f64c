"""Staff: members (who takes appointments, and the services each offers), their weekly hours and
time off, and the days the whole business is closed (time off with no member)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from receptionist.console.errors import NotFound
from receptionist.console.forms.settings import HoursForm, MemberForm, TimeOffForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm.models import Member
from receptionist.crm.settings import catalogue, staff
from receptionist.crm.settings.catalogue import ServiceSetting
from receptionist.crm.settings.persona import persona
from receptionist.crm.settings.staff import MemberDetail, TimeOff


@dataclass(frozen=True)
class StaffOverview:
    members: list[Member]
    closures: list[TimeOff]
    timezone: str


@dataclass(frozen=True)
class MemberView:
    detail: MemberDetail
    services: list[ServiceSetting]
    timezone: str


class StaffService(OwnerService):
    def staff(self) -> StaffOverview:
        timezone = persona(self.db, self.org).timezone
        return StaffOverview(staff.members(self.db, self.org), staff.time_off(self.db, self.org, None), timezone)

    def member(self, member_id: str) -> MemberView:
        return MemberView(self._member(member_id), catalogue.services(self.db, self.org), self._timezone())

    def _member(self, member_id: str) -> MemberDetail:
        found = staff.member(self.db, self.org, member_id)
        if found is None:
            raise NotFound("set_not_found")
        return found

    def _timezone(self) -> str:
        return persona(self.db, self.org).timezone

    def create_member(self, form: MemberForm) -> str:
        name, _ = form.member()
        with self.db.transaction():
            created = staff.create_member(self.db, self.org, name)
            self._audit("member_create", created, {"name": name})
        return created

    def update_member(self, member_id: str, form: MemberForm) -> None:
        before = self._member(member_id).member
        name, active = form.member()
        with self.db.transaction():
            staff.update_member(self.db, self.org, member_id, name, active)
            details = {k: v for k, v in (("name", name), ("active", active)) if getattr(before, k) != v}
            self._audit("member_update", member_id, details)

    def set_member_services(self, member_id: str, service_ids: Sequence[str]) -> None:
        self._member(member_id)
        with self.db.transaction():
            offered = staff.set_member_services(self.db, self.org, member_id, service_ids)
            self._audit("member_services", member_id, {"services": offered})

    def add_hours(self, member_id: str, form: HoursForm) -> None:
        self._member(member_id)
        weekday, starts, ends = form.hours()
        with self.db.transaction():
            created = staff.add_hours(self.db, self.org, member_id, weekday, starts, ends)
            details = {"member": member_id, "weekday": weekday, "starts": starts, "ends": ends}
            self._audit("hours_add", created, details)

    def delete_hours(self, member_id: str, hours_id: str) -> None:
        self._member(member_id)
        with self.db.transaction():
            if not staff.delete_hours(self.db, self.org, member_id, hours_id):
                raise NotFound("set_not_found")
            self._audit("hours_delete", hours_id, {"member": member_id})

    def add_time_off(self, member_id: str | None, form: TimeOffForm) -> None:
        """A member's absence, or (member None) a day the whole business is closed."""
        if member_id is not None:
            self._member(member_id)
        starts, ends, reason = form.period(self._timezone())
        with self.db.transaction():
            created = staff.add_time_off(self.db, self.org, member_id, starts, ends, reason)
            details = {"member": member_id, "starts_at": starts.isoformat(), "ends_at": ends.isoformat()}
            self._audit("time_off_add", created, details)

    def delete_time_off(self, member_id: str | None, time_off_id: str) -> None:
        if member_id is not None:
            self._member(member_id)
        with self.db.transaction():
            if not staff.delete_time_off(self.db, self.org, member_id, time_off_id):
                raise NotFound("set_not_found")
            self._audit("time_off_delete", time_off_id, {"member": member_id})
