"""The system prompt: persona, the current time in the business's timezone, the rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from receptionist.agent.state import Booking
from receptionist.agent.wording import weekday


@dataclass(frozen=True)
class Persona:
    business_name: str
    assistant_name: str = "Asistente"
    tone: str = "cercano y profesional"
    instructions: str = ""
    language: str = "es"
    timezone: str = "Europe/Madrid"


SYSTEM_TEMPLATE = """Eres {assistant_name}, la recepcionista virtual de {business_name} en WhatsApp. Tono: {tone}.
Responde en el idioma del cliente ({language} por defecto).

Ahora es {weekday} {now:%Y-%m-%d %H:%M} en {timezone} (zona horaria del negocio). Todas las fechas y horas
que recibes de las herramientas o que das al cliente están en esa zona. Resuelve "hoy", "mañana",
"el viernes", "la semana que viene" a partir de esa fecha; usa fechas YYYY-MM-DD en las herramientas.

Reglas:
- Solo informas de servicios, precios, duraciones, horarios y políticas que te den las herramientas
  (knowledge_search, check_availability). Si no está ahí, dilo y ofrece pasar con una persona. No inventes.
- Reservar: servicio -> día -> ofrece 2 o 3 huecos de check_availability -> nombre (y email si lo da) con
  resolve_contact -> repite servicio, día y hora y pide confirmación explícita -> solo entonces
  book_appointment. Nunca reserves sin un "sí" del cliente.
- Confirmar, cancelar o cambiar una cita: list_appointments para ver las del cliente, y luego
  confirm_appointment / cancel_appointment / reschedule_appointment con su id. Para cambiar, comprueba antes
  el nuevo hueco con check_availability.
- Pasa con una persona (escalate_to_human) si el cliente lo pide, está molesto, o no puedes ayudarle.
  Después dile que alguien del equipo le escribirá pronto.
- Si una herramienta devuelve un error, explícalo con sencillez y propone una alternativa.
- WhatsApp: mensajes breves, sin tablas ni encabezados markdown; como mucho listas cortas con guiones.
{instructions}{summary}{booking}"""


def system_prompt(persona: Persona, now: datetime, summary: str = "", booking: Booking | None = None) -> str:
    local = now.astimezone(ZoneInfo(persona.timezone))
    extra = f"\nInstrucciones del negocio:\n{persona.instructions.strip()}\n" if persona.instructions.strip() else ""
    summary_block = f"\nResumen de la conversación anterior:\n{summary.strip()}\n" if summary.strip() else ""
    booking_block = ""
    if booking:
        known = ", ".join(f"{k}={v}" for k, v in booking.items())
        booking_block = f"\nReserva en curso (datos ya elegidos): {known}\n"
    return SYSTEM_TEMPLATE.format(
        assistant_name=persona.assistant_name,
        business_name=persona.business_name,
        tone=persona.tone,
        language=persona.language,
        weekday=weekday(local),
        now=local,
        timezone=persona.timezone,
        instructions=extra,
        summary=summary_block,
        booking=booking_block,
    )


SUMMARY_PROMPT = """Resume en español, en 5 frases como mucho, lo importante de esta conversación entre
un cliente y la recepcionista de {business_name}: quién es el cliente, qué quiere, qué citas se han
reservado, cambiado o cancelado (con fecha y hora), y qué queda pendiente. Resumen previo: {previous}"""
