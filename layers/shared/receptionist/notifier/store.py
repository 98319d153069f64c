"""The notifier's CRM adapter: the NotifierStore port on receptionist.crm (Postgres, psycopg 3).

Mostly the crm package's own functions; `first_part` is the one statement the crm package does
not have (shortening a recorded reply to its first part when the text is split)."""

from __future__ import annotations

from receptionist.crm import conversations, organizations
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity, NotificationSettings, Organization


class CrmStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def organization(self, app_name: str) -> Organization | None:
        return organizations.resolve_by_app(self.db, app_name)

    def identity(self, organization_id: str, customer_number: str) -> ChatIdentity | None:
        return conversations.find_identity(self.db, organization_id, customer_number)

    def bot_off(self, organization_id: str, customer_number: str) -> ChatIdentity:
        identity = conversations.touch_identity(self.db, organization_id, customer_number, None, None)
        if identity.bot_enabled:
            conversations.set_bot_enabled(self.db, organization_id, identity.id, False)
        return identity

    def notification_settings(self, organization_id: str) -> NotificationSettings:
        return organizations.notification_settings(self.db, organization_id)

    def first_part(self, organization_id: str, message_id: str, text: str) -> tuple[int, str | None] | None:
        row = self.db.fetch_one(
            """
            update chat_messages set processed_text = %s, updated_at = now()
            where organization_id = %s and id = %s and direction = 'outbound'
            returning part_index, turn_id
            """,
            (text, organization_id, message_id),
        )
        return (int(row["part_index"]), row["turn_id"]) if row else None

    def record_part(self, organization_id: str, identity_id: str, *, text: str, turn_id: str, part_index: int) -> str:
        return conversations.record_outbound(
            self.db, organization_id, identity_id, text=text, turn_id=turn_id, part_index=part_index
        )

    def mark_sent(self, organization_id: str, message_id: str, provider_message_id: str) -> None:
        conversations.mark_sent(self.db, organization_id, message_id, provider_message_id)

    def mark_undeliverable(self, organization_id: str, message_id: str, reason: str) -> None:
        conversations.mark_undeliverable(self.db, organization_id, message_id, reason)

    def record_status(self, organization_id: str, provider_message_id: str, state: str, error: str | None) -> bool:
        return conversations.record_status(self.db, organization_id, provider_message_id, state, error)
