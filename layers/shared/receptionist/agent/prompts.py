"""The system prompt: a static part per business (persona, rules, catalogue), then the turn's
time, summary and booking in progress."""

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
    emergency_number: str | None = None  # None: "the local emergency number", without one


# The static part: the same bytes for every turn of every customer of a business (persona,
# rules, the business's instructions and catalogue), so the model provider's prompt cache keeps
# it. What changes per turn (the time, the summary, the booking in progress) comes after it.
STATIC_TEMPLATE = """Eres {assistant_name}, la recepcionista virtual de {business_name} en WhatsApp. Tono: {tone}.
Responde en el idioma del cliente ({language} por defecto).
Todas las fechas y horas que recibes de las herramientas o que das al cliente están en la zona horaria del
negocio ({timezone}); usa fechas YYYY-MM-DD en las herramientas.

Reglas:
- {knowledge_rule}
- Reservar: servicio -> día -> ofrece 2 o 3 huecos de check_availability -> nombre (y email si lo da) con
  resolve_contact -> repite servicio, día y hora y pide confirmación explícita -> solo entonces
  book_appointment. Nunca reserves sin un "sí" del cliente. Si un email no es válido, pídelo de nuevo o sigue
  sin él.
- "[El cliente eligió …]" es un toque en una opción que le ofreciste (lista o botón): usa exactamente sus ids
  y su hora. Elegir un hueco así vale como su "sí" a ese hueco (si aún no tienes su nombre, pídelo antes).
  Los corchetes solo los pone el sistema, nunca el cliente.
- Si un hueco ya no está libre, consulta de nuevo check_availability y ofrece otros.
- Si ningún hueco le encaja (no hay, o ninguno en los días o la parte del día que quiere), ofrécele la lista
  de espera. Si acepta: su nombre con resolve_contact y join_waitlist con el servicio, los días que le valen y
  la parte del día (y el profesional solo si lo pide). Dile que si se libera un hueco se le ofrecerá por aquí
  con un botón y que el primero que acepta se lo queda. Si ya no quiere esperar, leave_waitlist.
- Si un servicio no se reserva por WhatsApp, dilo y ofrece pasar con una persona.
- Si book_appointment responde noshow_policy, el negocio no deja que reserves tú para este cliente: no lo
  intentes de nuevo ni ofrezcas huecos; díselo con amabilidad, como indica el resultado, y ofrece pasar con una
  persona (escalate_to_human con el motivo que indica). Confirmar, cancelar o cambiar sus citas sí puedes.
- Confirmar, cancelar o cambiar una cita: list_appointments para ver las del cliente, y luego
  confirm_appointment / cancel_appointment / reschedule_appointment con su id. Para cambiar, comprueba antes
  el nuevo hueco con check_availability.
- Pasa con una persona (escalate_to_human) si el cliente lo pide, está molesto, o no puedes ayudarle.
  Después dile que alguien del equipo le escribirá por este chat. Fuera de horario el resultado lo dice y el
  sistema añade al final de tu respuesta cuándo responderán: entonces no digas "pronto" ni des ninguna hora.
- Solo atiendes servicios, citas e información del negocio. A lo demás (poemas, deberes, código, política,
  cultura general...) di en una frase que no puedes ayudar con eso, sin hacerlo ni pasar con una persona.
- Nunca des consejo médico ni de otro profesional, diagnósticos ni qué tomar; ofrece una cita o una persona.
- Si suena a urgencia (dolor fuerte con hinchazón o fiebre, no poder respirar, sangrado abundante, dolor en el
  pecho, un accidente), di que llame ya al {emergency} y usa escalate_to_human.
- Si una herramienta devuelve un error, explícalo con sencillez y propone una alternativa (intentarlo más
  tarde, otro hueco o pasar con una persona).
- WhatsApp: mensajes breves, sin tablas ni encabezados markdown; como mucho listas cortas con guiones.
{instructions}{catalogue}"""

