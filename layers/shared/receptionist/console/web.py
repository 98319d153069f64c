"""What every console page shares: the base path, rendering (with the CSRF token and the
language), and the mapping of errors to pages, fragments or JSON (app.create_app registers the
handlers). How a route reaches the signed-in account, its role, the CSRF check and the database is
dependencies.py's.

Without a session a page is redirected to the sign-in form, but a part of a page (a route marked
with FRAGMENT, or any request htmx sends: `HX-Request`) and the JSON API get a 401 whose body
says the session ended: a script that follows a redirect would paste the sign-in form into the
page it refreshes."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from receptionist.console import security
from receptionist.console.assets import asset_url
from receptionist.console.dependencies import parts
from receptionist.console.errors import ConsoleError
from receptionist.console.times import LocalTimes
from receptionist.console.words import CONSOLE_LOCALES, words
from receptionist.crm.inbox import StaffAccount
from receptionist.crm.settings.persona import persona
from receptionist.i18n.locales import DEFAULT_LOCALE, Locale, language_tag, locale_of

BASE = "/console"
PAGES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))  # autoescaped


def _when(context: Context) -> LocalTimes:
    found = context.get("when")
    return found if isinstance(found, LocalTimes) else LocalTimes(DEFAULT_LOCALE)  # a page rendered bare (tests)


# Every time, day and price a page shows goes through the request's LocalTimes (console/times.py).
PAGES.env.filters.update(
    moment=pass_context(lambda context, at: _when(context).moment(at)),
    day=pass_context(lambda context, on: _when(context).day(on)),
    short_day=pass_context(lambda context, on: _when(context).short_day(on)),
    month=pass_context(lambda context, on: _when(context).month(on)),
    weekday=pass_context(lambda context, on: _when(context).weekday(on)),
    short_weekday=pass_context(lambda context, on: _when(context).short_weekday(on)),
    weekday_name=pass_context(lambda context, number: _when(context).weekday_name(number)),
    time=pass_context(lambda context, at: _when(context).time(at)),
    price=pass_context(lambda context, cents, currency: _when(context).price(cents, currency)),
    number=pass_context(lambda context, value: _when(context).number(value)),
    percent=pass_context(lambda context, ratio: _when(context).percent(ratio)),
    duration=pass_context(lambda context, seconds: _when(context).duration(seconds)),
)
PAGES.env.globals["asset"] = asset_url  # a static file's URL with its content's hash (console/assets.py)


def language(request: Request) -> Locale:
    """The staff member's console locale (the switcher's cookie), Spanish until they choose."""
    chosen = locale_of(request.cookies.get(security.LANGUAGE_COOKIE))
    return chosen if chosen in CONSOLE_LOCALES else DEFAULT_LOCALE


def local_times(request: Request, account: StaffAccount | None = None) -> LocalTimes:
    """The request's formatter: the console locale, and the time zone of the signed-in staff
    member's business (read when a page first shows a time; UTC for an operator, of no business)."""
    account = account or getattr(request.state, "account", None)
    organization = account.organization_id if account is not None else ""
    if not organization:
        return LocalTimes(language(request))
    db = parts(request).db

    def zone() -> ZoneInfo:
        with db.acting_for(organization):
            return ZoneInfo(persona(db, organization).timezone)

    return LocalTimes(language(request), zone)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language, its forms carrying the CSRF token (and the cookie it is
    bound to set when the browser has none yet)."""
    built = parts(request)
    seed = request.cookies.get(security.CSRF_COOKIE) or security.new_csrf_seed()
    lang = language(request)
    texts = words(lang)
    response = PAGES.TemplateResponse(
        request,
        name,
        {
            "t": texts,
            "_": texts,
            "lang": language_tag(lang),
            "locale": lang,
            "console_locales": CONSOLE_LOCALES,
            "when": local_times(request, context.get("account")),
            "base": BASE,
            "csrf_field": security.CSRF_FIELD,
            "csrf": security.csrf_token(built.csrf_secret(), seed),
            **context,
        },
        status_code=status,
    )
    if request.cookies.get(security.CSRF_COOKIE) != seed:
        response.set_cookie(
            security.CSRF_COOKIE, seed, httponly=True, secure=built.secure_cookies, samesite="strict", path=BASE
        )
    return response


def see_other(url: str) -> RedirectResponse:
    """Where a form post sends the browser next (303: a GET, never the post again)."""
    return RedirectResponse(url, status_code=303)


# -- the app's exception handlers (plain functions: Starlette runs them in its thread pool) ------
def sign_in_needed(request: Request, exc: Exception) -> Response:
    """No (or no longer a) session: the JSON API and a part of a page get a 401 saying so, in the
    page's language, with where to sign in; a whole page goes to the sign-in form."""
    texts = words(language(request))
    if request.url.path.startswith(f"{BASE}/api/"):
        body = {"error": "sign_in_required", "message": texts.session_ended, "sign_in": f"{BASE}/login"}
        return JSONResponse(body, status_code=401)
    if request.headers.get("hx-request") == "true" or getattr(request.state, "fragment", False):
        # Not render(): nothing here needs a form, so no CSRF cookie (nor the console secret).
        context = {"t": texts, "_": texts, "base": BASE}
        return PAGES.TemplateResponse(request, "session_ended.html", context, status_code=401)
    return see_other(getattr(exc, "location", f"{BASE}/login"))


def csrf_refused(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", status=403, message=words(language(request))["csrf"])


def console_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if request.url.path.startswith(f"{BASE}/api/"):
        return JSONResponse({"error": exc.code}, status_code=exc.status)
    return render(request, "error.html", status=exc.status, message=words(language(request))[exc.code])
