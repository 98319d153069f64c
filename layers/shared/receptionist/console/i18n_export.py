"""The words of a customer's export (console/services/exports.py), in Spanish and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "export_title": "Datos del cliente",
        "export_help": "Descarga todo lo que el negocio guarda de este cliente (conversación, citas, consentimientos,"
        " notas de voz y fotos) para entregárselo si lo pide (RGPD, arts. 15 y 20). Queda registrado quién lo"
        " descarga.",
        "export_button": "Descargar sus datos",
        "export_owners_only": "Solo la cuenta propietaria puede descargar los datos de un cliente.",
        "export_too_large": "Los datos de este cliente son demasiado grandes para descargarlos aquí; pídelos al"
        " equipo técnico (receptionist.ops.export).",
        "export_unavailable": "La descarga de datos no está configurada.",
    },
    "en": {
        "export_title": "Customer data",
        "export_help": "Download everything the business keeps about this customer (conversation, appointments,"
        " consents, voice notes and photos) to hand it over when they ask (GDPR Art. 15 and 20). Who downloads it"
        " is recorded.",
        "export_button": "Download their data",
        "export_owners_only": "Only the owner's account may download a customer's data.",
        "export_too_large": "This customer's data is too large to download here; ask the technical team for it"
        " (receptionist.ops.export).",
        "export_unavailable": "Data download is not configured.",
    },
}
