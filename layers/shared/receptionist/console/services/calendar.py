"""The calendar section: a member's Google Calendar connected (by the member's own account or an
owner), disconnected, its state shown (connected: the Google account and the last sync; broken:
why, with "Reconectar"; none), and its open conflicts (an external event over one of our
appointments) listed and marked resolved.

Connecting: `start` draws the state and the PKCE pair and gives the provider's authorization URL
and the sealed flow (console/oauth.py); `finish` (the callback) checks them, exchanges the code,
stores the refresh token (an SSM SecureString named token_ref(prefix, connection id)), then writes
the connection row with its audit line in one transaction. The connection id of a member's first
connection is derived from the business and the member (uuid5), and a reconnection keeps its row's
id: the parameter written before the row is always the one the next attempt writes again, so a run
that stopped between the two leaves nothing a later connect does not overwrite; a row write that
fails deletes the token it just stored.

Disconnecting, in the order that can always be finished by trying again (the row, kept to the end,
is what a retry starts from): stop the push channel (if any), revoke the grant, delete the token,
then the row with its audit line. A grant already revoked, a channel already gone: not errors."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from receptionist.calendar.provider import (
    CalendarError,
    CalendarProvider,
    CalendarUnavailable,
    Channel,
    Grant,
    GrantRevoked,
)
from receptionist.calendar.tokens import RefreshTokens, token_ref
from receptionist.console import oauth
from receptionist.console.errors import ConsoleError, Forbidden, NotFound, Unavailable
from receptionist.console.security import session_hash
from receptionist.crm import calendar_console as store
from receptionist.crm.calendar_console import ConsoleConnection, MemberName, OpenConflict
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit
from receptionist.deadline import Deadline

logger = logging.getLogger(__name__)

OWNER = "owner"
PROVIDER_SECONDS = 8.0  # each provider call of a console request (the Lambda has 15 s)
# Where a member's first connection id comes from (uuid5 of the business and the member).
_CONNECTION_IDS = uuid.UUID("5d0b7a52-6c1e-4a43-9a57-2f1f0e8c6a11")


@dataclass(frozen=True)
class CalendarAccess:
    """What the section needs besides the database (ConsoleParts.calendar; wiring builds it)."""

    provider: Callable[[], CalendarProvider]  # built when first used (it reads the OAuth client's secret)
    tokens: RefreshTokens
    tokens_path: str  # CALENDAR_TOKENS_PATH: the SSM path the refresh tokens live under
    redirect_uri: str  # <console url>/console/calendar/callback, as registered with Google


@dataclass(frozen=True)
class MemberCalendar:
    """One member's card on the page."""

    member: MemberName
    connection: ConsoleConnection | None
    conflicts: list[OpenConflict]

    @property
    def status(self) -> str:
        return "none" if self.connection is None else self.connection.status


def connection_id_for(organization_id: str, member_id: str) -> str:
    return str(uuid.uuid5(_CONNECTION_IDS, f"{organization_id}:{member_id}:{store.PROVIDER}"))


def _uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError as exc:
        raise NotFound("calendar_not_found") from exc


