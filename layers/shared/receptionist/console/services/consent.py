"""A customer's consent at the front desk (docs/privacy.md, "The consent register"): the state of
each purpose and the history, as a conversation's and an appointment's page show it, and staff
recording one purpose, given or withdrawn, as the signed-in account, with its audit line
(`consent_recorded`, target the chat identity, details the purpose, the state and the event's id)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from receptionist.console.errors import NotFound
from receptionist.console.forms.consent import ConsentForm
from receptionist.crm import consent, inbox, schedule
from receptionist.crm.connection import Database
from receptionist.crm.inbox import StaffAccount, record_audit

RECORDED: Final = "consent_recorded"  # the audit action, and the page's notice


@dataclass(frozen=True)
class ConsentView:
    """A customer's consent as a page shows it (identity None: they never wrote and nothing was
    recorded, so no purpose is granted): each purpose's state, the history newest first."""

    identity_id: str | None
    states: list[consent.ConsentState]
    history: list[consent.ConsentEvent] = field(default_factory=list)
    purposes: tuple[consent.Purpose, ...] = consent.PURPOSES
    choices: tuple[consent.State, ...] = consent.STATES


def consent_view(db: Database, organization_id: str, identity_id: str | None) -> ConsentView:
    """Inside `db.acting_for(organization_id)`; one round trip (none without an identity)."""
    events = consent.history(db, organization_id, identity_id) if identity_id else []
    return ConsentView(identity_id, consent.states(events), events)


@dataclass
class ConsentService:
    db: Database  # acting for the account's organization
    account: StaffAccount
    now: Callable[[], datetime]

    def for_conversation(self, identity_id: str, form: ConsentForm) -> None:
        org = self.account.organization_id
        if not inbox.is_id(identity_id) or inbox.conversation(self.db, org, identity_id) is None:
            raise NotFound("not_found")
        self._record(form, identity_id=identity_id)

    def for_appointment(self, appointment_id: str, form: ConsentForm) -> str:
        """For the appointment's contact (their chat identity is created when they never wrote, so
        a patient booked by phone is reminded); the appointment's id."""
        org = self.account.organization_id
        timezone = schedule.booking_window(self.db, org).timezone
        found = schedule.appointment(self.db, org, appointment_id, timezone)
        if found is None:
            raise NotFound("appt_not_found")
        self._record(form, contact_id=found.contact_id)
        return found.id

    def _record(self, form: ConsentForm, *, identity_id: str | None = None, contact_id: str | None = None) -> None:
        purpose, state = form.choice()
        org, account = self.account.organization_id, self.account
        with self.db.transaction():
            recorded = consent.record_at_front_desk(
                self.db,
                org,
                purpose,
                state,
                actor=f"staff:{account.email}",
                at=self.now(),
                identity_id=identity_id,
                contact_id=contact_id,
            )
            if recorded is None:
                raise NotFound("not_found")
            details = {"purpose": purpose, "state": state, "event": recorded.event_id}
            record_audit(self.db, org, account.email, RECORDED, recorded.identity_id, details)
