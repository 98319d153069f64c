"""Database round trips, AWS calls and model calls per processor turn.

The processor's TurnService runs in process on moto (the template's tables and queues) and
embedded PostgreSQL (demo seed), with the real agent against a local OpenAI-protocol server.
A turn is all the tickets of its messages, handed over in order as the inbound FIFO queue
would deliver them after the debounce window (a burst of 3 = 3 tickets, 2 skipped + 1 turn).
Round trips come from the Database's own counter; AWS calls from botocore's before-call event
on the adapters' clients and the checkpointer's clients; Gupshup's read receipt / "typing…" calls
(against the local Gupshup server) from the processor's counters, and what they cost the turn's
own thread (the rest runs in the background) from the indicator.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.env import BenchEnv, ProcessorRig, TurnCost, breakdown, echo_reply
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import new_customer


@dataclass(frozen=True)
class TurnRow:
    scenario: str
    cost: TurnCost

    @property
    def aws_detail(self) -> str:
        return breakdown(self.cost.aws)


def _booking(openai: FakeOpenAI) -> None:
    """The model books in one turn: availability, the customer's contact, the booking, then text."""
    openai.call("check_availability", service="limpieza", day="2031-03-04", member="Ruiz")
    openai.call("resolve_contact", name="Lucía Pérez", email="lucia@example.com")
    openai.call("book_appointment", service="limpieza", start="2031-03-04 10:00", member="Ruiz")
    openai.say("¡Listo, Lucía! Limpieza el martes 4 a las 10:00 con el Dr. Ruiz.")


def measure(env: BenchEnv, *, include_cold: bool = True) -> list[TurnRow]:
    rows: list[TurnRow] = []
    with FakeOpenAI(responder=echo_reply) as openai, FakeGupshup(app_token=env.app_token) as gupshup:
        rig = ProcessorRig(env, openai, GUPSHUP_PARTNER_API_URL=gupshup.url)
        try:
            first = rig.turn(new_customer(), "Hola")  # a fresh container: connects, first checkpoint reads
            if include_cold:
                rows.append(TurnRow("first turn of a fresh container (1 message, text reply)", first))
            rows.append(
                TurnRow("1 text message, text reply (no tools)", rig.turn(new_customer(), "Hola, ¿abrís el sábado?"))
            )
            rows.append(
                TurnRow(
                    "3-message burst, text reply (no tools)",
                    rig.turn(new_customer(), "Hola", "quería pedir cita", "para una limpieza"),
                )
            )
            customer = new_customer()
            rows.append(TurnRow("1 text message, 2nd turn of the conversation", _second(rig, customer)))
            _booking(openai)
            rows.append(
                TurnRow(
                    "booking turn (3 tool rounds: availability, contact, book)",
                    rig.turn(customer, "Limpieza mañana a las 10 con el Dr. Ruiz, soy Lucía Pérez, lucia@example.com"),
                )
            )
            rig.jobs()
        finally:
            rig.close()
    return rows


def _second(rig: ProcessorRig, customer: str) -> TurnCost:
    rig.turn(customer, "Hola")
    return rig.turn(customer, "¿Tenéis hueco esta semana?")
