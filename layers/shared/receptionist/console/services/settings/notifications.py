"""Who on the staff is told of an escalation, and with which template: one of the business's
templates that Gupshup lists as approved."""

from __future__ import annotations

from receptionist.console.forms.settings import NotificationsForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import organizations, templates
from receptionist.crm.models import MessageTemplate, NotificationSettings
from receptionist.crm.settings.errors import InvalidSetting
from receptionist.crm.settings.notifications import save_notifications


class NotificationsService(OwnerService):
    def current(self) -> NotificationSettings:
        return organizations.notification_settings(self.db, self.org)

    def templates(self) -> list[MessageTemplate]:
        """The business's templates: the page offers the usable ones and says what the others are."""
        return templates.list_templates(self.db, self.org)

    def save(self, form: NotificationsForm) -> None:
        wanted = form.settings()
        with self.db.transaction():
            if wanted.template_id is not None:
                chosen = templates.get_template(self.db, self.org, wanted.template_id)
                if chosen is None or not chosen.usable:
                    raise InvalidSetting("set_notification_template_not_approved")
            save_notifications(self.db, self.org, wanted)
            details = {  # the numbers counted, never listed
                "staff_numbers": len(wanted.staff_numbers),
                "template_id": wanted.template_id,
                "template_params": wanted.template_params,
            }
            self._audit("notifications", self.org, details)
