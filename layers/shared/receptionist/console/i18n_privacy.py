"""The words of blocking and erasing a customer (console/services/privacy.py), Spanish and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "privacy_title": "Bloquear o borrar los datos de este cliente",
        "privacy_explain": "Solo la cuenta propietaria. Llega a todas partes: conversación, mensajes, notas de voz y"
        " fotos, citas (quedan como citas anónimas; las futuras se cancelan), recordatorios, escaladas, memoria del"
        " asistente y trazas. No se puede deshacer.",
        "privacy_block": "Bloquear",
        "privacy_block_explain": "se oculta al equipo y al asistente y queda fuera de todo envío; se conserva solo"
        " para reclamaciones legales hasta la fecha (art. 32 LOPDGDD), y luego se borra.",
        "privacy_erase": "Borrar",
        "privacy_erase_explain": "se elimina (también lo que un bloqueo anterior conservaba).",
        "privacy_reason": "Motivo (queda en el registro de auditoría: sin el nombre ni el número del cliente)",
        "privacy_until": "Conservar hasta (solo bloqueo; vacío: el plazo del negocio, 5 años por defecto)",
        "privacy_confirm": "Escribe el número del cliente para confirmar",
        "privacy_submit": "Bloquear o borrar ahora",
        "privacy_owners_only": "Solo la cuenta propietaria del negocio puede bloquear o borrar los datos de un"
        " cliente.",
        "privacy_mode": "Elige bloquear o borrar.",
        "privacy_reason_missing": "Escribe el motivo.",
        "privacy_until_bad": "La fecha debe ser AAAA-MM-DD y posterior a hoy (solo para un bloqueo).",
        "privacy_confirm_mismatch": "El número escrito no es el de este cliente.",
        "privacy_reason_names_customer": "El motivo no puede llevar el nombre ni el número del cliente: se conserva"
        " cuando sus datos ya no están.",
        "privacy_not_allowed": "Esta cuenta no puede hacerlo.",
        "privacy_invalid": "Algún dato no es válido.",
        "privacy_no_key": "Falta la clave de clientes en SSM (trace-user-key): avisa a operaciones.",
        "privacy_unavailable": "El bloqueo y el borrado no están disponibles en esta consola.",
        "privacy_stopped": "Se detuvo a mitad: vuelve a enviarlo para terminar (lo hecho no se repite).",
        "privacy_no_request": "Ya está hecho: otra petición lo terminó.",
        "privacy_done_block": "Datos bloqueados",
        "privacy_done_erase": "Datos borrados",
        "privacy_done_ref": "En el registro de auditoría el cliente figura como",
        "privacy_done_until": "Se conservan, solo para reclamaciones legales, hasta",
        "privacy_store": "Dónde",
        "privacy_found": "Encontrado",
        "privacy_removed": "Quitado",
        "privacy_kept": "Conservado (bloqueo)",
        "privacy_off": "sin trazas (desactivadas)",
        "privacy_rows": "Filas del CRM",
        "privacy_langfuse_later": "Langfuse borra las trazas en unos 15 minutos.",
    },
    "en": {
        "privacy_title": "Block or erase this customer's data",
        "privacy_explain": "Owner account only. It reaches everything: the conversation, messages, voice notes and"
        " photos, appointments (kept as anonymous appointments; future ones are cancelled), reminders, escalations,"
        " the assistant's memory and traces. It cannot be undone.",
        "privacy_block": "Block",
        "privacy_block_explain": "hidden from staff and the assistant and left out of every message sent; kept only"
        " for legal claims until the date (LOPDGDD art. 32), then erased.",
        "privacy_erase": "Erase",
        "privacy_erase_explain": "removed (also what an earlier block kept).",
        "privacy_reason": "Reason (kept in the audit log: without the customer's name or number)",
        "privacy_until": "Keep until (block only; empty: the business's period, 5 years by default)",
        "privacy_confirm": "Type the customer's number to confirm",
        "privacy_submit": "Block or erase now",
        "privacy_owners_only": "Only the business's owner account can block or erase a customer's data.",
        "privacy_mode": "Choose block or erase.",
        "privacy_reason_missing": "Write the reason.",
        "privacy_until_bad": "The date must be YYYY-MM-DD and after today (a block only).",
        "privacy_confirm_mismatch": "The number typed is not this customer's.",
        "privacy_reason_names_customer": "The reason cannot carry the customer's name or number: it is kept once"
        " their data is gone.",
        "privacy_not_allowed": "This account cannot do that.",
        "privacy_invalid": "A value is not valid.",
        "privacy_no_key": "The customer key is missing in SSM (trace-user-key): tell operations.",
        "privacy_unavailable": "Blocking and erasing are not available in this console.",
        "privacy_stopped": "It stopped midway: send it again to finish (what was done is not repeated).",
        "privacy_no_request": "Already done: another request finished it.",
        "privacy_done_block": "Data blocked",
        "privacy_done_erase": "Data erased",
        "privacy_done_ref": "In the audit log the customer is named",
        "privacy_done_until": "Kept, for legal claims only, until",
        "privacy_store": "Where",
        "privacy_found": "Found",
        "privacy_removed": "Removed",
        "privacy_kept": "Kept (block)",
        "privacy_off": "no traces (off)",
        "privacy_rows": "CRM rows",
        "privacy_langfuse_later": "Langfuse deletes the traces within about 15 minutes.",
    },
}