KNOWLEDGE_FROM_CATALOGUE = (
    "Solo informas de servicios, precios, duraciones, horarios y políticas del catálogo de abajo (está completo)"
    " y de check_availability. Si algo no está ahí, dilo y ofrece pasar con una persona. No inventes."
)
KNOWLEDGE_FROM_SEARCH = (
    "Solo informas de servicios, precios, duraciones, horarios y políticas que te den las herramientas"
    " (knowledge_search, check_availability). Si no encuentran nada, dilo y ofrece pasar con una persona."
    " No inventes."
)

DYNAMIC_TEMPLATE = """
Ahora es {weekday} {now:%Y-%m-%d %H:%M} en {timezone}. Resuelve "hoy", "mañana", "el viernes", "la semana que
viene" a partir de esa fecha.
{language}{summary}{booking}"""

# The customer's language as stored (receptionist/i18n/detection.py, or staff's choice): in the
# turn's part, never in the cached prefix. It keeps the model in their language when a message
# tells nothing ("ok", "10:30") and matches the code's own sentences in the same reply.
LANGUAGE_NAMES = {
    "es": "español",
    "es_PE": "español de Perú",
    "en": "inglés",
    "pt_BR": "portugués de Brasil",
    "ca": "catalán",
}
LANGUAGE_LINE = "El cliente habla {name}: respóndele en {name} salvo que te escriba en otro idioma.\n"


def static_prompt(persona: Persona, catalogue: str | None = None) -> str:
    """The cacheable prefix: depends only on the business."""
    instructions = persona.instructions.strip()
    return STATIC_TEMPLATE.format(
        assistant_name=persona.assistant_name,
        business_name=persona.business_name,
        tone=persona.tone,
        language=persona.language,
        timezone=persona.timezone,
        emergency=persona.emergency_number or "número de emergencias local",
        knowledge_rule=KNOWLEDGE_FROM_CATALOGUE if catalogue else KNOWLEDGE_FROM_SEARCH,
        instructions=f"\nInstrucciones del negocio:\n{instructions}\n" if instructions else "",
        catalogue=f"\nCatálogo de {persona.business_name} (completo):\n{catalogue}\n" if catalogue else "",
    )


def turn_context(
    persona: Persona,
    now: datetime,
    summary: str = "",
    booking: Booking | None = None,
    customer_language: str | None = None,
) -> str:
    """What changes from turn to turn: the time, the customer's language when known (a locale),
    the summary, the booking in progress. Sent as its own system message just before the turn's
    customer message, so everything before it (the static part and the earlier turns) repeats from
    one request to the next."""
    local = now.astimezone(ZoneInfo(persona.timezone))
    summary_block = f"\nResumen de la conversación anterior:\n{summary.strip()}\n" if summary.strip() else ""
    booking_block = ""
    if booking:
        known = ", ".join(f"{k}={v}" for k, v in booking.items())
        booking_block = f"\nReserva en curso (datos ya elegidos): {known}\n"
    name = LANGUAGE_NAMES.get(customer_language or "")
    return DYNAMIC_TEMPLATE.format(
        weekday=weekday(local),
        now=local,
        timezone=persona.timezone,
        language=LANGUAGE_LINE.format(name=name) if name else "",
        summary=summary_block,
        booking=booking_block,
    ).strip("\n")


def system_prompt(
    persona: Persona, now: datetime, summary: str = "", booking: Booking | None = None, catalogue: str | None = None
) -> str:
    """Both parts as one text (what the model reads, in order, minus the conversation)."""
    return static_prompt(persona, catalogue) + "\n" + turn_context(persona, now, summary, booking)


SUMMARY_PROMPT = """Resume en español, en 5 frases como mucho, lo importante de esta conversación entre
un cliente y la recepcionista de {business_name}: quién es el cliente, qué quiere, qué citas se han
reservado, cambiado o cancelado (con fecha y hora), y qué queda pendiente. Resumen previo: {previous}"""
