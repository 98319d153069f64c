"""Signing in and out, and the language (no session needed: every other section requires one).

- GET  /console/login, POST /console/login (CSRF first, like every form), POST /console/logout
- GET  /console/lang/<es|en>: the pages' language, in a cookie"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from receptionist.console import security
from receptionist.console.dependencies import CSRF, MaybeAccount, Parts
from receptionist.console.forms.sign_in import SignInForm
from receptionist.console.i18n import LANGUAGES
from receptionist.console.services.sign_in import SignInFailed, SignInService
from receptionist.console.web import BASE, render, see_other

router = APIRouter(prefix=BASE)


@router.get("")
@router.get("/")
def home() -> RedirectResponse:
    return see_other(f"{BASE}/inbox")


@router.get("/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html")


@router.post("/login", dependencies=[CSRF])
def login(request: Request, form: Annotated[SignInForm, Form()], parts: Parts) -> Response:
    try:
        signed_in = SignInService(parts.db).sign_in(form.email, form.password, parts.sign_in, parts.verify)
    except SignInFailed as exc:
        return render(request, "login.html", status=exc.status, error=exc.code, email=form.email)
    landing = "operator" if signed_in.account.is_operator else "inbox"  # an operator has no inbox
    response = see_other(f"{BASE}/{landing}")
    response.set_cookie(
        security.SESSION_COOKIE,
        signed_in.token,
        max_age=security.SESSION_SECONDS,
        httponly=True,
        secure=parts.secure_cookies,
        samesite="lax",
        path=BASE,
    )
    return response


@router.post("/logout", dependencies=[CSRF])
def logout(account: MaybeAccount, parts: Parts) -> Response:
    if account is not None:  # else the session had already ended: nobody to record
        SignInService(parts.db).signed_out(account)
    response = see_other(f"{BASE}/login")
    response.delete_cookie(security.SESSION_COOKIE, path=BASE)
    return response


@router.get("/lang/{code}")
def set_language(code: str, parts: Parts) -> Response:
    response = see_other(f"{BASE}/inbox")
    if code in LANGUAGES:
        response.set_cookie(security.LANGUAGE_COOKIE, code, secure=parts.secure_cookies, samesite="lax", path=BASE)
    return response
