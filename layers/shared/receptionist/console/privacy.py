"""An owner blocks or erases a customer from their conversation's page (docs/privacy.md, "Blocking
and erasing one customer"; an APIRouter under BASE, included by app.create_app).

- POST /console/conversations/<id>/forget: `mode` (block | erase), `reason` (required, audited,
  never naming the customer), `until` (a block's date; empty: the business's period) and
  `confirm`, the customer's number typed again. Owners only (403 for staff); CSRF first; another
  business's conversation is a 404. The work is receptionist.privacy.forget.ForgetService on the
  console's role: the CRM's part runs in the SECURITY DEFINER functions forget_begin / forget_step
  / forget_finish, which check that the account's Cognito sub is an owner of the business. A value
  to correct re-renders the conversation with a sentence (400) and nothing is removed; a run that
  stops midway says so (503) and the same form sent again finishes it."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from receptionist.console.service import ConsoleError, NotFound
from receptionist.console.web import BASE, Forbidden, account_of, check_csrf, deps_of, render
from receptionist.crm import inbox
from receptionist.crm.inbox import StaffAccount
from receptionist.logsafe import error_fields
from receptionist.privacy.forget import customer_number
from receptionist.privacy.ports import Caller, ForgetRefused
from receptionist.privacy.stores import MODES, Mode

logger = logging.getLogger(__name__)
router = APIRouter(prefix=BASE)
OWNER = "owner"


class Unavailable(ConsoleError):
    status = 503


class AlreadyDone(ConsoleError):
    status = 409


@router.post("/conversations/{identity_id}/forget")
async def forget_customer(
    request: Request,
    identity_id: str,
    mode: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> HTMLResponse:
    account = account_of(request)
    await check_csrf(request)
    if account.role != OWNER:
        raise Forbidden("privacy_owners_only")
    deps = deps_of(request)
    if deps.forget is None:
        raise Unavailable("privacy_unavailable")
    db, org = deps.service.db, account.organization_id
    with db.acting_for(org):  # another business's conversation (or no id) is not found
        summary = inbox.conversation(db, org, identity_id)
    if summary is None:
        raise NotFound("not_found")
    typed = {"mode": mode, "reason": reason, "until": until, "confirm": confirm}
    chosen, keep_until, problem = _checked(mode, reason, until, confirm, summary.customer_number)
    if problem is not None:
        return _again(request, account, identity_id, problem, typed)
    assert chosen is not None
    try:
        outcome = deps.forget.forget(
            Caller(sub=account.sub), org, summary.customer_number, chosen, reason.strip(), keep_until
        )
    except ForgetRefused as refused:
        if refused.code == "no_request":  # a run sent twice at once: the other one finished it
            raise AlreadyDone("privacy_no_request") from refused
        status = 403 if refused.code == "not_allowed" else 400
        return _again(request, account, identity_id, f"privacy_{refused.code}", typed, status)
    except Exception as exc:  # a store or the database failed: the request stays running
        logger.error("customer block or erasure stopped midway", extra=error_fields(exc))
        raise Unavailable("privacy_stopped") from exc
    return render(request, "privacy_done.html", account=account, outcome=outcome)


def _checked(
    mode: str, reason: str, until: str, confirm: str, number: str
) -> tuple[Mode | None, date | None, str | None]:
    chosen: Mode | None = next((m for m in MODES if m == mode), None)
    if chosen is None:
        return None, None, "privacy_mode"
    if not reason.strip():
        return None, None, "privacy_reason_missing"
    keep_until = None
    if until.strip():
        try:
            keep_until = date.fromisoformat(until.strip())
        except ValueError:
            return None, None, "privacy_until_bad"
        if chosen != "block" or keep_until <= date.today():
            return None, None, "privacy_until_bad"
    try:
        matches = customer_number(confirm) == number
    except ForgetRefused:
        matches = False
    if not matches:
        return None, None, "privacy_confirm_mismatch"
    return chosen, keep_until, None


def _again(
    request: Request, account: StaffAccount, identity_id: str, problem: str, typed: dict[str, Any], status: int = 400
) -> HTMLResponse:
    """The conversation again, with the sentence and what was typed (nothing was removed)."""
    view = deps_of(request).service.conversation(account, identity_id)
    return render(
        request, "conversation.html", status=status, account=account, view=view, forget_error=problem, forget=typed
    )
