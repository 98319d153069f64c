"""The front desk's consent form: one purpose, given or withdrawn."""

from __future__ import annotations

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel
from receptionist.crm.consent import PURPOSES, STATES, Purpose, State


class ConsentForm(FormModel):
    purpose: str = ""
    state: str = ""

    def choice(self) -> tuple[Purpose, State]:
        purpose = next((p for p in PURPOSES if p == self.purpose), None)
        state = next((s for s in STATES if s == self.state), None)
        if purpose is None or state is None:
            raise ConsoleError("consent_bad_choice")
        return purpose, state
