"""The CRM as a delivery uses it: the notifier's NotifierStore port (notifier/ports.py) on
receptionist.crm (Postgres, psycopg 3)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Final, Literal

from receptionist.crm import chats, handoff, organizations, recalls, reminders, staff_sends, waitlist_offers
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity, NotificationSettings, Organization, ReminderTiming, VoidReason

# How an offer's row is marked, by the table its offer_ref names ("waitlist:<id>" -> waitlist_offers).
OfferMarker = Callable[[Database, str, str, Literal["sent", "failed"], str | None], bool]
OFFER_MARKERS: Final[dict[str, OfferMarker]] = {"waitlist": waitlist_offers.mark_offer, "recall": recalls.mark_offer}


class DeliveryCrm:
    def __init__(self, db: Database) -> None:
        self.db = db

    def organization(self, app_name: str) -> Organization | None:
        return organizations.resolve_by_app(self.db, app_name)

    def organization_by_id(self, organization_id: str) -> Organization | None:
        return organizations.resolve_by_id(self.db, organization_id)

    def acting_for(self, organization_id: str) -> AbstractContextManager[None]:
        return self.db.acting_for(organization_id)

    def identity(self, organization_id: str, customer_number: str) -> ChatIdentity | None:
        return chats.find_identity(self.db, organization_id, customer_number)

    def notification_settings(self, organization_id: str) -> NotificationSettings:
        return organizations.notification_settings(self.db, organization_id)

    def assignee_number(self, organization_id: str, identity_id: str) -> str | None:
        return handoff.assignee_whatsapp(self.db, organization_id, identity_id)

    def record_part(
        self,
        organization_id: str,
        identity_id: str,
        *,
        text: str,
        turn_id: str,
        part_index: int,
        kind: str = "text",
        sent_by: str | None = None,
        template_id: str | None = None,
    ) -> str:
        return chats.record_outbound(
            self.db,
            organization_id,
            identity_id,
            text=text,
            turn_id=turn_id,
            part_index=part_index,
            kind=kind,
            sent_by=sent_by,
            template_id=template_id,
        )

    def mark_sent(self, organization_id: str, message_id: str, provider_message_id: str) -> None:
        chats.mark_sent(self.db, organization_id, message_id, provider_message_id)

    def mark_undeliverable(self, organization_id: str, message_id: str, reason: str) -> None:
        chats.mark_undeliverable(self.db, organization_id, message_id, reason)

    def record_status(self, organization_id: str, provider_message_id: str, state: str, error: str | None) -> bool:
        return chats.record_status(self.db, organization_id, provider_message_id, state, error)

    def reminder_timing(self, organization_id: str, reminder_id: str) -> ReminderTiming | None:
        return reminders.reminder_timing(self.db, organization_id, reminder_id)

    def mark_reminder(
        self,
        organization_id: str,
        reminder_id: str,
        status: Literal["sent", "skipped"],
        reason: VoidReason | None = None,
    ) -> None:
        reminders.mark_reminder(self.db, organization_id, reminder_id, status, reason)

    def mark_offer(
        self, organization_id: str, offer_ref: str, status: Literal["sent", "failed"], reason: str | None = None
    ) -> None:
        kind, _, offer_id = offer_ref.partition(":")
        marker = OFFER_MARKERS.get(kind)
        if marker is not None:
            marker(self.db, organization_id, offer_id, status, reason)

    def offer_of_message(self, organization_id: str, provider_message_id: str) -> str | None:
        row = self.db.fetch_one(
            "select turn_id from chat_messages where organization_id = %s and direction = 'outbound'"
            " and (provider_message_id = %s or whatsapp_message_id = %s) and turn_id like 'offer#%%'"
            " order by created_at limit 1",
            (organization_id, provider_message_id, provider_message_id),
        )
        return str(row["turn_id"]).removeprefix("offer#") if row else None

    def record_staff_send(self, organization_id: str, key: str, *, template_id: str, number: str, at: datetime) -> bool:
        return staff_sends.record_staff_send(
            self.db, organization_id, key, template_id=template_id, number=number, at=at
        )
