"""Signing in and out, and the language (no session needed: every other section requires one).

- GET  /console/login, POST /console/login (CSRF first, like every form), POST /console/logout
- GET/POST /console/login/new-password: the first sign-in with a temporary password
  (Cognito's NEW_PASSWORD_REQUIRED)
- GET/POST /console/login/code: the TOTP code of an account with a second factor
  (SOFTWARE_TOKEN_MFA)
- GET  /console/lang/<es|en>: the pages' language, in a cookie

Between the password and the session, Cognito's challenge (its session key and the e-mail, never
the password) waits in a sealed cookie (security.seal: HMAC under the console's secret, 5 minutes),
on /console/login only."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from receptionist.adapters.cognito import NEW_PASSWORD, Challenge
from receptionist.console import security
from receptionist.console.dependencies import CSRF, ConsoleParts, MaybeSession, Parts
from receptionist.console.errors import ConsoleError
from receptionist.console.forms.account import CodeForm, NewPasswordForm
from receptionist.console.forms.sign_in import SignInForm
from receptionist.console.services.sign_in import REFUSED, Pending, SignedIn, SignInFailed, SignInService, refusal
from receptionist.console.web import BASE, render, see_other
from receptionist.console.words import CONSOLE_LOCALES

router = APIRouter(prefix=BASE)

PENDING_PATH = f"{BASE}/login"
STEP_PAGES = {NEW_PASSWORD: ("new-password", "login_new_password.html")}
CODE_PAGE = ("code", "login_code.html")


@router.get("")
@router.get("/")
def home() -> RedirectResponse:
    return see_other(f"{BASE}/inbox")


@router.get("/login")
def login_page(request: Request, notice: str = "") -> HTMLResponse:
    return render(request, "login.html", notice=notice if notice in ("password_reset",) else "")


def _session_cookies(response: Response, signed: SignedIn, parts: ConsoleParts) -> None:
    for name, value in (
        (security.SESSION_COOKIE, signed.token),
        (security.ACCESS_COOKIE, signed.access_token),
        (security.SID_COOKIE, signed.session_id),
    ):
        response.set_cookie(
            name,
            value,
            max_age=security.SESSION_SECONDS,
            httponly=True,
            secure=parts.secure_cookies,
            samesite="lax",
            path=BASE,
        )
    response.delete_cookie(security.PENDING_COOKIE, path=PENDING_PATH)


def _next(outcome: SignedIn | Pending, parts: ConsoleParts) -> Response:
    """Where a sign-in step leads: the next challenge's page, the second factor's enrolment, or
    the account's landing page (an operator has no inbox)."""
    if isinstance(outcome, Pending):
        step = STEP_PAGES.get(outcome.challenge.name, CODE_PAGE)[0]
        response = see_other(f"{BASE}/login/{step}")
        sealed = security.seal(
            parts.csrf_secret(),
            {"c": outcome.challenge.name, "s": outcome.challenge.session, "e": outcome.challenge.email},
            time.time(),
        )
        response.set_cookie(
            security.PENDING_COOKIE,
            sealed,
            max_age=security.PENDING_SECONDS,
            httponly=True,
            secure=parts.secure_cookies,
            samesite="strict",
            path=PENDING_PATH,
        )
        return response
    landing = "operator" if outcome.account.is_operator else "inbox"
    if outcome.enrol:  # nothing else until the second factor is set up
        landing = "mfa/setup"
    response = see_other(f"{BASE}/{landing}")
    _session_cookies(response, outcome, parts)
    return response


@router.post("/login", dependencies=[CSRF])
def login(request: Request, form: Annotated[SignInForm, Form()], parts: Parts) -> Response:
    try:
        outcome = SignInService(parts.db).sign_in(
            form.email, form.password, parts.cognito, parts.verify, parts.session_now()
        )
    except SignInFailed as exc:
        return render(request, "login.html", status=exc.status, error=exc.code, email=form.email)
    return _next(outcome, parts)


