"""A staff member's authenticator app, locally and in the tests: pyotp's TOTP (RFC 6238: SHA-1, 6
digits, 30 s, what Cognito's software tokens are) over the secret the console's enrolment page
shows."""

from __future__ import annotations

import time
from typing import ClassVar

import pyotp


class _Totp(pyotp.TOTP):
    # moto's Cognito hands every account the same 12-character secret (56 bits); Cognito's own are
    # 32 characters (160 bits). pyotp refuses secrets under 112 bits by default; an app does not.
    min_secret_length_bits: ClassVar[int] = 0


def code(secret: str, *, margin: float = 2.0) -> str:
    """The app's current code for `secret` (as the page shows it: spaces allowed). Within `margin`
    seconds of the code's end, the next period's (waited for): Cognito checks codes as they
    arrive, and one computed at 29.9 s would reach it stale."""
    totp = _Totp(secret.replace(" ", "").upper())
    left = totp.interval - time.time() % totp.interval
    if left < margin:
        time.sleep(left + 0.05)  # until the next period starts: the code's own clock, not a guess
    return totp.now()
