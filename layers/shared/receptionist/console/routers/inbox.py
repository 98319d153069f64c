"""The inbox and one conversation: pages, the parts of them their scripts poll, the actions on a
conversation, and the JSON API (same rules: signed in, own organization only).

- GET  /console/inbox?show=&q=, /console/inbox/rows (a part), /console/conversations/<id>,
  /console/conversations/<id>/transcript (a part)
- POST /console/conversations/<id>/reply | template | takeover (assigns it to the account) | resolve |
  handback (ends the assignment)
- GET  /console/api/conversations?show=&q=, /console/api/conversations/<id>"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, PlainSerializer

from receptionist.console.dependencies import CSRF, FRAGMENT, OWNER, Account, Parts, Session, business_account
from receptionist.console.errors import NotFound
from receptionist.console.forms.conversations import ReplyForm, TemplateForm
from receptionist.console.services.consent import RECORDED
from receptionist.console.services.conversations import ConversationService
from receptionist.console.services.customer_language import SET as LANGUAGE_SET
from receptionist.console.web import BASE, render, see_other
from receptionist.crm import calendar_console
from receptionist.crm.inbox import INBOX_FILTERS, InboxFilter

# Pages and posts; the parts of pages their scripts poll are answered as such (FRAGMENT first:
# without a session they get the 401 notice).
router = APIRouter(prefix=BASE, dependencies=[Depends(business_account)])
fragments = APIRouter(prefix=BASE, dependencies=[FRAGMENT, Depends(business_account)])


def conversations(db: Session, account: Account, parts: Parts) -> ConversationService:
    return ConversationService(db, account, parts.outbound, parts.now)


Conversations = Annotated[ConversationService, Depends(conversations)]


def inbox_filter(show: str | None) -> InboxFilter:
    return next((f for f in INBOX_FILTERS if f == show), "needs_person")


def back_to(identity_id: str, notice: str | None = None) -> RedirectResponse:
    url = f"{BASE}/conversations/{quote(identity_id)}"
    return see_other(url + (f"?notice={notice}" if notice else ""))


# -- pages -------------------------------------------------------------------------------------
@router.get("/inbox")
def inbox_page(
    request: Request, account: Account, service: Conversations, db: Session, show: str | None = None, q: str = ""
) -> HTMLResponse:
    chosen = inbox_filter(show)
    rows = service.inbox(chosen, q[:100])
    # The owner's badge: open calendar conflicts and broken connections (the calendar page lists them).
    conflicts, broken = calendar_console.attention(db) if account.role == OWNER else (0, 0)
    return render(
        request,
        "inbox.html",
        account=account,
        rows=rows,
        show=chosen,
        q=q,
        filters=INBOX_FILTERS,
        me=account.sub,
        now=service.now(),
        calendar_conflicts=conflicts,
        calendar_broken=broken,
    )


@fragments.get("/inbox/rows")
def inbox_rows(
    request: Request, account: Account, service: Conversations, show: str | None = None, q: str = ""
) -> HTMLResponse:
    rows = service.inbox(inbox_filter(show), q[:100])
    return render(request, "inbox_rows.html", rows=rows, me=account.sub, now=service.now())


@router.get("/conversations/{identity_id}")
def conversation_page(
    request: Request, identity_id: str, account: Account, service: Conversations, notice: str | None = None
) -> HTMLResponse:
    view = service.conversation(identity_id)
    known = notice if notice in ("queued", RECORDED, LANGUAGE_SET) else None
    return render(request, "conversation.html", account=account, view=view, notice=known)


@fragments.get("/conversations/{identity_id}/transcript")
def transcript_fragment(request: Request, identity_id: str, service: Conversations) -> HTMLResponse:
    return render(request, "transcript.html", entries=service.messages(identity_id, None))


# -- actions -----------------------------------------------------------------------------------
@router.post("/conversations/{identity_id}/reply", dependencies=[CSRF])
def reply(identity_id: str, form: Annotated[ReplyForm, Form()], service: Conversations) -> RedirectResponse:
    service.reply(identity_id, form)
    return back_to(identity_id, "queued")


@router.post("/conversations/{identity_id}/template", dependencies=[CSRF])
def send_template(identity_id: str, form: Annotated[TemplateForm, Form()], service: Conversations) -> RedirectResponse:
    service.send_template(identity_id, form)
    return back_to(identity_id, "queued")


# Taking over, resolving and handing back: a button each, nothing to fill in.
_OWNERSHIP: dict[str, Callable[[ConversationService, str], None]] = {
    "takeover": ConversationService.take_over,
    "resolve": ConversationService.resolve,
    "handback": ConversationService.hand_back,
}


def ownership_change(action: str) -> Callable[[ConversationService, str], None]:
    """The action a button names (any other: not found, before its CSRF token is looked at)."""
    change = _OWNERSHIP.get(action)
    if change is None:
        raise NotFound("not_found")
    return change


@router.post("/conversations/{identity_id}/{action}", dependencies=[Depends(ownership_change), CSRF])
def change_ownership(
    identity_id: str,
    change: Annotated[Callable[[ConversationService, str], None], Depends(ownership_change)],
    service: Conversations,
) -> RedirectResponse:
    change(service, identity_id)
    return back_to(identity_id)


# -- JSON API ----------------------------------------------------------------------------------
# Times as datetime.isoformat() writes them ("+00:00"), as the API always gave them.
Timestamp = Annotated[datetime, PlainSerializer(lambda at: at.isoformat(), return_type=str)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ConversationOut(_Out):
    identity_id: str
    customer_number: str
    display_name: str | None
    bot_enabled: bool
    opted_out: bool
    open_escalations: int
    last_activity: Timestamp | None
    last_text: str | None
    last_inbound_at: Timestamp | None
    assigned_to: str | None
    waiting_since: Timestamp | None
    message_left: bool


class MessageOut(_Out):
    id: str
    direction: str
    kind: str
    text: str
    status: str
    sent_by: str | None
    created_at: Timestamp
    error: str | None


class EscalationOut(_Out):
    id: str
    reason: str
    status: str
    created_at: Timestamp
    customer_message: str | None


class AppointmentOut(_Out):
    id: str
    contact_id: str
    service_id: str
    service_name: str
    member_id: str
    member_name: str
    starts_at: Timestamp
    ends_at: Timestamp
    status: str


class ConversationDetailOut(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]
    escalations: list[EscalationOut]
    appointments: list[AppointmentOut]
    window_open: bool


@router.get("/api/conversations", response_model=list[ConversationOut])
def api_conversations(service: Conversations, show: str | None = None, q: str = "") -> Any:
    return service.inbox(inbox_filter(show) if show else "all", q[:100])


@router.get("/api/conversations/{identity_id}", response_model=ConversationDetailOut)
def api_conversation(identity_id: str, service: Conversations) -> Any:
    view = service.conversation(identity_id)
    return {
        "conversation": view.summary,
        "messages": view.transcript,
        "escalations": view.escalations,
        "appointments": view.appointments,
        "window_open": view.window_open,
    }
