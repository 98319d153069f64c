"""The sign-in form."""

from __future__ import annotations

from receptionist.console.forms import FormModel


class SignInForm(FormModel):
    email: str
    password: str
