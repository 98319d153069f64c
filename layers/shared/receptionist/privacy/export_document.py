"""The customer export's document (GDPR Art. 15, access, and Art. 20, portability): `export.json`
in the archive, everything one business holds about one customer, in one structured,
machine-readable file.

These models are the format's single source of truth: the archive carries the JSON Schema they
generate (`export.schema.json`), and so does the repository (`docs/export.schema.json`, kept equal
by a test). Times are ISO 8601 in UTC. Staff are named only by their role ("staff"), never by
account: another person's data is not the customer's to receive (Art. 15(4))."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT: Final = "receptionist.customer-export"
VERSION: Final = 1

# Who made a change or wrote a message, as the export tells it (appointment_history.actor and
# chat_messages.sent_by hold the account; the customer gets the role).
Author = Literal["customer", "assistant", "staff", "operator"]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Business(_Part):
    """The business (the controller) whose records these are."""

    id: str
    name: str
    whatsapp_numbers: list[str] = Field(description="The business's own WhatsApp numbers.")


class Conversation(_Part):
    """The customer's WhatsApp conversation with the business (one per number and business)."""

    id: str = Field(description="The conversation's id (what the business's audit log names).")
    whatsapp_number: str
    display_name: str | None = Field(description="The name the customer's WhatsApp profile showed.")
    started_at: datetime
    last_message_at: datetime | None = Field(description="When the customer last wrote.")
    assistant_on: bool = Field(description="False while a person of the business handles the conversation.")
    opted_out: bool = Field(description="The customer asked to receive no messages.")
    opt_changed_at: datetime | None = Field(description="When the customer last opted out or back in.")
    language: str | None = Field(
        default=None,
        description="The language the business writes to the customer in (es, es_PE, en, pt_BR, ca);"
        " empty while not known (the business's own language applies).",
    )
    language_source: str | None = Field(
        default=None,
        description="Who set it: detected (from what the customer wrote) or staff (chosen by the business).",
    )
    language_set_at: datetime | None = Field(default=None, description="When the language was set.")


class Contact(_Part):
    """The customer's contact record (normally one: the one with their number)."""

    id: str
    name: str | None
    phone: str
    email: str | None
    created_at: datetime


class ConsentRecord(_Part):
    """One entry of the consent register's history: per purpose, what the customer's choice became,
    how it was given or withdrawn, and when."""

    purpose: str = Field(description="What it is for: service (replies), reminders or marketing.")
    state: str = Field(description="granted or withdrawn.")
    source: str = Field(
        description="How it was given or withdrawn: whatsapp (the customer wrote), written (BAJA, ALTA...),"
        " gupshup (WhatsApp's opt-out button), front_desk (recorded by staff) or import."
    )
    recorded_by: Author | None = Field(description="Who recorded it: the customer, or a role, never an account.")
    at: datetime


class AppointmentChange(_Part):
    """One line of an appointment's history."""

    action: str = Field(description="booked, confirmed, cancelled, rescheduled, completed or no_show.")
    at: datetime
    by: Author
    old_starts_at: datetime | None
    new_starts_at: datetime | None
    old_member: str | None = Field(description="Who was to see the customer before the change.")
    new_member: str | None


class Reminder(_Part):
    """A reminder of the appointment sent (or due) to the customer, and how they answered it."""

    due_at: datetime
    minutes_before: int
    status: str = Field(description="claimed, queued, sent, skipped or failed.")
    answer: str | None = Field(description="confirmed, cancelled, change or typed; null: no answer.")
    answered_at: datetime | None


class Appointment(_Part):
    id: str
    service: str
    member: str = Field(description="The staff member who sees the customer.")
    starts_at: datetime
    ends_at: datetime
    status: str = Field(description="pending, confirmed, cancelled, completed or no_show.")
    notes: str | None
    created_at: datetime
    updated_at: datetime
    history: list[AppointmentChange]
    reminders: list[Reminder]


