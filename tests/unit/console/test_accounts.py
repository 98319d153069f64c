"""The pure parts of staff accounts (issue 27): the forms of passwords, codes and the team with
the sentence of each refusal, the sealed cookie of a sign-in waiting for a challenge's answer,
the session id's hash, the otpauth URI and its QR code, and the words in both languages."""

from __future__ import annotations

import re
import urllib.parse

import pyotp
import pytest

from receptionist.console import security
from receptionist.console.errors import ConsoleError
from receptionist.console.forms.account import ChangePasswordForm, CodeForm, ForgotForm, NewPasswordForm, ResetForm
from receptionist.console.forms.team import InviteForm, RoleForm, StaffMfaForm
from receptionist.console.services.account import grouped, otpauth_uri, qr_data_uri
from receptionist.console.words import known_ids, words

GOOD = "Buena-Clave-2026"


@pytest.mark.parametrize(
    ("password", "confirm", "refusal"),
    [
        (GOOD, GOOD + "x", "password_mismatch"),
        ("Corta-1", "Corta-1", "password_policy"),  # under 12
        ("sin-mayusculas-2026", "sin-mayusculas-2026", "password_policy"),
        ("SIN-MINUSCULAS-2026", "SIN-MINUSCULAS-2026", "password_policy"),
        ("Sin-Numeros-Nunca", "Sin-Numeros-Nunca", "password_policy"),
    ],
)
def test_a_new_password_the_pool_would_refuse_is_a_sentence(password: str, confirm: str, refusal: str) -> None:
    with pytest.raises(ConsoleError) as refused:
        NewPasswordForm(password=password, confirm=confirm).checked()
    assert refused.value.code == refusal
    assert words("es")[refusal] and words("en")[refusal]


def test_good_passwords_and_codes_pass_as_typed() -> None:
    assert NewPasswordForm(password=GOOD, confirm=GOOD).checked() == GOOD
    assert ChangePasswordForm(current="vieja", password=GOOD, confirm=GOOD).checked() == ("vieja", GOOD)
    assert CodeForm(code=" 123 456 ").checked() == "123456"
    assert ForgotForm(email=" Ana@Clinica.Example ").checked() == "ana@clinica.example"
    assert ResetForm(email="a@b.es", code=" 654321 ", password=GOOD, confirm=GOOD).checked() == (
        "a@b.es",
        "654321",
        GOOD,
    )


@pytest.mark.parametrize(
    ("form", "refusal"),
    [
        (CodeForm(code="12345"), "code_format"),
        (CodeForm(code="12a456"), "code_format"),
        (ForgotForm(email="ana"), "email_format"),
        (ResetForm(email="a@b.es", code="", password=GOOD, confirm=GOOD), "code_format"),
        (ChangePasswordForm(current="", password=GOOD, confirm=GOOD), "current_password_wrong"),
        (InviteForm(email="no-es-correo", role="staff"), "email_format"),
        (InviteForm(email="a@b.es", role="admin"), "team_bad_role"),
        (RoleForm(role="operator"), "team_bad_role"),  # an owner never makes an operator
    ],
)
def test_each_form_names_the_sentence_of_its_refusal(form: object, refusal: str) -> None:
    with pytest.raises(ConsoleError) as refused:
        form.checked()  # type: ignore[attr-defined]
    assert refused.value.code == refusal


def test_the_team_forms() -> None:
    assert InviteForm(email=" Nuevo@Example.COM", role="owner").checked() == ("nuevo@example.com", "owner")
    assert RoleForm(role="staff").checked() == "staff"
    assert StaffMfaForm(required="on").checked() is True and StaffMfaForm().checked() is False


def test_a_sealed_challenge_is_read_back_only_unforged_and_in_time() -> None:
    sealed = security.seal("secret", {"c": "SOFTWARE_TOKEN_MFA", "s": "cognito-session", "e": "a@b.es"}, 1000.0)
    assert security.unseal("secret", sealed, 1000.0 + security.PENDING_SECONDS - 1) == {
        "c": "SOFTWARE_TOKEN_MFA",
        "s": "cognito-session",
        "e": "a@b.es",
        "exp": 1000 + security.PENDING_SECONDS,
    }
    assert security.unseal("secret", sealed, 1000.0 + security.PENDING_SECONDS) is None  # expired
    assert security.unseal("another secret", sealed, 1000.0) is None
    body, mac = sealed.rsplit(".", 1)
    forged = security.seal("guess", {"c": "SOFTWARE_TOKEN_MFA", "s": "other", "e": "a@b.es"}, 1000.0).split(".")[0]
    assert security.unseal("secret", f"{forged}.{mac}", 1000.0) is None
    assert security.unseal("secret", None, 1000.0) is None and security.unseal("secret", "junk", 1000.0) is None
    assert "password" not in urllib.parse.unquote(body)


def test_the_database_keeps_a_hash_of_the_session_id_never_the_id() -> None:
    one, other = security.new_session_id(), security.new_session_id()
    assert one != other and len(one) >= 43
    assert re.fullmatch(r"[0-9a-f]{64}", security.session_hash(one)) and one not in security.session_hash(one)


def test_the_otpauth_uri_is_what_authenticator_apps_read() -> None:
    uri = otpauth_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "ana@clinica.example", "Clínica Sonrisa")
    parsed = pyotp.parse_uri(uri)
    assert isinstance(parsed, pyotp.TOTP)
    assert parsed.secret == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert parsed.name == "Recepcionista Clínica Sonrisa:ana@clinica.example"  # issuer:account, the label
    assert "%20" in uri and "+" not in uri
    assert parsed.issuer == "Recepcionista Clínica Sonrisa" and parsed.digits == 6 and parsed.interval == 30
    assert grouped("JBSWY3DPEHPK3PXP") == "JBSW Y3DP EHPK 3PXP"


def test_the_qr_code_is_an_svg_image() -> None:
    uri = qr_data_uri("otpauth://totp/x?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert uri.startswith("data:image/svg+xml")
    assert urllib.parse.unquote(uri.split(",", 1)[1]).startswith("<svg xmlns=")


def test_every_account_word_is_in_both_languages() -> None:
    account = {k for k in known_ids() if k.startswith(("team_", "mfa_", "password_", "code_"))}
    assert account and all(words("es")[k] != words("en")[k] for k in account)
