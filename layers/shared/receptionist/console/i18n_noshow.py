"""The words of the no-show policy's pages (docs/noshow.md): the owner's settings (what kind of
business, the policy), a customer's no-show count where staff see the customer, and the
before/after figures on the appointments page. Spanish and English (merged by i18n.texts); keys
start with "noshow_" (the settings link's label is "set_noshow")."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "set_noshow": "Ausencias",
        "noshow_title": "Política de ausencias",
        "noshow_help": "Tras N citas sin acudir en los últimos M meses, el asistente deja de reservar citas nuevas"
        " a ese cliente por WhatsApp: se lo explica con amabilidad y le ofrece hablar con una persona. Confirmar,"
        " cancelar o cambiar sus citas sigue funcionando, y desde la consola el equipo siempre puede reservar.",
        "noshow_kind": "Tipo de negocio",
        "noshow_kind_clinic": "Clínica o consulta",
        "noshow_kind_salon": "Peluquería o salón de belleza",
        "noshow_kind_other": "Otro",
        "noshow_kind_help": "La política está activada por defecto en clínicas y otros negocios, y desactivada en"
        " salones.",
        "noshow_enabled": "Política",
        "noshow_enabled_default": "Lo que corresponde al tipo de negocio",
        "noshow_enabled_on": "Activada",
        "noshow_enabled_off": "Desactivada",
        "noshow_limit": "Citas sin acudir (N)",
        "noshow_months": "En los últimos (meses, M)",
        "noshow_in_force_on": "Ahora está activada",
        "noshow_in_force_off": "Ahora está desactivada",
        "noshow_on_since": "desde el {date}",
        "noshow_by_default": "(por defecto para este tipo de negocio)",
        "noshow_bad_kind": "Elige el tipo de negocio.",
        "noshow_bad_enabled": "Elige si la política está activada.",
        "noshow_bad_limit": "El número de citas sin acudir debe ser un número entre 1 y 20.",
        "noshow_bad_months": "Los meses deben ser un número entre 1 y 36.",
        "noshow_bad_value": "Algún valor no es válido.",
        "noshow_count": "Sin acudir: {n} en los últimos {months} meses",
        "noshow_refused": "Ha alcanzado el límite de la política de ausencias: el asistente no le reserva citas"
        " nuevas; resérvalas desde la consola.",
        "noshow_policy_off": "(política de ausencias desactivada)",
        "noshow_metrics_title": "Ausencias antes y después de la política",
        "noshow_metrics_on_since": "Política activada",
        "noshow_metrics_until": "hasta el {date}",
        "noshow_metrics_before": "Antes",
        "noshow_metrics_after": "Con la política",
        "noshow_metrics_never_on": "La política de ausencias no ha estado activada en este periodo.",
        "noshow_metrics_help": "Tasa de ausencias (sin acudir / con resultado). «Con la política»: las citas del"
        " periodo desde que se activó; «Antes»: las de un periodo igual de largo justo antes de activarla.",
    },
    "en": {
        "set_noshow": "No-shows",
        "noshow_title": "No-show policy",
        "noshow_help": "After N missed appointments in the last M months, the assistant stops booking new"
        " appointments for that customer on WhatsApp: it explains politely and offers a person. Confirming,"
        " cancelling or moving their appointments still works, and staff can always book from the console.",
        "noshow_kind": "Kind of business",
        "noshow_kind_clinic": "Clinic or practice",
        "noshow_kind_salon": "Hair or beauty salon",
        "noshow_kind_other": "Other",
        "noshow_kind_help": "The policy is on by default for clinics and other businesses, and off for salons.",
        "noshow_enabled": "Policy",
        "noshow_enabled_default": "The default for the kind of business",
        "noshow_enabled_on": "On",
        "noshow_enabled_off": "Off",
        "noshow_limit": "Missed appointments (N)",
        "noshow_months": "In the last (months, M)",
        "noshow_in_force_on": "It is on now",
        "noshow_in_force_off": "It is off now",
        "noshow_on_since": "since {date}",
        "noshow_by_default": "(the default for this kind of business)",
        "noshow_bad_kind": "Choose the kind of business.",
        "noshow_bad_enabled": "Choose whether the policy is on.",
        "noshow_bad_limit": "The number of missed appointments must be a number from 1 to 20.",
        "noshow_bad_months": "The months must be a number from 1 to 36.",
        "noshow_bad_value": "A value is not valid.",
        "noshow_count": "No-shows: {n} in the last {months} months",
        "noshow_refused": "Reached the no-show policy's limit: the assistant does not book new appointments for"
        " them; book them from the console.",
        "noshow_policy_off": "(no-show policy off)",
        "noshow_metrics_title": "No-shows before and after the policy",
        "noshow_metrics_on_since": "Policy on",
        "noshow_metrics_until": "until {date}",
        "noshow_metrics_before": "Before",
        "noshow_metrics_after": "With the policy",
        "noshow_metrics_never_on": "The no-show policy was not on in this period.",
        "noshow_metrics_help": 'No-show rate (no-shows / appointments with an outcome). "With the policy": the'
        ' period\'s appointments since it was switched on; "Before": those of an equally long period just before.',
    },
}
