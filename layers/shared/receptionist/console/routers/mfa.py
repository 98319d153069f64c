"""The second factor's enrolment (GET/POST /console/mfa/setup): a QR code of a new TOTP secret
(and the secret to type), then a code from the app before it is active. A session that has not
passed a second factor reaches it (an account that must have one lands here after signing in and
can reach nothing else until it is done); so does any signed-in account, to set up a new phone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console import security
from receptionist.console.dependencies import CSRF, CurrentSession, SignedInSession, current_session
from receptionist.console.errors import ConsoleError
from receptionist.console.forms.account import CodeForm
from receptionist.console.routers.account import Accounts
from receptionist.console.services.account import grouped
from receptionist.console.services.sign_in import SignInFailed
from receptionist.console.web import BASE, language, render, see_other
from receptionist.console.words import words

router = APIRouter(prefix=f"{BASE}/mfa", dependencies=[Depends(current_session)])


def _enrol_page(
    request: Request, session: SignedInSession, qr: str, secret: str, *, status: int = 200, error: str = ""
) -> HTMLResponse:
    passed = session.mfa or not session.account.mfa_required
    response = render(
        request,
        "mfa_setup.html",
        status=status,
        account=session.account if passed else None,  # no header links before the second factor
        qr=qr,
        secret=grouped(secret) if secret else "",
        error=error,
        required=not passed,
    )
    response.headers["Cache-Control"] = "no-store"  # the secret is on this page
    return response


@router.get("/setup")
def mfa_setup_page(request: Request, session: CurrentSession, accounts: Accounts) -> Response:
    try:
        enrolment = accounts.enrolment(session.account, session.access_token)
    except SignInFailed as exc:
        return render(request, "error.html", status=exc.status, message=words(language(request))[exc.code])
    return _enrol_page(request, session, enrolment.qr, enrolment.secret)


@router.post("/setup", dependencies=[CSRF])
def mfa_setup(
    request: Request, session: CurrentSession, form: Annotated[CodeForm, Form()], accounts: Accounts
) -> Response:
    try:
        code = form.checked()
        accounts.enable_mfa(session.account, session.access_token, security.session_hash(session.session_id), code)
    except (ConsoleError, SignInFailed) as exc:
        # No new secret here: the one the app scanned stays the one Cognito checks until another
        # is asked for (the page's link), so a mistyped code is simply typed again.
        return _enrol_page(request, session, "", "", status=exc.status, error=exc.code)
    return see_other(f"{BASE}/operator" if session.account.is_operator else f"{BASE}/inbox")
