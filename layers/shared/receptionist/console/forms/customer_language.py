"""Staff choosing a customer's language: one of the locales the project speaks, or "" to give the
choice back to detection (the business's language until the customer writes enough)."""

from __future__ import annotations

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel
from receptionist.i18n.locales import LOCALES, Locale


class CustomerLanguageForm(FormModel):
    language: str = ""

    def choice(self) -> Locale | None:
        """The chosen locale; None: back to detection."""
        if not self.language:
            return None
        chosen = next((locale for locale in LOCALES if locale == self.language), None)
        if chosen is None:
            raise ConsoleError("language_bad_choice")
        return chosen
