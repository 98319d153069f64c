"""The owner's team forms: a colleague to invite (e-mail and role), a role to change, whether
staff need a second factor."""

from __future__ import annotations

import uuid

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel, ticked
from receptionist.console.forms.account import email_address
from receptionist.crm.team import ROLES


def role(value: str) -> str:
    chosen = value.strip()
    if chosen not in ROLES:
        raise ConsoleError("team_bad_role")
    return chosen


class InviteForm(FormModel):
    email: str = ""
    role: str = ""

    def checked(self) -> tuple[str, str]:
        return email_address(self.email), role(self.role)


class RoleForm(FormModel):
    role: str = ""

    def checked(self) -> str:
        return role(self.role)


class StaffMfaForm(FormModel):
    required: str = ""  # a checkbox

    def checked(self) -> bool:
        return ticked(self.required)


class MemberLinkForm(FormModel):
    member_id: str = ""  # empty: no member

    def checked(self) -> str | None:
        chosen = self.member_id.strip()
        if not chosen:
            return None
        try:
            return str(uuid.UUID(chosen))
        except ValueError as exc:
            raise ConsoleError("team_not_found") from exc
