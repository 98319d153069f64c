"""An owner's form to block or erase a customer: what to do, why, until when (a block), and the
customer's number typed again."""

from __future__ import annotations

from datetime import date

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel
from receptionist.privacy.forget import customer_number
from receptionist.privacy.ports import ForgetRefused
from receptionist.privacy.stores import MODES, Mode


class ForgetForm(FormModel):
    mode: str = ""
    reason: str = ""  # required, audited, never naming the customer (the CRM checks that)
    until: str = ""  # a block's last day; empty: the business's period
    confirm: str = ""  # the customer's number, typed again

    def checked(self, number: str, today: date) -> tuple[Mode, date | None]:
        """The mode and a block's last day, when the form is filled as it must be for the
        customer `number`; else ConsoleError with the sentence's key (nothing removed)."""
        chosen: Mode | None = next((m for m in MODES if m == self.mode), None)
        if chosen is None:
            raise ConsoleError("privacy_mode")
        if not self.reason.strip():
            raise ConsoleError("privacy_reason_missing")
        keep_until = None
        if self.until.strip():
            try:
                keep_until = date.fromisoformat(self.until.strip())
            except ValueError as exc:
                raise ConsoleError("privacy_until_bad") from exc
            if chosen != "block" or keep_until <= today:
                raise ConsoleError("privacy_until_bad")
        try:
            matches = customer_number(self.confirm) == number
        except ForgetRefused:
            matches = False
        if not matches:
            raise ConsoleError("privacy_confirm_mismatch")
        return chosen, keep_until