@dataclass
class CalendarService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    access: CalendarAccess | None
    now: Callable[[], datetime]

    # -- who may do what ---------------------------------------------------------------------
    def own_member(self) -> str | None:
        return store.own_member(self.db, self.account.sub)

    def _member(self, member_id: str) -> MemberName:
        """The member, if this account may manage its calendar: an owner any member of the
        business, anyone else only the member their own account is (403 otherwise)."""
        found = store.member(self.db, _uuid(member_id))
        if found is None:
            raise NotFound("calendar_not_found")
        if self.account.role != OWNER and self.own_member() != found.id:
            raise Forbidden("calendar_own_only")
        return found

    def _access(self) -> CalendarAccess:
        if self.access is None:
            raise Unavailable("calendar_unavailable")
        return self.access

    def _audit(self, action: str, target: str, details: dict[str, object]) -> None:
        record_audit(self.db, self.account.organization_id, self.account.email, action, target, details)

    # -- the page ----------------------------------------------------------------------------
    def cards(self) -> list[MemberCalendar]:
        """Owner: every active member; anyone else: the member their account is (or none)."""
        if self.account.role == OWNER:
            shown = store.members(self.db)
        else:
            own = self.own_member()
            found = store.member(self.db, own) if own else None
            shown = [found] if found else []
        connections = store.connections(self.db)
        conflicts = store.open_conflicts(self.db)
        return [MemberCalendar(m, connections.get(m.id), [c for c in conflicts if c.member_id == m.id]) for m in shown]

    def attention(self) -> tuple[int, int]:
        """(open conflicts, broken connections): the owner's badge."""
        return store.attention(self.db)

    # -- connecting --------------------------------------------------------------------------
    def start(self, member_id: str, session_id: str, secret: str, at: float) -> tuple[str, str]:
        """The provider's authorization URL and the sealed flow cookie for the callback."""
        access = self._access()
        member = self._member(member_id)
        flow = oauth.Flow(
            state=oauth.new_state(),
            verifier=oauth.new_verifier(),
            member_id=member.id,
            session=session_hash(session_id),
            organization_id=self.account.organization_id,
        )
        url = access.provider().authorization_url(
            state=flow.state, code_challenge=oauth.challenge_for(flow.verifier), redirect_uri=access.redirect_uri
        )
        return url, oauth.seal_flow(secret, flow, at)

    def finish(self, flow: oauth.Flow, code: str) -> MemberName:
        """Exchange the code (with the flow's verifier), store the refresh token, then the row and
        its audit line (one transaction)."""
        access = self._access()
        member = self._member(flow.member_id)  # the rules again: the link may have changed meanwhile
        if not code:
            raise ConsoleError("calendar_code_refused")
        grant = self._exchange(access, code, flow.verifier)
        existing = store.connection_for(self.db, member.id)
        connection_id = existing.id if existing else connection_id_for(self.account.organization_id, member.id)
        ref = existing.token_ref if existing else token_ref(access.tokens_path, connection_id)
        if existing and existing.channel_id:
            self._stop_channel(access, existing)  # its grant is replaced: the sync makes a new channel
        try:
            access.tokens.put(ref, grant.refresh_token)
        except CalendarUnavailable as exc:
            raise Unavailable("calendar_provider_down") from exc
        try:
            with self.db.transaction():
                store.save_connection(
                    self.db,
                    self.account.organization_id,
                    connection_id=connection_id,
                    member_id=member.id,
                    token_ref=ref,
                    account=grant.account,
                    created_by=self.account.email,
                    at=self.now(),
                )
                what = "calendar_reconnected" if existing else "calendar_connected"
                self._audit(what, member.id, {"member": member.name, "provider": store.PROVIDER})
        except Exception:
            if existing is None:  # no row names it: nothing would ever read or delete it
                self._forget_token(access, ref)
            raise
        return member

    def _exchange(self, access: CalendarAccess, code: str, verifier: str) -> Grant:
        try:
            return access.provider().exchange_code(
                code, code_verifier=verifier, redirect_uri=access.redirect_uri, deadline=_deadline()
            )
        except CalendarUnavailable as exc:
            logger.warning("calendar token endpoint unavailable", extra={"error": type(exc).__name__})
            raise Unavailable("calendar_provider_down") from exc
        except CalendarError as exc:  # invalid_grant (a code used or expired), a refused request
            logger.warning("calendar code refused", extra={"error": type(exc).__name__})
            raise ConsoleError("calendar_code_refused") from exc

    # -- disconnecting -----------------------------------------------------------------------
    def disconnect(self, member_id: str) -> MemberName:
        access = self._access()
        member = self._member(member_id)
        existing = store.connection_for(self.db, member.id)
        if existing is None:
            return member
        refresh = self._refresh_token(access, existing.token_ref)
        if refresh is not None:
            if existing.channel_id:
                self._stop_channel(access, existing, refresh)
            try:
                access.provider().revoke(refresh, _deadline())
            except CalendarUnavailable as exc:  # the row stays: disconnecting again finishes it
                raise Unavailable("calendar_provider_down") from exc
            except CalendarError:
                logger.info("calendar grant already unusable at disconnect")
        access.tokens.delete(existing.token_ref)
        with self.db.transaction():
            store.delete_connection(self.db, existing.id)
            self._audit("calendar_disconnected", member.id, {"member": member.name, "provider": store.PROVIDER})
        return member

    def _refresh_token(self, access: CalendarAccess, ref: str) -> str | None:
        """The stored refresh token, None when it is gone (a disconnection tried before)."""
        try:
            return access.tokens.get(ref)
        except GrantRevoked:  # a parameter already deleted: nothing to revoke with
            logger.info("calendar refresh token not found at disconnect")
            return None
        except CalendarUnavailable as exc:
            raise Unavailable("calendar_provider_down") from exc

    def _stop_channel(self, access: CalendarAccess, connection: ConsoleConnection, refresh: str | None = None) -> None:
        """Stop the push channel; a grant that no longer works cannot, and then the channel simply
        expires (its notifications name a connection that is gone, and are refused)."""
        if not (connection.channel_id and connection.channel_resource_id and connection.channel_expires_at):
            return
        try:
            refresh = refresh if refresh is not None else access.tokens.get(connection.token_ref)
            token = access.provider().refresh(refresh, _deadline())
            channel = Channel(connection.channel_id, connection.channel_resource_id, connection.channel_expires_at)
            access.provider().stop(token, channel, _deadline())
        except Exception:  # best effort: an unstopped channel ends at its expiry
            logger.warning("calendar channel not stopped", exc_info=True)

    def _forget_token(self, access: CalendarAccess, ref: str) -> None:
        try:
            access.tokens.delete(ref)
        except Exception:  # the next connect of this member overwrites the same parameter
            logger.warning("calendar refresh token left after a failed connect", exc_info=True)

    # -- conflicts ---------------------------------------------------------------------------
    def resolve(self, conflict_id: str) -> None:
        member_id = store.conflict_member(self.db, conflict_id.strip())
        if member_id is None:
            raise NotFound("calendar_conflict_not_found")
        self._member(member_id)
        with self.db.transaction():
            if store.resolve_conflict(self.db, conflict_id.strip(), self.now()):
                self._audit("calendar_conflict_resolved", conflict_id, {"member_id": member_id})


def _deadline() -> Deadline:
    return Deadline.after(PROVIDER_SECONDS)
