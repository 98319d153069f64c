"""What every console page shares: the base path, the dependencies the app is built with,
the signed-in account, rendering (with the CSRF token and the language), CSRF checks, and the
mapping of errors to pages, fragments or JSON. Routes live in app.py and in one module per section
(appointments.py, settings.py, operator.py), each an APIRouter under BASE.

Without a session a page is redirected to the sign-in form, but a part of a page (a route marked
with FRAGMENT, or any request htmx sends: `HX-Request`) and the JSON API get a 401 whose body
says the session ended: a script that follows a redirect would paste the sign-in form into the
page it refreshes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from receptionist.adapters.cognito import Identity, InvalidToken, StaffPool
from receptionist.console import security
from receptionist.console.i18n import DEFAULT_LANGUAGE, LANGUAGES, texts
from receptionist.console.service import ConsoleError, ConsoleService
from receptionist.console.settings_service import WebhookSecretStore
from receptionist.crm.inbox import INBOX_FILTERS, InboxFilter, StaffAccount
from receptionist.privacy.forget import ForgetService

if TYPE_CHECKING:
    from receptionist.console.export import ConsoleExports

BASE = "/console"
PAGES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))  # autoescaped


@dataclass
class ConsoleDeps:
    service: ConsoleService
    sign_in: Callable[[str, str], str]  # email, password -> Cognito ID token
    verify: Callable[[str], Identity]  # ID token -> who (raises InvalidToken)
    csrf_secret: Callable[[], str]
    secure_cookies: bool = True
    accounts: StaffPool | None = None  # creating owners' accounts (the operator pages)
    webhook_secrets: WebhookSecretStore | None = None  # rotating an app's webhook secret (settings)
    exports: ConsoleExports | None = None  # a customer's data, for the owner (export.py)
    forget: ForgetService | None = None  # blocking and erasing a customer (console/privacy.py)


class SignInNeeded(Exception):
    pass


def _answers_a_fragment(request: Request) -> None:
    request.state.fragment = True


# A route's `dependencies=[FRAGMENT]`: it answers a part of a page, which its page's script polls.
FRAGMENT = Depends(_answers_a_fragment)


class CsrfRefused(Exception):
    pass


class Forbidden(ConsoleError):
    status = 403


# -- helpers -----------------------------------------------------------------------------------
def deps_of(request: Request) -> ConsoleDeps:
    deps: ConsoleDeps = request.app.state.deps
    return deps


def language(request: Request) -> str:
    chosen = request.cookies.get(security.LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def account_of(request: Request) -> StaffAccount:
    """The signed-in staff member: a verified token whose user belongs to a business (an
    operator's account, of no business, gets a 403 here: it has only the operator pages)."""
    account = any_account_of(request)
    if account.is_operator:
        raise Forbidden("op_no_business")
    return account


def any_account_of(request: Request) -> StaffAccount:
    """The signed-in account, a business's or an operator's."""
    deps = deps_of(request)
    token = request.cookies.get(security.SESSION_COOKIE)
    if not token:
        raise SignInNeeded
    try:
        identity = deps.verify(token)
    except InvalidToken as exc:
        raise SignInNeeded from exc
    account = deps.service.account(identity.sub)
    if account is None:
        raise SignInNeeded
    return account


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    deps = deps_of(request)
    seed = request.cookies.get(security.CSRF_COOKIE) or security.new_csrf_seed()
    lang = language(request)
    response = PAGES.TemplateResponse(
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


async def check_csrf(request: Request) -> None:
    form = await request.form()
    token = form.get(security.CSRF_FIELD)
    seed = request.cookies.get(security.CSRF_COOKIE)
    if not security.csrf_ok(deps_of(request).csrf_secret(), seed, token if isinstance(token, str) else None):
        raise CsrfRefused


def back_to(identity_id: str, notice: str | None = None) -> RedirectResponse:
    url = f"{BASE}/conversations/{quote(identity_id)}"
    return RedirectResponse(url + (f"?notice={notice}" if notice else ""), status_code=303)


def inbox_filter(show: str | None) -> InboxFilter:
    return next((f for f in INBOX_FILTERS if f == show), "needs_person")


async def sign_in_needed(request: Request, exc: Exception) -> Response:
    """No (or no longer a) session: the JSON API and a part of a page get a 401 saying so, in the
    page's language, with where to sign in; a whole page goes to the sign-in form."""
    words = texts(language(request))
    if request.url.path.startswith(f"{BASE}/api/"):
        body = {"error": "sign_in_required", "message": words["session_ended"], "sign_in": f"{BASE}/login"}
        return JSONResponse(body, status_code=401)
    if request.headers.get("hx-request") == "true" or getattr(request.state, "fragment", False):
        # Not render(): nothing here needs a form, so no CSRF cookie (nor the console secret).
        context = {"t": words, "base": BASE}
        return PAGES.TemplateResponse(request, "session_ended.html", context, status_code=401)
    return RedirectResponse(f"{BASE}/login", status_code=303)


async def csrf_refused(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", status=403, message=texts(language(request))["csrf"])


async def console_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if request.url.path.startswith(f"{BASE}/api/"):
        return JSONResponse({"error": exc.code}, status_code=exc.status)
    return render(request, "error.html", status=exc.status, message=texts(language(request))[exc.code])
