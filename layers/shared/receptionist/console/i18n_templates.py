"""The words of the WhatsApp templates page (settings) and of a template's status wherever one is
shown (reminders, notifications, a conversation), in Spanish and English (merged by i18n.texts).
Every key starts with "tpl_" so no other section's word is replaced."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "tpl_title": "Plantillas de WhatsApp",
        "tpl_help": "Las plantillas son los mensajes que el negocio puede enviar fuera de la ventana de 24 horas"
        " (recordatorios, avisos al equipo, retomar una conversación). Las aprueba Meta a través de Gupshup;"
        " aquí se leen de Gupshup cada día y al pulsar el botón. Solo las aprobadas se pueden elegir.",
        "tpl_sync": "Leer de Gupshup ahora",
        "tpl_last_sync": "Última lectura",
        "tpl_never_synced": "Nunca",
        "tpl_app_id": "Id de la app en Gupshup",
        "tpl_app_id_help": "Lo muestra Gupshup en el panel de la app (un UUID). Sin él no se pueden leer ni enviar"
        " plantillas.",
        "tpl_no_app_id_yet": "Falta el id de la app de Gupshup: ponlo en Ajustes > WhatsApp.",
        "tpl_unavailable": "La lectura de plantillas de Gupshup no está disponible en esta instalación.",
        "tpl_sync_error": "La última lectura falló:",
        "tpl_sync_unreachable": "Gupshup no responde ahora mismo. Las plantillas siguen como estaban; se volverá a"
        " intentar.",
        "tpl_sync_refused": "Gupshup no acepta la clave o el id de la app. Las plantillas siguen como estaban; revisa"
        " el id de la app (Ajustes > WhatsApp) o avisa al equipo técnico por la clave.",
        "tpl_sync_garbage": "Gupshup respondió algo que no es una lista de plantillas. Las plantillas siguen como"
        " estaban; se volverá a intentar.",
        "tpl_sync_no_app_id": "Falta el id de la app de Gupshup (Ajustes > WhatsApp). Las plantillas siguen como"
        " estaban.",
        "tpl_sync_no_key": "No se puede leer la clave de la app de Gupshup: avisa al equipo técnico. Las plantillas"
        " siguen como estaban.",
        "tpl_sync_out_of_time": "Gupshup tardó demasiado. Las plantillas siguen como estaban; vuelve a intentarlo.",
        "tpl_sync_failed": "La lectura falló. Las plantillas siguen como estaban; vuelve a intentarlo.",
        "tpl_none": "El negocio aún no tiene plantillas. Pulsa «Leer de Gupshup» o envía una a aprobación.",
        "tpl_name": "Nombre",
        "tpl_language": "Idioma",
        "tpl_category": "Categoría",
        "tpl_status": "Estado",
        "tpl_text": "Texto",
        "tpl_values": "Valores",
        "tpl_buttons": "Botones",
        "tpl_status_APPROVED": "Aprobada",
        "tpl_status_PENDING": "Pendiente de aprobación",
        "tpl_status_REJECTED": "Rechazada",
        "tpl_status_PAUSED": "Pausada por Meta",
        "tpl_status_DISABLED": "Desactivada por Meta",
        "tpl_status_other": "No aprobada",
        "tpl_removed": "Ya no está en Gupshup",
        "tpl_reason": "Motivo",
        "tpl_unusable_help": "No se puede elegir: solo las plantillas aprobadas que siguen en Gupshup.",
        "tpl_submit_title": "Enviar una plantilla nueva a aprobación",
        "tpl_submit_help": "Meta la revisa; mientras tanto aparece como pendiente. Usa {{1}}, {{2}}... donde vayan"
        " los datos de cada cliente, y da un ejemplo de cada uno.",
        "tpl_name_help": "Minúsculas, cifras y _ (p. ej. recordatorio_cita_2).",
        "tpl_category_UTILITY": "Servicio (citas, avisos)",
        "tpl_category_MARKETING": "Promoción",
        "tpl_body_help": "Hasta 1.024 caracteres.",
        "tpl_examples": "Ejemplo de cada valor",
        "tpl_examples_help": "Lo que iría en {{1}}, {{2}}... para un cliente de ejemplo, en orden, uno por línea.",
        "tpl_footer": "Pie (opcional)",
        "tpl_quick_replies": "Botones de respuesta rápida (opcional, hasta 3)",
        "tpl_quick_replies_help": "Para los recordatorios: Confirmar, Cancelar y Cambiar, en ese orden.",
        "tpl_submit": "Enviar a aprobación",
        "tpl_bad_name": "El nombre solo admite minúsculas, cifras y _ (de 1 a 512).",
        "tpl_bad_language": "Elige uno de los idiomas de la lista.",
        "tpl_bad_category": "Elige la categoría: servicio o promoción.",
        "tpl_bad_body": "El texto debe tener de 1 a 1.024 caracteres.",
        "tpl_bad_placeholders": "Los valores del texto van numerados desde {{1}} y seguidos ({{1}}, {{2}}...).",
        "tpl_examples_needed": "Da un ejemplo (no vacío) de cada valor del texto, uno por línea y en orden.",
        "tpl_bad_footer": "El pie admite como mucho 60 caracteres.",
        "tpl_bad_buttons": "Los botones: como mucho 3, de 1 a 20 caracteres y distintos entre sí.",
        "tpl_no_app_id": "Falta el id de la app de Gupshup (Ajustes > WhatsApp): sin él no se puede enviar.",
        "tpl_already_exists": "Gupshup ya tiene una plantilla con ese nombre e idioma. Pulsa «Leer de Gupshup»"
        " para verla, o usa otro nombre.",
        "tpl_submit_rejected": "Gupshup no aceptó la plantilla. Revisa el texto, los ejemplos y los botones.",
        "tpl_submit_unreachable": "Gupshup no responde ahora mismo: no se ha enviado nada. Vuelve a intentarlo.",
        "tpl_submit_refused": "Gupshup no acepta la clave o el id de la app: no se ha enviado nada. Revisa el id de"
        " la app (Ajustes > WhatsApp).",
        "tpl_submit_garbage": "Gupshup respondió algo inesperado. Pulsa «Leer de Gupshup» para ver si la recibió.",
        "tpl_submit_no_key": "No se puede leer la clave de la app de Gupshup: avisa al equipo técnico.",
        "tpl_submit_unavailable": "El envío de plantillas a Gupshup no está disponible en esta instalación.",
        # Wherever a chosen template is not (or no longer) approved.
        "tpl_chosen_unusable": "La plantilla elegida ya no está aprobada en Gupshup: no se envía hasta que elijas"
        " una aprobada.",
        "tpl_send_not_approved": "Esa plantilla no está aprobada en Gupshup: no se puede enviar.",
        "tpl_not_offered": "No se ofrecen (no aprobadas o ya no están en Gupshup):",
        "tpl_manage": "Gestionar plantillas",
        # one template per language (settings_template_languages.html, crm.settings.template_languages)
        "tpl_lang_title": "Una plantilla por idioma",
        "tpl_lang_help": "A cada cliente se le envía la plantilla de su idioma si la eliges aquí; si no, la del"
        " idioma del negocio (la de arriba). Solo se ofrecen plantillas aprobadas de ese idioma.",
        "tpl_lang_business": "Idioma del negocio",
        "tpl_lang_fallback": "La del idioma del negocio",
        "tpl_lang_no_options": "No hay plantillas aprobadas en este idioma: créalas en Plantillas de WhatsApp.",
        "tpl_lang_chosen_unusable": "La plantilla elegida ya no está aprobada o no es de este idioma: se envía la"
        " del idioma del negocio hasta que elijas otra.",
        "tpl_lang_bad_template": "Esa plantilla no es de este negocio: elige una de la lista.",
        "tpl_lang_bad_language": "Ese idioma no está entre los que se pueden elegir.",
        "tpl_lang_template_not_approved": "Esa plantilla no está aprobada (o Gupshup ya no la tiene): elige otra.",
        "tpl_lang_template_not_utility": "Las ofertas de la lista de espera necesitan una plantilla de categoría"
        " UTILITY.",
        "tpl_lang_template_not_marketing": "Las revisiones necesitan una plantilla de categoría MARKETING.",
        "tpl_lang_wrong_language": "Esa plantilla está escrita en otro idioma: elige una de este idioma.",
        "tpl_lang_es": "Español (España)",
        "tpl_lang_es_PE": "Español (Perú)",
        "tpl_lang_en": "Inglés",
        "tpl_lang_pt_BR": "Portugués (Brasil)",
        "tpl_lang_ca": "Catalán",
    },
    "en": {
        "tpl_title": "WhatsApp templates",
        "tpl_help": "Templates are the messages the business may send outside the 24-hour window (reminders, staff"
        " notices, picking a conversation up again). Meta approves them through Gupshup; they are read from"
        " Gupshup here every day and when you press the button. Only approved ones can be chosen.",
        "tpl_sync": "Read from Gupshup now",
        "tpl_last_sync": "Last read",
        "tpl_never_synced": "Never",
        "tpl_app_id": "Gupshup app id",
        "tpl_app_id_help": "Gupshup shows it on the app's dashboard (a UUID). Without it templates can be neither"
        " read nor submitted.",
        "tpl_no_app_id_yet": "The Gupshup app id is missing: set it in Settings > WhatsApp.",
        "tpl_unavailable": "Reading templates from Gupshup is not available in this installation.",
        "tpl_sync_error": "The last read failed:",
        "tpl_sync_unreachable": "Gupshup is not answering right now. The templates are as they were; it will be"
        " tried again.",
        "tpl_sync_refused": "Gupshup does not accept the app's key or id. The templates are as they were; check the"
        " app id (Settings > WhatsApp) or tell the technical team about the key.",
        "tpl_sync_garbage": "Gupshup answered something that is not a list of templates. The templates are as they"
        " were; it will be tried again.",
        "tpl_sync_no_app_id": "The Gupshup app id is missing (Settings > WhatsApp). The templates are as they were.",
        "tpl_sync_no_key": "The Gupshup app's key cannot be read: tell the technical team. The templates are as"
        " they were.",
        "tpl_sync_out_of_time": "Gupshup took too long. The templates are as they were; try again.",
        "tpl_sync_failed": "The read failed. The templates are as they were; try again.",
        "tpl_none": "The business has no templates yet. Press “Read from Gupshup” or submit one for approval.",
        "tpl_name": "Name",
        "tpl_language": "Language",
        "tpl_category": "Category",
        "tpl_status": "Status",
        "tpl_text": "Text",
        "tpl_values": "Values",
        "tpl_buttons": "Buttons",
        "tpl_status_APPROVED": "Approved",
        "tpl_status_PENDING": "Pending approval",
        "tpl_status_REJECTED": "Rejected",
        "tpl_status_PAUSED": "Paused by Meta",
        "tpl_status_DISABLED": "Disabled by Meta",
        "tpl_status_other": "Not approved",
        "tpl_removed": "No longer in Gupshup",
        "tpl_reason": "Reason",
        "tpl_unusable_help": "Cannot be chosen: only approved templates still in Gupshup.",
        "tpl_submit_title": "Submit a new template for approval",
        "tpl_submit_help": "Meta reviews it; meanwhile it shows as pending. Use {{1}}, {{2}}... where each"
        " customer's details go, and give an example of each.",
        "tpl_name_help": "Lower case, digits and _ (e.g. appointment_reminder_2).",
        "tpl_category_UTILITY": "Utility (appointments, notices)",
        "tpl_category_MARKETING": "Marketing",
        "tpl_body_help": "Up to 1,024 characters.",
        "tpl_examples": "An example of each value",
        "tpl_examples_help": "What would go in {{1}}, {{2}}... for a sample customer, in order, one per line.",
        "tpl_footer": "Footer (optional)",
        "tpl_quick_replies": "Quick-reply buttons (optional, up to 3)",
        "tpl_quick_replies_help": "For reminders: Confirm, Cancel and Change, in that order.",
        "tpl_submit": "Submit for approval",
        "tpl_bad_name": "The name takes only lower case letters, digits and _ (1 to 512).",
        "tpl_bad_language": "Choose one of the languages in the list.",
        "tpl_bad_category": "Choose the category: utility or marketing.",
        "tpl_bad_body": "The text must have 1 to 1,024 characters.",
        "tpl_bad_placeholders": "The text's values are numbered from {{1}} with no gaps ({{1}}, {{2}}...).",
        "tpl_examples_needed": "Give a (non-empty) example of each value in the text, one per line, in order.",
        "tpl_bad_footer": "The footer takes at most 60 characters.",
        "tpl_bad_buttons": "Buttons: at most 3, 1 to 20 characters each, all different.",
        "tpl_no_app_id": "The Gupshup app id is missing (Settings > WhatsApp): nothing can be submitted without it.",
        "tpl_already_exists": "Gupshup already has a template with that name and language. Press “Read from"
        " Gupshup” to see it, or use another name.",
        "tpl_submit_rejected": "Gupshup did not accept the template. Check the text, the examples and the buttons.",
        "tpl_submit_unreachable": "Gupshup is not answering right now: nothing was submitted. Try again.",
        "tpl_submit_refused": "Gupshup does not accept the app's key or id: nothing was submitted. Check the app id"
        " (Settings > WhatsApp).",
        "tpl_submit_garbage": "Gupshup answered something unexpected. Press “Read from Gupshup” to see whether it"
        " got it.",
        "tpl_submit_no_key": "The Gupshup app's key cannot be read: tell the technical team.",
        "tpl_submit_unavailable": "Submitting templates to Gupshup is not available in this installation.",
        "tpl_chosen_unusable": "The chosen template is no longer approved in Gupshup: nothing is sent until you"
        " choose an approved one.",
        "tpl_send_not_approved": "That template is not approved in Gupshup: it cannot be sent.",
        "tpl_not_offered": "Not offered (not approved, or no longer in Gupshup):",
        "tpl_manage": "Manage templates",
        # one template per language (settings_template_languages.html, crm.settings.template_languages)
        "tpl_lang_title": "One template per language",
        "tpl_lang_help": "Each customer is sent the template of their language when you choose one here;"
        " otherwise the one of the business's language (above). Only approved templates of that language are"
        " offered.",
        "tpl_lang_business": "The business's language",
        "tpl_lang_fallback": "The business's language's one",
        "tpl_lang_no_options": "No approved templates in this language: create them in WhatsApp templates.",
        "tpl_lang_chosen_unusable": "The chosen template is no longer approved or not of this language: the"
        " business's language's one is sent until you choose another.",
        "tpl_lang_bad_template": "That template is not this business's: choose one from the list.",
        "tpl_lang_bad_language": "That language is not one that can be chosen.",
        "tpl_lang_template_not_approved": "That template is not approved (or Gupshup no longer has it): choose"
        " another.",
        "tpl_lang_template_not_utility": "Waiting list offers need a template of the UTILITY category.",
        "tpl_lang_template_not_marketing": "Recalls need a template of the MARKETING category.",
        "tpl_lang_wrong_language": "That template is written in another language: choose one of this language.",
        "tpl_lang_es": "Spanish (Spain)",
        "tpl_lang_es_PE": "Spanish (Peru)",
        "tpl_lang_en": "English",
        "tpl_lang_pt_BR": "Portuguese (Brazil)",
        "tpl_lang_ca": "Catalan",
    },
}

# Issue 30: the tpl_lang_* keys above in Brazilian Portuguese and Catalan, for the console's .po files
# (the dictionaries become gettext catalogues: these are folded into console.po's pt_BR and ca).
NEW_TEXTS_PT_BR: dict[str, str] = {
    "tpl_lang_title": "Um modelo por idioma",
    "tpl_lang_help": "Cada cliente recebe o modelo do seu idioma se você o escolher aqui; se não, o do idioma"
    " da empresa (o de cima). Só são oferecidos modelos aprovados desse idioma.",
    "tpl_lang_business": "Idioma da empresa",
    "tpl_lang_fallback": "O do idioma da empresa",
    "tpl_lang_no_options": "Não há modelos aprovados neste idioma: crie-os em Modelos do WhatsApp.",
    "tpl_lang_chosen_unusable": "O modelo escolhido não está mais aprovado ou não é deste idioma: é enviado o"
    " do idioma da empresa até você escolher outro.",
    "tpl_lang_bad_template": "Esse modelo não é desta empresa: escolha um da lista.",
    "tpl_lang_bad_language": "Esse idioma não está entre os que podem ser escolhidos.",
    "tpl_lang_template_not_approved": "Esse modelo não está aprovado (ou o Gupshup não o tem mais): escolha outro.",
    "tpl_lang_template_not_utility": "As ofertas da lista de espera precisam de um modelo da categoria UTILITY.",
    "tpl_lang_template_not_marketing": "Os retornos precisam de um modelo da categoria MARKETING.",
    "tpl_lang_wrong_language": "Esse modelo está escrito em outro idioma: escolha um deste idioma.",
    "tpl_lang_es": "Espanhol (Espanha)",
    "tpl_lang_es_PE": "Espanhol (Peru)",
    "tpl_lang_en": "Inglês",
    "tpl_lang_pt_BR": "Português (Brasil)",
    "tpl_lang_ca": "Catalão",
}
NEW_TEXTS_CA: dict[str, str] = {
    "tpl_lang_title": "Una plantilla per idioma",
    "tpl_lang_help": "A cada client se li envia la plantilla del seu idioma si la tries aquí; si no, la de"
    " l'idioma del negoci (la de dalt). Només s'ofereixen plantilles aprovades d'aquest idioma.",
    "tpl_lang_business": "Idioma del negoci",
    "tpl_lang_fallback": "La de l'idioma del negoci",
    "tpl_lang_no_options": "No hi ha plantilles aprovades en aquest idioma: crea-les a Plantilles de WhatsApp.",
    "tpl_lang_chosen_unusable": "La plantilla triada ja no està aprovada o no és d'aquest idioma: s'envia la"
    " de l'idioma del negoci fins que en triïs una altra.",
    "tpl_lang_bad_template": "Aquesta plantilla no és d'aquest negoci: tria'n una de la llista.",
    "tpl_lang_bad_language": "Aquest idioma no és dels que es poden triar.",
    "tpl_lang_template_not_approved": "Aquesta plantilla no està aprovada (o Gupshup ja no la té): tria'n una altra.",
    "tpl_lang_template_not_utility": "Les ofertes de la llista d'espera necessiten una plantilla de categoria UTILITY.",
    "tpl_lang_template_not_marketing": "Les revisions necessiten una plantilla de categoria MARKETING.",
    "tpl_lang_wrong_language": "Aquesta plantilla està escrita en un altre idioma: tria'n una d'aquest idioma.",
    "tpl_lang_es": "Espanyol (Espanya)",
    "tpl_lang_es_PE": "Espanyol (Perú)",
    "tpl_lang_en": "Anglès",
    "tpl_lang_pt_BR": "Portuguès (Brasil)",
    "tpl_lang_ca": "Català",
}
