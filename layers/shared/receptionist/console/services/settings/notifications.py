"""Who on the staff is told of an escalation, and with which template."""

from __future__ import annotations

from receptionist.console.forms.settings import NotificationsForm
from receptionist.console.services.settings.base import OwnerService
from receptionist.crm import organizations
from receptionist.crm.models import NotificationSettings
from receptionist.crm.settings.notifications import save_notifications


class NotificationsService(OwnerService):
    def current(self) -> NotificationSettings:
        return organizations.notification_settings(self.db, self.org)

    def save(self, form: NotificationsForm) -> None:
        wanted = form.settings()
        with self.db.transaction():
            save_notifications(self.db, self.org, wanted)
            details = {  # the numbers counted, never listed
                "staff_numbers": len(wanted.staff_numbers),
                "template_id": wanted.template_id,
                "template_params": wanted.template_params,
            }
            self._audit("notifications", self.org, details)