class Recall(_Part):
    """An invitation to come back for a service (a recall), and how the customer answered it."""

    service: str
    due_on: date = Field(description="The day the service was due again, in the business's time zone.")
    status: str = Field(description="claimed, queued, sent, booked, declined, skipped or failed.")
    sent_at: datetime | None
    answer: str | None = Field(description="book (Reservar) or no (No, gracias); null: no answer.")
    answered_at: datetime | None


class WaitlistOffer(_Part):
    """A freed slot offered to the customer from the waiting list, and what became of it."""

    service: str
    member: str
    starts_at: datetime
    ends_at: datetime
    status: str = Field(
        description="claimed, queued, sent, accepted, lost (someone else took it first), declined, expired,"
        " skipped (not sent) or failed."
    )
    offered_at: datetime
    expires_at: datetime
    answered_at: datetime | None


class WaitlistEntry(_Part):
    """What the customer waited for on the business's waiting list."""

    id: str
    service: str
    member: str | None = Field(description="Null: anyone who does the service.")
    first_day: date
    last_day: date
    day_part: str = Field(description="any, morning (before 14:00), afternoon (14:00-18:00) or evening.")
    status: str = Field(description="waiting, booked, expired or withdrawn.")
    created_at: datetime
    updated_at: datetime
    offers: list[WaitlistOffer]


class Message(_Part):
    """One WhatsApp message, in or out."""

    id: str
    at: datetime
    direction: Literal["inbound", "outbound"] = Field(description="inbound: the customer wrote it.")
    author: Author
    kind: str = Field(description="text, audio, image, location, template... (WhatsApp's kinds).")
    text: str | None = Field(
        description="What the business read: the text, or a voice note's transcript or a photo's description."
    )
    status: str = Field(description="Delivery state of an outbound message (received for inbound ones).")
    received: dict[str, Any] | None = Field(
        description="An inbound message as WhatsApp delivered it (its links to media have expired: see media)."
    )
    media: str | None = Field(description="The file of this message's media in the archive (media/...).")


class Escalation(_Part):
    """A hand-over of the conversation to a person of the business."""

    id: str
    reason: str
    status: str = Field(description="open or resolved.")
    created_at: datetime
    resolved_at: datetime | None
    customer_message: str | None = Field(
        default=None, description="What the customer left for the team after the assistant offered to take a message."
    )
    message_at: datetime | None = None


class AssistantSummary(_Part):
    """The assistant's own summary of the older part of the conversation (its memory)."""

    text: str
    updated_at: datetime


class MediaFile(_Part):
    """A media file the customer sent (a voice note, a photo), as the business keeps it."""

    file: str = Field(description="Its path in the archive.")
    content_type: str | None
    bytes: int
    sha256: str = Field(description="Hex SHA-256 of the file's bytes.")
    stored_at: datetime
    message_id: str | None = Field(description="The message it came with (null: no message record names it).")


class CustomerExport(_Part):
    """Everything one business holds about one customer (identified by their WhatsApp number)."""

    format: Literal["receptionist.customer-export"] = FORMAT
    version: Literal[1] = VERSION
    exported_at: datetime
    business: Business
    conversation: Conversation | None = Field(description="Null: the customer never wrote on WhatsApp.")
    contacts: list[Contact]
    consent: list[ConsentRecord] = Field(description="The consent register's history, oldest first.")
    appointments: list[Appointment]
    messages: list[Message] = Field(description="Oldest first.")
    escalations: list[Escalation]
    assistant_summary: AssistantSummary | None
    media: list[MediaFile]
    recalls: list[Recall] = Field(default_factory=list, description="Invitations to come back, oldest first.")
    waitlist: list[WaitlistEntry] = Field(
        default_factory=list, description="The waiting-list entries, oldest first, each with the slots offered."
    )


def json_schema() -> dict[str, Any]:
    """The document's JSON Schema (draft 2020-12), as the archive and docs/export.schema.json carry it."""
    schema = CustomerExport.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{FORMAT}/{VERSION}", **schema}


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
