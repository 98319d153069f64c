"""What a console request can end in besides its page: the errors the app's exception handlers
(web.py) turn into a sentence on a page, a fragment's 401, a redirect to sign in, or JSON."""

from __future__ import annotations


class ConsoleError(Exception):
    """Something the staff member is told (`code` is the message's id in the console catalogue: console/words.py)."""

    status = 400

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class NotFound(ConsoleError):
    """Another business's row, or none: the same answer."""

    status = 404


class Forbidden(ConsoleError):
    status = 403


class Conflict(ConsoleError):
    """The state is not the one the page showed (a webhook secret's rotation, a run done twice)."""

    status = 409


class TooLarge(ConsoleError):
    status = 413


class Unavailable(ConsoleError):
    status = 503


class SignInNeeded(Exception):
    """No session, or no longer one (web.sign_in_needed answers)."""


class EnrolmentNeeded(SignInNeeded):
    """Signed in, but the account needs a second factor it has not set up: its enrolment page
    (web.sign_in_needed answers: pages go there, parts of pages and the API get the 401)."""

    location = "/console/mfa/setup"


class CsrfRefused(Exception):
    """A post whose token is not the HMAC of the CSRF cookie it came with (web.csrf_refused answers)."""
