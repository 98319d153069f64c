"""The forms of signing in beyond the password: a new password (first sign-in, change, reset),
a TOTP code, a forgotten password's e-mail and its reset code. Each checks what it can before
Cognito is asked (the pool's policy stays the last word) and names the sentence of a refusal."""

from __future__ import annotations

import re

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel

MIN_PASSWORD = 12  # the pool's policy (template.yaml, StaffUserPool)
_CODE = re.compile(r"\d{6}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def new_password(password: str, confirm: str) -> str:
    """A new password as the pool's policy wants it: 12 characters or more, with a lower case and
    an upper case letter and a digit; typed twice alike."""
    if password != confirm:
        raise ConsoleError("password_mismatch")
    if not (
        MIN_PASSWORD <= len(password) <= 256
        and any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
    ):
        raise ConsoleError("password_policy")
    return password


def totp_code(code: str) -> str:
    """Six digits (spaces an app shows in the middle are dropped)."""
    digits = code.replace(" ", "").strip()
    if not _CODE.fullmatch(digits):
        raise ConsoleError("code_format")
    return digits


def email_address(email: str) -> str:
    address = email.strip().lower()
    if not _EMAIL.fullmatch(address) or len(address) > 254:
        raise ConsoleError("email_format")
    return address


class NewPasswordForm(FormModel):
    password: str = ""
    confirm: str = ""

    def checked(self) -> str:
        return new_password(self.password, self.confirm)


class ChangePasswordForm(FormModel):
    current: str = ""
    password: str = ""
    confirm: str = ""

    def checked(self) -> tuple[str, str]:
        if not self.current:
            raise ConsoleError("current_password_wrong")
        return self.current, new_password(self.password, self.confirm)


class CodeForm(FormModel):
    code: str = ""

    def checked(self) -> str:
        return totp_code(self.code)


class ForgotForm(FormModel):
    email: str = ""

    def checked(self) -> str:
        return email_address(self.email)


class ResetForm(FormModel):
    email: str = ""
    code: str = ""  # as e-mailed by Cognito (the pool decides; only its length is bounded here)
    password: str = ""
    confirm: str = ""

    def checked(self) -> tuple[str, str, str]:
        code = self.code.strip()
        if not 1 <= len(code) <= 64:
            raise ConsoleError("code_format")
        return email_address(self.email), code, new_password(self.password, self.confirm)
