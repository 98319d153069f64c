"""The operator's onboarding form: a new business and its owner, checked as ops.onboard checks
them (`ops.onboard.checked`). The Gupshup key is never a field: its SSM parameter is always
`<stage's Gupshup keys prefix><app name>`."""

from __future__ import annotations

from receptionist.console.forms import FormModel, ticked
from receptionist.crm.settings.businesses import NewBusiness
from receptionist.ops.onboard import checked


class OnboardingForm(FormModel):
    name: str = ""
    app_name: str = ""
    business_number: str = ""
    timezone: str = ""
    language: str = ""
    owner_email: str = ""
    staff_number: str = ""
    emergency_number: str = ""  # empty: the time zone's default
    health: str = ""  # a checkbox: the business handles health data (its staff need a second factor)

    def typed(self) -> dict[str, str]:
        """What was typed, trimmed (the form again, after a refusal)."""
        return {name: str(value).strip() for name, value in self.model_dump().items()}

    def business(self, keys_prefix: str | None) -> NewBusiness:
        """The business, checked (ops.onboard.InvalidBusiness names the field that does not fit)."""
        values = self.typed()
        return checked(
            name=values["name"],
            app_name=values["app_name"],
            business_number=values["business_number"],
            api_key_ref=f"{keys_prefix or ''}{values['app_name']}",
            keys_prefix=keys_prefix,
            timezone=values["timezone"],
            language=values["language"],
            owner_email=values["owner_email"],
            staff_numbers=[values["staff_number"]] if values["staff_number"] else [],
            emergency_number=values["emergency_number"] or None,
            health=ticked(values["health"]),
        )
