"""The words of the handoff's pages and badges (opening hours for people, follow-ups, one's own
WhatsApp number), in Spanish and English (merged by i18n.texts). Keys start with "handoff_" (the
settings link's label, "set_handoff", is with the settings' words in i18n_settings.py)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "handoff_hours": "Horario de atención por personas",
        "handoff_hours_help": "Cuándo alguien del equipo atiende el WhatsApp. Fuera de este horario, a quien pida"
        " una persona el asistente le dice cuándo le responderán. Hora local del negocio",
        "handoff_staff_hours_used": "Sin horario propio: se usa el de los profesionales (la suma de sus horarios)."
        " Añade una franja para fijar uno.",
        "handoff_no_hours": "Ni horario propio ni de profesionales: se considera que siempre hay alguien.",
        "handoff_add_hours": "Añadir franja",
        "handoff_rules": "Si nadie atiende",
        "handoff_outside_hours_notice": "Fuera de horario, avisar al equipo",
        "handoff_notice_now": "En el momento",
        "handoff_notice_at_opening": "Al abrir",
        "handoff_renotify": "Volver a avisar a todo el equipo tras (minutos)",
        "handoff_renotify_help": "Dentro del horario, si nadie toma ni responde la conversación en este tiempo, se"
        " avisa otra vez a todos los números del equipo (una sola vez).",
        "handoff_offer": "Ofrecer dejar un mensaje tras (minutos)",
        "handoff_offer_help": "Dentro del horario, si sigue sin respuesta, el asistente ofrece al cliente dejar un"
        " mensaje, que queda anotado en la conversación.",
        "handoff_bad_notice": "Elige cuándo avisar fuera de horario.",
        "handoff_bad_minutes": "Los minutos deben ser un número entre 1 y 1440.",
        "handoff_my_number": "Mi número de WhatsApp",
        "handoff_my_number_help": "Si lo indicas, los avisos de las conversaciones que tomes te llegan a ti en lugar"
        " de a todos los números del equipo. Déjalo vacío para quitarlo.",
        "handoff_my_number_label": "Número con prefijo del país",
        "handoff_bad_number": "Ese número no es válido: escríbelo con el prefijo del país, p. ej. +34 600 000 000.",
        "handoff_mine": "Tuya",
        "handoff_assigned": "Asignada",
        "handoff_waiting": "Esperando {minutes} min",
        "handoff_waiting_opening": "Espera a la apertura",
        "handoff_message_left": "Mensaje del cliente",
    },
    "en": {
        "handoff_hours": "Hours when people answer",
        "handoff_hours_help": "When someone from the team answers WhatsApp. Outside these hours, a customer who"
        " asks for a person is told when they will be answered. The business's local time",
        "handoff_staff_hours_used": "No hours of its own: the staff members' hours are used (all of them together)."
        " Add a slot to set your own.",
        "handoff_no_hours": "No hours of its own nor staff hours: someone is taken to be always there.",
        "handoff_add_hours": "Add slot",
        "handoff_rules": "When nobody answers",
        "handoff_outside_hours_notice": "Outside the hours, tell the team",
        "handoff_notice_now": "At once",
        "handoff_notice_at_opening": "At opening",
        "handoff_renotify": "Tell the whole team again after (minutes)",
        "handoff_renotify_help": "Inside the hours, if nobody takes or answers the conversation in this time, every"
        " staff number is told again (once).",
        "handoff_offer": "Offer to take a message after (minutes)",
        "handoff_offer_help": "Inside the hours, if there is still no answer, the assistant offers the customer to"
        " leave a message, noted in the conversation.",
        "handoff_bad_notice": "Choose when to tell the team outside the hours.",
        "handoff_bad_minutes": "Minutes must be a number from 1 to 1440.",
        "handoff_my_number": "My WhatsApp number",
        "handoff_my_number_help": "If you give it, notices of the conversations you take reach you instead of every"
        " staff number. Leave it empty to remove it.",
        "handoff_my_number_label": "Number with the country code",
        "handoff_bad_number": "That number is not valid: write it with the country code, e.g. +34 600 000 000.",
        "handoff_mine": "Yours",
        "handoff_assigned": "Assigned",
        "handoff_waiting": "Waiting {minutes} min",
        "handoff_waiting_opening": "Waits for opening",
        "handoff_message_left": "Customer's message",
    },
}
