"""A forgotten password (no session): GET/POST /console/password/forgot (Cognito e-mails a
code; the page never says whether the e-mail has an account), POST /console/password/reset (the
code and a new password twice, then to sign in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF
from receptionist.console.errors import ConsoleError
from receptionist.console.forms.account import ForgotForm, ResetForm
from receptionist.console.routers.account import Accounts
from receptionist.console.services.sign_in import SignInFailed
from receptionist.console.web import BASE, render, see_other

router = APIRouter(prefix=f"{BASE}/password")


@router.get("/forgot")
def forgot_page(request: Request) -> HTMLResponse:
    return render(request, "password_forgot.html")


@router.post("/forgot", dependencies=[CSRF])
def forgot(request: Request, form: Annotated[ForgotForm, Form()], accounts: Accounts) -> Response:
    try:
        email = form.checked()
        accounts.forgot_password(email)
    except (ConsoleError, SignInFailed) as exc:
        return render(request, "password_forgot.html", status=exc.status, error=exc.code, email=form.email)
    return render(request, "password_reset.html", email=email, notice="code_sent")


@router.post("/reset", dependencies=[CSRF])
def reset(request: Request, form: Annotated[ResetForm, Form()], accounts: Accounts) -> Response:
    try:
        email, code, password = form.checked()
        accounts.reset_password(email, code, password)
    except (ConsoleError, SignInFailed) as exc:
        return render(request, "password_reset.html", status=exc.status, error=exc.code, email=form.email)
    return see_other(f"{BASE}/login?notice=password_reset")
