"""The words of the recalls' settings (their page and a service's interval), in Spanish and English
(merged by i18n.texts). Every key starts with "rc_" so no other section's word is replaced."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "rc_help": "Cuando pasa el intervalo de un servicio desde la última cita completada, se invita al cliente a"
        " volver con una plantilla de marketing aprobada y dos botones, «Reservar» y «No, gracias». Solo a quien dio"
        " su consentimiento de marketing, no tiene ninguna cita pendiente ni faltó a una desde entonces; como mucho"
        " una vez por intervalo y solo en el horario de atención.",
        "rc_enabled": "Enviar recordatorios de revisión",
        "rc_enabled_help": "Sin marcar no se envía ninguno; la plantilla elegida se guarda.",
        "rc_template": "Plantilla de marketing",
        "rc_template_help": "Sus valores, en orden: nombre del cliente, servicio, negocio, fecha de la última visita."
        " Debe llevar los botones «Reservar» y «No, gracias».",
        "rc_no_templates": "El negocio no tiene plantillas de marketing aprobadas: créala o léela de Gupshup.",
        "rc_services": "Servicios con revisión",
        "rc_every_days": "cada {days} días",
        "rc_no_services": "Ningún servicio tiene todavía un intervalo de revisión.",
        "rc_services_help": "El intervalo se pone en cada servicio.",
        "rc_recall_days": "Revisión (días)",
        "rc_recall_days_help": "Vacío: sin recordatorio de revisión. Días después de una cita completada en que se"
        " invita al cliente a volver (de 7 a 1095).",
        "rc_bad_recall_interval": "El intervalo de revisión va de 7 a 1095 días (o vacío, sin revisión).",
        "rc_template_needed": "Elige la plantilla de marketing (o desmarca «Enviar recordatorios de revisión»).",
        "rc_bad_template": "Esa plantilla no es de este negocio: elige una de la lista.",
        "rc_template_not_approved": "Esa plantilla no está aprobada en Gupshup (o ya no está): elige una aprobada.",
        "rc_template_not_marketing": "Esa plantilla no es de la categoría marketing: elige una de marketing.",
        "rc_template_too_many_values": "Esa plantilla lleva más de 4 valores: un recordatorio de revisión solo tiene"
        " nombre, servicio, negocio y fecha de la última visita.",
        "rc_metrics_title": "Recordatorios de revisión",
        "rc_metrics_sent": "Enviados",
        "rc_metrics_booked": "Con cita reservada en 14 días",
        "rc_metrics_taps": "Respuestas",
        "rc_metrics_book": "Reservar",
        "rc_metrics_no": "No, gracias",
        "rc_metrics_help": "Recordatorios que salieron en estos días y, de ellos, los clientes que reservaron una cita"
        " (de cualquier servicio, por WhatsApp o en el centro) en los 14 días siguientes.",
    },
    "en": {
        "rc_help": "When a service's interval has passed since the last completed appointment, the customer is"
        " invited back with an approved marketing template and two buttons, «Reservar» (book) and «No, gracias» (no,"
        " thanks). Only customers who gave marketing consent, have nothing booked and have not missed an appointment"
        " since; at most once per interval and only within opening hours.",
        "rc_enabled": "Send recalls",
        "rc_enabled_help": "Unticked, none is sent; the chosen template is kept.",
        "rc_template": "Marketing template",
        "rc_template_help": "Its values, in order: customer name, service, business, date of the last visit. It must"
        " have the buttons «Reservar» and «No, gracias».",
        "rc_no_templates": "The business has no approved marketing templates: create one or read them from Gupshup.",
        "rc_services": "Services with a recall",
        "rc_every_days": "every {days} days",
        "rc_no_services": "No service has a recall interval yet.",
        "rc_services_help": "The interval is set on each service.",
        "rc_recall_days": "Recall (days)",
        "rc_recall_days_help": "Empty: no recall. Days after a completed appointment when the customer is invited back"
        " (7 to 1095).",
        "rc_bad_recall_interval": "The recall interval is 7 to 1095 days (or empty, no recall).",
        "rc_template_needed": "Choose the marketing template (or untick «Send recalls»).",
        "rc_bad_template": "That template is not this business's: choose one from the list.",
        "rc_template_not_approved": "That template is not approved in Gupshup (or is gone): choose an approved one.",
        "rc_template_not_marketing": "That template is not of the marketing category: choose a marketing one.",
        "rc_template_too_many_values": "That template takes more than 4 values: a recall only has the name, service,"
        " business and date of the last visit.",
        "rc_metrics_title": "Recalls",
        "rc_metrics_sent": "Sent",
        "rc_metrics_booked": "Booked within 14 days",
        "rc_metrics_taps": "Answers",
        "rc_metrics_book": "Book",
        "rc_metrics_no": "No, thanks",
        "rc_metrics_help": "Recalls that went out in these days and, of them, the customers who booked an appointment"
        " (any service, on WhatsApp or at the desk) within the next 14 days.",
    },
}
