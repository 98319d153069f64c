"""What Cognito would have e-mailed a staff member, locally: moto keeps an invitation's temporary
password and a reset code on its user, and its server (devstack.moto_server) answers them at
`GET /_devstack/cognito/mail?email=`. The tests, the browser test and a person trying the console
read their "mail" here."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any


def cognito_mail(moto_url: str, email: str) -> dict[str, Any]:
    """{"temporary_password": ... or None, "reset_code": ... or None} for `email`."""
    url = f"{moto_url.rstrip('/')}/_devstack/cognito/mail?{urllib.parse.urlencode({'email': email})}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        found: dict[str, Any] = json.loads(answer.read())
    return found
