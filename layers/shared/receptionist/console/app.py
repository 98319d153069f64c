"""The console's HTTP surface (FastAPI; Mangum puts it behind API Gateway in functions/console):
server-rendered pages, their form posts, and a small JSON API. Routes parse and map; the work
is ConsoleService's. Every page and API call needs a verified session whose account belongs to
a business; a conversation of another business is "not found", by URL or through the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from receptionist.adapters.cognito import Identity, InvalidToken, SignInRefused
from receptionist.console import security
from receptionist.console.i18n import DEFAULT_LANGUAGE, LANGUAGES, texts
from receptionist.console.service import ConsoleError, ConsoleService
from receptionist.crm.inbox import INBOX_FILTERS, InboxFilter, StaffAccount

BASE = "/console"


@dataclass
class ConsoleDeps:
    service: ConsoleService
    sign_in: Callable[[str, str], str]  # email, password -> Cognito ID token
    verify: Callable[[str], Identity]  # ID token -> who (raises InvalidToken)
    csrf_secret: Callable[[], str]
    secure_cookies: bool = True


class _SignInNeeded(Exception):
    pass


class _CsrfRefused(Exception):
    pass


router = APIRouter(prefix=BASE)
_PAGES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))  # autoescaped


def create_app(deps: ConsoleDeps) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.deps = deps
    app.include_router(router)
    app.add_exception_handler(_SignInNeeded, _sign_in)
    app.add_exception_handler(_CsrfRefused, _csrf)
    app.add_exception_handler(ConsoleError, _console_error)
    return app


# -- helpers -----------------------------------------------------------------------------------
def _deps(request: Request) -> ConsoleDeps:
    deps: ConsoleDeps = request.app.state.deps
    return deps


def _language(request: Request) -> str:
    chosen = request.cookies.get(security.LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def _account(request: Request) -> StaffAccount:
    """The signed-in staff member: a verified token whose user belongs to a business."""
    deps = _deps(request)
    token = request.cookies.get(security.SESSION_COOKIE)
    if not token:
        raise _SignInNeeded
    try:
        identity = deps.verify(token)
    except InvalidToken as exc:
        raise _SignInNeeded from exc
    account = deps.service.account(identity.sub)
    if account is None:
        raise _SignInNeeded
    return account


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    deps = _deps(request)
    seed = request.cookies.get(security.CSRF_COOKIE) or security.new_csrf_seed()
    lang = _language(request)
    response = _PAGES.TemplateResponse(
        request,
        name,
        {
            "t": texts(lang),
            "lang": lang,
            "base": BASE,
            "csrf_field": security.CSRF_FIELD,
            "csrf": security.csrf_token(deps.csrf_secret(), seed),
            **context,
        },
        status_code=status,
    )
    if request.cookies.get(security.CSRF_COOKIE) != seed:
        response.set_cookie(
            security.CSRF_COOKIE, seed, httponly=True, secure=deps.secure_cookies, samesite="strict", path=BASE
        )
    return response


async def _check_csrf(request: Request) -> None:
    form = await request.form()
    token = form.get(security.CSRF_FIELD)
    seed = request.cookies.get(security.CSRF_COOKIE)
    if not security.csrf_ok(_deps(request).csrf_secret(), seed, token if isinstance(token, str) else None):
        raise _CsrfRefused


def _back_to(identity_id: str, notice: str | None = None) -> RedirectResponse:
    url = f"{BASE}/conversations/{quote(identity_id)}"
    return RedirectResponse(url + (f"?notice={notice}" if notice else ""), status_code=303)


def _filter(show: str | None) -> InboxFilter:
    return next((f for f in INBOX_FILTERS if f == show), "needs_person")


async def _sign_in(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith(f"{BASE}/api/"):
        return JSONResponse({"error": "sign_in_required"}, status_code=401)
    return RedirectResponse(f"{BASE}/login", status_code=303)


async def _csrf(request: Request, exc: Exception) -> Response:
    return _render(request, "error.html", status=403, message=texts(_language(request))["csrf"])


async def _console_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if request.url.path.startswith(f"{BASE}/api/"):
        return JSONResponse({"error": exc.code}, status_code=exc.status)
    return _render(request, "error.html", status=exc.status, message=texts(_language(request))[exc.code])


# -- sign in -----------------------------------------------------------------------------------
@router.get("")
@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse(f"{BASE}/inbox", status_code=303)


@router.get("/login")
async def login_page(request: Request) -> HTMLResponse:
    return _render(request, "login.html")


@router.post("/login")
async def login(request: Request, email: Annotated[str, Form()], password: Annotated[str, Form()]) -> Response:
    await _check_csrf(request)
    deps = _deps(request)
    try:
        token = deps.sign_in(email.strip(), password)
        identity = deps.verify(token)
    except (SignInRefused, InvalidToken):
        return _render(request, "login.html", status=401, error="sign_in_refused", email=email)
    if deps.service.account(identity.sub) is None:
        return _render(request, "login.html", status=403, error="no_account", email=email)
    response = RedirectResponse(f"{BASE}/inbox", status_code=303)
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
    await _check_csrf(request)
    response = RedirectResponse(f"{BASE}/login", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path=BASE)
    return response


@router.get("/lang/{code}")
async def set_language(request: Request, code: str) -> Response:
    response = RedirectResponse(f"{BASE}/inbox", status_code=303)
    if code in LANGUAGES:
        secure = _deps(request).secure_cookies
        response.set_cookie(security.LANGUAGE_COOKIE, code, secure=secure, samesite="lax", path=BASE)
    return response


# -- inbox -------------------------------------------------------------------------------------
@router.get("/inbox")
async def inbox_page(request: Request, show: str | None = None, q: str = "") -> HTMLResponse:
    account = _account(request)
    chosen = _filter(show)
    rows = _deps(request).service.inbox(account, chosen, q[:100])
    return _render(request, "inbox.html", account=account, rows=rows, show=chosen, q=q, filters=INBOX_FILTERS)


@router.get("/inbox/rows")
async def inbox_rows(request: Request, show: str | None = None, q: str = "") -> HTMLResponse:
    account = _account(request)
    rows = _deps(request).service.inbox(account, _filter(show), q[:100])
    return _render(request, "inbox_rows.html", rows=rows)


# -- one conversation --------------------------------------------------------------------------
@router.get("/conversations/{identity_id}")
async def conversation_page(request: Request, identity_id: str, notice: str | None = None) -> HTMLResponse:
    account = _account(request)
    view = _deps(request).service.conversation(account, identity_id)
    known = notice if notice == "queued" else None
    return _render(request, "conversation.html", account=account, view=view, notice=known)


@router.get("/conversations/{identity_id}/transcript")
async def transcript_fragment(request: Request, identity_id: str) -> HTMLResponse:
    account = _account(request)
    entries = _deps(request).service.messages(account, identity_id, None)
    return _render(request, "transcript.html", entries=entries)


@router.post("/conversations/{identity_id}/takeover")
async def take_over(request: Request, identity_id: str) -> Response:
    account = _account(request)
    await _check_csrf(request)
    _deps(request).service.take_over(account, identity_id)
    return _back_to(identity_id)


@router.post("/conversations/{identity_id}/reply")
async def reply(request: Request, identity_id: str, text: Annotated[str, Form()] = "") -> Response:
    account = _account(request)
    await _check_csrf(request)
    _deps(request).service.reply(account, identity_id, text)
    return _back_to(identity_id, "queued")


@router.post("/conversations/{identity_id}/resolve")
async def resolve(request: Request, identity_id: str) -> Response:
    account = _account(request)
    await _check_csrf(request)
    _deps(request).service.resolve(account, identity_id)
    return _back_to(identity_id)


@router.post("/conversations/{identity_id}/handback")
async def hand_back(request: Request, identity_id: str) -> Response:
    account = _account(request)
    await _check_csrf(request)
    _deps(request).service.hand_back(account, identity_id)
    return _back_to(identity_id)


# -- JSON API (same rules: signed in, own organization only) ------------------------------------
@router.get("/api/conversations")
async def api_conversations(request: Request, show: str | None = None, q: str = "") -> JSONResponse:
    account = _account(request)
    rows = _deps(request).service.inbox(account, _filter(show) if show else "all", q[:100])
    return JSONResponse([_jsonable(r.__dict__) for r in rows])


@router.get("/api/conversations/{identity_id}")
async def api_conversation(request: Request, identity_id: str) -> JSONResponse:
    account = _account(request)
    view = _deps(request).service.conversation(account, identity_id)
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
