"""The owner's team page: colleagues invited by e-mail with a role (owner or staff), disabled,
enabled, removed, their role changed, and whether staff need a second factor. Each change and its
audit line (`team_<what>`, actor the owner, target the member's e-mail, never a password) are one
transaction; the database refuses to leave the business without an active owner (RC411), however
the change comes.

Where Cognito and the CRM are both changed, the order is the one that never leaves access open:
- invite: Cognito's user first (it e-mails the invitation), then the row; a run that stopped in
  between is finished by the next (the user, still waiting for its first sign-in, is reused:
  no second e-mail), and the account cannot sign in to the console until its row exists;
- disable: the row first (the console refuses the account at its next request and its sessions
  end), then Cognito (AdminDisableUser, AdminUserGlobalSignOut: no sign-in, no refresh);
- enable: Cognito first, then the row;
- remove: the calendar of the member the account is linked to is disconnected (its grant revoked,
  its refresh token and the Google account's e-mail deleted: services/calendar.py), Cognito
  disables and signs the user out, the row goes (and its sessions), then the Cognito user is
  deleted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botocore.exceptions import BotoCoreError, ClientError

from receptionist.adapters.cognito import StaffPool
from receptionist.console.errors import Conflict, ConsoleError, Forbidden, NotFound, Unavailable
from receptionist.console.services.calendar import CalendarAccess, CalendarService
from receptionist.crm import calendar_console, team
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.crm.team import TeamMember, TeamRefused

logger = logging.getLogger(__name__)

FORCE_CHANGE_PASSWORD = "FORCE_CHANGE_PASSWORD"  # noqa: S105 - a Cognito user status, not a password


def _error(refused: TeamRefused) -> ConsoleError:
    if refused.code in ("team_last_owner", "team_member_taken"):
        return Conflict(refused.code)
    if refused.code == "team_not_found":
        return NotFound(refused.code)
    if refused.code == "team_owners_only":
        return Forbidden(refused.code)
    return ConsoleError(refused.code)


@dataclass
class TeamService:
    db: Database  # acting for the owner's organization
    owner: StaffAccount
    pool: StaffPool
    calendar: CalendarAccess | None = None  # disconnecting a removed account's calendar
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def members(self) -> list[TeamMember]:
        return team.members(self.db, self.owner.sub)

    def staff_mfa(self) -> bool:
        return team.staff_mfa(self.db, self.owner.sub)

    def _member(self, sub: str) -> TeamMember:
        found = team.member(self.db, self.owner.sub, sub)
        if found is None:
            raise NotFound("team_not_found")
        return found

    def _audit(self, what: str, email: str, details: dict[str, object]) -> None:
        record_audit(self.db, self.owner.organization_id, self.owner.email, f"team_{what}", email, details)

    def _cognito(self, step: str, call: Callable[[str], None], email: str) -> None:
        try:
            call(email)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("Cognito %s failed for a team change", step, exc_info=True)
            raise Unavailable("team_cognito_failed") from exc

    def invite(self, email: str, role: str) -> None:
        if any(m.email == email for m in self.members()):
            raise ConsoleError("team_has_account")
        try:
            status = self.pool.status(email)
            sub = self.pool.invite(email) if status is None else self.pool.existing_sub(email)
        except (ClientError, BotoCoreError) as exc:
            logger.warning("Cognito invitation failed", exc_info=True)
            raise Unavailable("team_cognito_failed") from exc
        assert sub is not None
        try:
            with self.db.transaction():
                team.add(self.db, self.owner.sub, sub, email, role)
                self._audit("invited", email, {"role": role, "reused_user": status is not None})
        except TeamRefused as exc:
            raise _error(exc) from exc
        if status is not None and status != FORCE_CHANGE_PASSWORD:
            # A user left by an earlier removal whose deletion failed: it may sign in again.
            self._cognito("enable", self.pool.enable, email)

    def set_role(self, sub: str, role: str) -> None:
        member = self._member(sub)
        if member.role == role:
            return
        try:
            with self.db.transaction():
                team.change(self.db, self.owner.sub, sub, role=role, active=member.active)
                self._audit("role_changed", member.email, {"from": member.role, "to": role})
        except TeamRefused as exc:
            raise _error(exc) from exc

    def disable(self, sub: str) -> None:
        member = self._member(sub)
        if member.active:
            try:
                with self.db.transaction():
                    team.change(self.db, self.owner.sub, sub, role=member.role, active=False)
                    self._audit("disabled", member.email, {"role": member.role})
            except TeamRefused as exc:
                raise _error(exc) from exc
        self._cognito("disable", self.pool.disable, member.email)

    def enable(self, sub: str) -> None:
        member = self._member(sub)
        if member.active:
            return
        self._cognito("enable", self.pool.enable, member.email)
        try:
            with self.db.transaction():
                team.change(self.db, self.owner.sub, sub, role=member.role, active=True)
                self._audit("enabled", member.email, {"role": member.role})
        except TeamRefused as exc:
            raise _error(exc) from exc

    def remove(self, sub: str) -> None:
        member = self._member(sub)
        if (
            member.active
            and member.role == "owner"
            and not any(m.sub != sub and m.role == "owner" and m.active for m in self.members())
        ):
            raise Conflict("team_last_owner")  # before Cognito is touched (the database checks again)
        linked = self.member_links().get(sub)
        if linked is not None and calendar_console.connection_for(self.db, linked) is not None:
            # A person leaving takes their Google grant, token and account e-mail with them.
            CalendarService(self.db, self.owner, self.calendar, self.now).disconnect(linked)
        self._cognito("disable", self.pool.disable, member.email)
        try:
            with self.db.transaction():
                team.remove(self.db, self.owner.sub, sub)
                self._audit("removed", member.email, {"role": member.role})
        except TeamRefused as exc:
            if member.active:
                self._cognito("enable", self.pool.enable, member.email)  # it stays as it was
            raise _error(exc) from exc
        try:
            self.pool.delete(member.email)
        except (ClientError, BotoCoreError):
            # Disabled and signed out, with no console account: it can do nothing; an invitation
            # of the same e-mail later reuses and enables it.
            logger.warning("Cognito user of a removed account not deleted", exc_info=True)

    def professionals(self) -> list[calendar_console.MemberName]:
        """The business's members (people who take appointments), to link an account to."""
        return calendar_console.members(self.db)

    def member_links(self) -> dict[str, str]:
        return calendar_console.member_links(self.db, self.owner.sub)

    def set_member(self, sub: str, member_id: str | None) -> None:
        """Link an account to the member it is (whose calendar it may then connect), or unlink it."""
        account = self._member(sub)
        if self.member_links().get(sub) == member_id:
            return
        try:
            with self.db.transaction():
                calendar_console.set_member(self.db, self.owner.sub, sub, member_id)
                self._audit("member_linked", account.email, {"member_id": member_id})
        except calendar_console.LinkRefused as exc:
            raise _error(TeamRefused(exc.code)) from exc

    def set_staff_mfa(self, required: bool) -> None:
        if self.staff_mfa() == required:
            return
        try:
            with self.db.transaction():
                team.set_staff_mfa(self.db, self.owner.sub, required)
                self._audit("staff_mfa", self.owner.email, {"required": required})
        except TeamRefused as exc:
            raise _error(exc) from exc
