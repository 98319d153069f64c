"""A tapped option, in Gupshup's documented inbound shape, as the agent reads it: one of the
assistant's choices states the chosen item in full (ids included); a reminder's button and an
unknown postback read as their title, as before."""

from __future__ import annotations

import json
from typing import Any

import pytest

from receptionist.deadline import Deadline
from receptionist.gupshup.inbound import MessageCallback, parse_callback
from receptionist.processor.media import MediaReader
from receptionist.turns import BufferedMessage

SERVICE_ID = "00000000-0000-4000-8001-000000000001"
MEMBER_ID = "00000000-0000-4000-8002-000000000002"
APPOINTMENT_ID = "7d0c1c52-52a4-4a0e-9d0f-0b8a4f0c0001"
SLOT = f"slot|{SERVICE_ID}|{MEMBER_ID}|2031-03-04 10:00"


class NoMedia:
    """A tapped option needs no download or Gemini: any call is a bug."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"media port {name} called for a tapped option")


def _callback(kind: str, content: dict[str, Any]) -> dict[str, Any]:
    """Gupshup's v2 inbound message callback (docs: 'Inbound message - list / quick reply')."""
    return {
        "app": "ClinicaSonrisa",
        "timestamp": 1_900_000_000_000,
        "version": 2,
        "type": "message",
        "payload": {
            "id": "ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c",
            "source": "34600123456",
            "type": kind,
            "payload": content,
            "sender": {"phone": "34600123456", "name": "Lucía", "country_code": "34", "dial_code": "600123456"},
        },
    }


def _read(kind: str, content: dict[str, Any]) -> str:
    """Parsed and stored as the webhook does, then read as the processor does."""
    callback = parse_callback(json.dumps(_callback(kind, content)))
    assert isinstance(callback, MessageCallback)
    stored = json.loads(callback.message.model_dump_json(exclude_none=True))
    message = BufferedMessage("m#1", callback.message.id, kind, stored, 1)
    processed = MediaReader(NoMedia()).read("ClinicaSonrisa#34600123456", message, Deadline.never())  # type: ignore[arg-type]
    assert processed.kind == kind and not processed.failed
    return processed.text


def test_a_list_reply_with_a_slot_states_the_slot_in_full() -> None:
    text = _read(
        "list_reply",
        {
            "title": "mar 04/03 10:00 Ruiz",
            "id": "1",
            "reply": "mar 04/03 10:00 Ruiz 1",
            "postbackText": SLOT,
            "description": "Limpieza dental con Dr. Andrés Ruiz, 45 EUR",
        },
    )
    assert text == (
        "[El cliente eligió el hueco: martes 04/03 a las 10:00 (Limpieza dental con Dr. Andrés Ruiz, 45 EUR)"
        f" — servicio id {SERVICE_ID}, profesional id {MEMBER_ID}, inicio 2031-03-04 10:00]"
    )


def test_a_reply_button_with_a_slot_reads_the_same_without_a_description() -> None:
    text = _read("quick_reply", {"title": "mar 04/03 10:00 Ana", "id": "2", "reply": "x", "postbackText": SLOT})
    assert text == (
        "[El cliente eligió el hueco: martes 04/03 a las 10:00 (mar 04/03 10:00 Ana)"
        f" — servicio id {SERVICE_ID}, profesional id {MEMBER_ID}, inicio 2031-03-04 10:00]"
    )


def test_an_appointment_and_a_service_are_stated_with_their_ids() -> None:
    appointment = _read(
        "list_reply",
        {"title": "mar 04/03 10:00 Limpieza", "postbackText": f"appt|{APPOINTMENT_ID}", "description": "con Ana"},
    )
    assert appointment == f"[El cliente eligió la cita: mar 04/03 10:00 Limpieza, con Ana — cita id {APPOINTMENT_ID}]"
    service = _read("list_reply", {"title": "Limpieza dental", "postbackText": f"service|{SERVICE_ID}"})
    assert service == f"[El cliente eligió el servicio: Limpieza dental — servicio id {SERVICE_ID}]"


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        # a reminder's template button: its text, as today (another part acts on the postback)
        ("quick_reply", {"text": "Confirmar", "type": "button", "postbackText": "reminder:0a1b:confirm"}, "Confirmar"),
        ("button_reply", {"title": "Cancelar", "id": "reminder:0a1b:cancel", "reply": "Cancelar 2"}, "Cancelar"),
        ("list_reply", {"title": "Otro", "postbackText": "book:service-7", "description": "45 min"}, "Otro"),
        ("list_reply", {"postbackText": "book:service-7"}, "book:service-7"),
        ("quick_reply", {}, "[Respuesta a un botón sin texto]"),
    ],
)
def test_other_taps_read_as_before(kind: str, content: dict[str, Any], expected: str) -> None:
    assert _read(kind, content) == expected
