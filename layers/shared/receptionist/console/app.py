"""The console's HTTP surface (FastAPI; Mangum puts it behind API Gateway in functions/console):
server-rendered pages, their form posts, and a small JSON API. Routes parse and map; the work
is ConsoleService's. Every page and API call needs a verified session whose account belongs to
a business; a conversation of another business is "not found", by URL or through the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from receptionist.adapters.cognito import InvalidToken, SignInRefused
from receptionist.console import appointments, consent, export, operator, privacy, security, settings
from receptionist.console.i18n import LANGUAGES
from receptionist.console.service import ConsoleError, ConsoleService, NotFound
from receptionist.console.web import (
    BASE,
    FRAGMENT,
    ConsoleDeps,
    CsrfRefused,
    SignInNeeded,
    account_of,
    any_account_of,
    back_to,
    check_csrf,
    console_error,
    csrf_refused,
    deps_of,
    inbox_filter,
    render,
    sign_in_needed,
)
from receptionist.crm.inbox import INBOX_FILTERS

__all__ = ["ConsoleDeps", "create_app"]

router = APIRouter(prefix=BASE)


def create_app(deps: ConsoleDeps) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.deps = deps
    app.include_router(consent.router)  # before `router`: its /conversations/<id>/<action> takes any action
    # Before `router`, whose POST /conversations/{id}/{action} would take /forget for an action.
    app.include_router(privacy.router)
    app.include_router(router)
    app.include_router(appointments.router)
    app.include_router(settings.router)
    app.include_router(operator.router)
    app.include_router(export.router)
    app.add_exception_handler(SignInNeeded, sign_in_needed)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(ConsoleError, console_error)
    return app


# -- sign in -----------------------------------------------------------------------------------
@router.get("")
@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse(f"{BASE}/inbox", status_code=303)


@router.get("/login")
async def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html")


@router.post("/login")
async def login(request: Request, email: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    await check_csrf(request)
    deps = deps_of(request)
    try:
        token = deps.sign_in(email.strip(), password)
        identity = deps.verify(token)
    except (SignInRefused, InvalidToken):
        return render(request, "login.html", status=401, error="sign_in_refused", email=email)
    account = deps.service.account(identity.sub)
    if account is None:
        return render(request, "login.html", status=403, error="no_account", email=email)
    deps.service.signed_in(account)  # audited before the session exists
    landing = "operator" if account.is_operator else "inbox"  # an operator has no inbox
    response = RedirectResponse(f"{BASE}/{landing}", status_code=303)
    response.set_cookie(
        security.SESSION_COOKIE,
        token,
        max_age=security.SESSION_SECONDS,
        httponly=True,
        secure=deps.secure_cookies,
        samesite="lax",
        path=BASE,
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request)
    try:
        account = any_account_of(request)
    except SignInNeeded:
        account = None  # the session had already ended: nobody to record
    if account is not None:
        deps_of(request).service.signed_out(account)
    response = RedirectResponse(f"{BASE}/login", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path=BASE)
    return response


@router.get("/lang/{code}")
async def set_language(request: Request, code: str) -> Response:
    response = RedirectResponse(f"{BASE}/inbox", status_code=303)
    if code in LANGUAGES:
        secure = deps_of(request).secure_cookies
        response.set_cookie(security.LANGUAGE_COOKIE, code, secure=secure, samesite="lax", path=BASE)
    return response


# -- inbox -------------------------------------------------------------------------------------
@router.get("/inbox")
async def inbox_page(request: Request, show: str | None = None, q: str = "") -> HTMLResponse:
    account = account_of(request)
    chosen = inbox_filter(show)
    rows = deps_of(request).service.inbox(account, chosen, q[:100])
    return render(request, "inbox.html", account=account, rows=rows, show=chosen, q=q, filters=INBOX_FILTERS)


@router.get("/inbox/rows", dependencies=[FRAGMENT])
async def inbox_rows(request: Request, show: str | None = None, q: str = "") -> HTMLResponse:
    account = account_of(request)
    rows = deps_of(request).service.inbox(account, inbox_filter(show), q[:100])
    return render(request, "inbox_rows.html", rows=rows)


# -- one conversation --------------------------------------------------------------------------
@router.get("/conversations/{identity_id}")
async def conversation_page(request: Request, identity_id: str, notice: str | None = None) -> HTMLResponse:
    account = account_of(request)
    view = deps_of(request).service.conversation(account, identity_id)
    known = notice if notice in ("queued", consent.RECORDED) else None
    return render(request, "conversation.html", account=account, view=view, notice=known)


@router.get("/conversations/{identity_id}/transcript", dependencies=[FRAGMENT])
async def transcript_fragment(request: Request, identity_id: str) -> HTMLResponse:
    account = account_of(request)
    entries = deps_of(request).service.messages(account, identity_id, None)
    return render(request, "transcript.html", entries=entries)


@router.post("/conversations/{identity_id}/reply")
async def reply(request: Request, identity_id: str, text: Annotated[str, Form()] = "") -> Response:
    account = account_of(request)
    await check_csrf(request)
    deps_of(request).service.reply(account, identity_id, text)
    return back_to(identity_id, "queued")


@router.post("/conversations/{identity_id}/template")
async def send_template(request: Request, identity_id: str) -> Response:
    account = account_of(request)
    await check_csrf(request)
    form = await request.form()
    template_id = form.get("template_id")
    params = [str(v) for v in form.getlist("param")]
    deps_of(request).service.send_template(account, identity_id, str(template_id or ""), params)
    return back_to(identity_id, "queued")


# Taking over, resolving and handing back: a button each, nothing to fill in.
_OWNERSHIP = {
    "takeover": ConsoleService.take_over,
    "resolve": ConsoleService.resolve,
    "handback": ConsoleService.hand_back,
}


@router.post("/conversations/{identity_id}/{action}")
async def change_ownership(request: Request, identity_id: str, action: str) -> Response:
    account = account_of(request)
    change = _OWNERSHIP.get(action)
    if change is None:
        raise NotFound("not_found")
    await check_csrf(request)
    change(deps_of(request).service, account, identity_id)
    return back_to(identity_id)


# -- JSON API (same rules: signed in, own organization only) ------------------------------------
@router.get("/api/conversations")
async def api_conversations(request: Request, show: str | None = None, q: str = "") -> JSONResponse:
    account = account_of(request)
    rows = deps_of(request).service.inbox(account, inbox_filter(show) if show else "all", q[:100])
    return JSONResponse([_jsonable(r.__dict__) for r in rows])


@router.get("/api/conversations/{identity_id}")
async def api_conversation(request: Request, identity_id: str) -> JSONResponse:
    account = account_of(request)
    view = deps_of(request).service.conversation(account, identity_id)
    return JSONResponse(
        {
            "conversation": _jsonable(view.summary.__dict__),
            "messages": [_jsonable(e.__dict__) for e in view.transcript],
            "escalations": [_jsonable(e.__dict__) for e in view.escalations],
            "appointments": [_jsonable(a.__dict__) for a in view.appointments],
            "window_open": view.window_open,
        }
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