def _pending(request: Request, parts: ConsoleParts, name: str | None) -> Challenge | None:
    """The challenge waiting in the sealed cookie (None: none, forged, expired or another kind)."""
    data = security.unseal(parts.csrf_secret(), request.cookies.get(security.PENDING_COOKIE), time.time())
    if data is None or (name is not None and data.get("c") != name) or (name is None and data.get("c") == NEW_PASSWORD):
        return None
    return Challenge(str(data["c"]), str(data["s"]), str(data["e"]))


def _again(request: Request, template: str, exc: SignInFailed) -> Response:
    """The step's page again with the sentence; a challenge that expired starts over."""
    if exc.code == "challenge_expired":
        response = render(request, "login.html", status=exc.status, error=exc.code)
        response.delete_cookie(security.PENDING_COOKIE, path=PENDING_PATH)
        return response
    return render(request, template, status=exc.status, error=exc.code)


@router.get("/login/new-password")
def new_password_page(request: Request, parts: Parts) -> Response:
    if _pending(request, parts, NEW_PASSWORD) is None:
        return see_other(f"{BASE}/login")
    return render(request, "login_new_password.html")


@router.post("/login/new-password", dependencies=[CSRF])
def new_password(request: Request, form: Annotated[NewPasswordForm, Form()], parts: Parts) -> Response:
    challenge = _pending(request, parts, NEW_PASSWORD)
    if challenge is None:
        return render(request, "login.html", status=401, error="challenge_expired")
    try:
        password = form.checked()
    except ConsoleError as exc:
        return render(request, "login_new_password.html", status=400, error=exc.code)
    service = SignInService(parts.db)
    try:
        answered = parts.cognito.answer_new_password(challenge, password)
    except REFUSED as exc:
        return _again(request, "login_new_password.html", refusal(exc))
    try:
        outcome = service.finish(answered, parts.verify, parts.session_now(), audit="password_set")
    except SignInFailed as exc:
        return render(request, "login.html", status=exc.status, error=exc.code)
    return _next(outcome, parts)


@router.get("/login/code")
def code_page(request: Request, parts: Parts) -> Response:
    if _pending(request, parts, None) is None:
        return see_other(f"{BASE}/login")
    return render(request, "login_code.html")


@router.post("/login/code", dependencies=[CSRF])
def answer_code(request: Request, form: Annotated[CodeForm, Form()], parts: Parts) -> Response:
    challenge = _pending(request, parts, None)
    if challenge is None:
        return render(request, "login.html", status=401, error="challenge_expired")
    try:
        typed = form.checked()
    except ConsoleError as exc:
        return render(request, "login_code.html", status=400, error=exc.code)
    try:
        answered = parts.cognito.totp(challenge, typed)
    except REFUSED as exc:
        return _again(request, "login_code.html", refusal(exc))
    try:
        outcome = SignInService(parts.db).finish(answered, parts.verify, parts.session_now())
    except SignInFailed as exc:
        return render(request, "login.html", status=exc.status, error=exc.code)
    return _next(outcome, parts)


@router.post("/logout", dependencies=[CSRF])
def logout(request: Request, session: MaybeSession, parts: Parts) -> Response:
    SignInService(parts.db).signed_out(
        session.account if session else None,
        request.cookies.get(security.SID_COOKIE),
        request.cookies.get(security.ACCESS_COOKIE),
        parts.cognito,
    )
    response = see_other(f"{BASE}/login")
    for name in (security.SESSION_COOKIE, security.ACCESS_COOKIE, security.SID_COOKIE):
        response.delete_cookie(name, path=BASE)
    return response


@router.get("/lang/{code}")
def set_language(code: str, parts: Parts) -> Response:
    response = see_other(f"{BASE}/inbox")
    if code in CONSOLE_LOCALES:
        response.set_cookie(security.LANGUAGE_COOKIE, code, secure=parts.secure_cookies, samesite="lax", path=BASE)
    return response
