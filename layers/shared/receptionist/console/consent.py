"""A customer's consent in the console (an APIRouter under BASE, included by app.create_app before
the conversation routes): the state of each purpose and the history, on a conversation's page and
on an appointment's page (its contact), and the front desk recording one purpose, given or
withdrawn, as the signed-in staff account (crm/consent.py; docs/privacy.md "The consent register").

- POST /console/conversations/<identity id>/consent   purpose, state
- POST /console/appointments/<appointment id>/consent  purpose, state: for the appointment's contact,
  whose chat identity is created when they never wrote (so a patient booked by phone is reminded)

Every post checks its CSRF token first, runs for the account's organization only (another
business's conversation or appointment is a 404) and writes an audit line (`consent_recorded`,
target the chat identity, details the purpose, the state and the event's id)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from receptionist.console.service import ConsoleError, NotFound
from receptionist.console.web import BASE, account_of, check_csrf, deps_of
from receptionist.crm import consent, inbox, schedule
from receptionist.crm.connection import Database
from receptionist.crm.consent import PURPOSES, STATES, Purpose, State
from receptionist.crm.inbox import StaffAccount, record_audit

router = APIRouter(prefix=BASE)

RECORDED: Final = "consent_recorded"  # the audit action, and the page's notice


def record(
    db: Database,
    account: StaffAccount,
    purpose: str,
    state: str,
    *,
    at: datetime,
    identity_id: str | None = None,
    contact_id: str | None = None,
) -> str:
    """The front desk records one purpose for a conversation or a contact, named and audited; the
    chat identity's id. Inside `db.acting_for(account.organization_id)`."""
    wanted_purpose, wanted_state = _purpose(purpose), _state(state)
    org = account.organization_id
    recorded = consent.record_at_front_desk(
        db,
        org,
        wanted_purpose,
        wanted_state,
        actor=f"staff:{account.email}",
        at=at,
        identity_id=identity_id,
        contact_id=contact_id,
    )
    if recorded is None:
        raise NotFound("not_found")
    details = {"purpose": wanted_purpose, "state": wanted_state, "event": recorded.event_id}
    record_audit(db, org, account.email, RECORDED, recorded.identity_id, details)
    return recorded.identity_id


def _purpose(value: str) -> Purpose:
    for purpose in PURPOSES:
        if value == purpose:
            return purpose
    raise ConsoleError("consent_bad_choice")


def _state(value: str) -> State:
    for state in STATES:
        if value == state:
            return state
    raise ConsoleError("consent_bad_choice")


# -- routes ------------------------------------------------------------------------------------
@router.post("/conversations/{identity_id}/consent")
async def record_for_conversation(
    request: Request,
    identity_id: str,
    purpose: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
) -> RedirectResponse:
    account = account_of(request)
    await check_csrf(request)
    service = deps_of(request).service
    db = service.db
    with db.acting_for(account.organization_id):
        if not inbox.is_id(identity_id) or inbox.conversation(db, account.organization_id, identity_id) is None:
            raise NotFound("not_found")
        record(db, account, purpose, state, at=service.now(), identity_id=identity_id)
    return _back(f"{BASE}/conversations/{identity_id}")


@router.post("/appointments/{appointment_id}/consent")
async def record_for_appointment(
    request: Request,
    appointment_id: str,
    purpose: Annotated[str, Form()] = "",
    state: Annotated[str, Form()] = "",
) -> RedirectResponse:
    account = account_of(request)
    await check_csrf(request)
    service = deps_of(request).service
    db, org = service.db, account.organization_id
    with db.acting_for(org):
        timezone = schedule.booking_window(db, org).timezone
        found = schedule.appointment(db, org, appointment_id, timezone)
        if found is None:
            raise NotFound("appt_not_found")
        record(db, account, purpose, state, at=service.now(), contact_id=found.contact_id)
    return _back(f"{BASE}/appointments/{found.id}")


def _back(page: str) -> RedirectResponse:
    return RedirectResponse(f"{page}?{urlencode({'notice': RECORDED})}#consent", status_code=303)
