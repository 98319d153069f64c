"""A staff member's own account (signed in, the second factor passed where needed; an operator's
too): GET /console/account (the password, the TOTP app set up again) and POST
/console/account/password (the current password and the new one twice)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, AnyAccount, CurrentSession, Parts, signed_in_account
from receptionist.console.errors import ConsoleError
from receptionist.console.forms.account import ChangePasswordForm
from receptionist.console.services.account import AccountService
from receptionist.console.services.sign_in import SignInFailed
from receptionist.console.web import BASE, render, see_other

router = APIRouter(prefix=f"{BASE}/account", dependencies=[Depends(signed_in_account)])


def accounts(parts: Parts) -> AccountService:
    return AccountService(parts.db, parts.cognito)


Accounts = Annotated[AccountService, Depends(accounts)]


@router.get("")
def account_page(request: Request, account: AnyAccount, notice: str = "") -> HTMLResponse:
    return render(request, "account.html", account=account, notice=notice if notice == "saved" else "")


@router.post("/password", dependencies=[CSRF])
def change_password(
    request: Request,
    account: AnyAccount,
    session: CurrentSession,
    form: Annotated[ChangePasswordForm, Form()],
    accounts: Accounts,
) -> Response:
    try:
        current, new = form.checked()
        accounts.change_password(account, session.access_token, current, new)
    except (ConsoleError, SignInFailed) as exc:
        return render(request, "account.html", status=exc.status, account=account, error=exc.code)
    return see_other(f"{BASE}/account?notice=saved")
