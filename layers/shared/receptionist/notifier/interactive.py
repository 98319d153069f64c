"""A reply with choices as a WhatsApp interactive session message, in Gupshup's shapes (the
`message` form field of POST /wa/api/v1/msg):

- reply buttons when there are one to three choices whose titles fit a button (20 characters)
  and differ (WhatsApp refuses repeated button titles):
    {"type": "quick_reply", "msgid": ..., "content": {"type": "text", "text": <body>},
     "options": [{"type": "text", "title": ..., "postbackText": <choice id>}, ...]}
- otherwise a list message, one section of up to ten rows:
    {"type": "list", "title": "", "body": <body>, "msgid": ..., "globalButtons": [{"type": "text",
     "title": <list_button>}], "items": [{"title": <list_section>, "options": [{"type": "text",
     "title": ..., "description": ..., "postbackText": <choice id>}, ...]}]}

An interactive body holds at most 1,024 characters. A longer reply goes out as plain text (its
words already name the options, as they do for a business that turned interactive replies off):
the customer reads everything and types the answer, rather than getting a cut body.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import DEFAULT_LOCALE, Locale
from receptionist.messages import MAX_CHOICES, MAX_QUICK_REPLIES, Choice

INTERACTIVE_BODY_CHARS: Final = 1024
BUTTON_TITLE_CHARS: Final = 20
MSGID_CHARS: Final = 128  # Gupshup echoes it back; the job id, bounded
# The button that opens the list (at most 20 characters) and the section's title (at most 24) are
# the "messages" catalogue's list_button and list_section, in the customer's locale.

Form = Literal["buttons", "list"]


def interactive_form(body: str, choices: list[Choice]) -> Form | None:
    """How a reply with these choices goes out; None: as plain text."""
    if not choices or len(choices) > MAX_CHOICES or not body.strip() or len(body) > INTERACTIVE_BODY_CHARS:
        return None
    titles = [c.title for c in choices]
    fits = all(len(t) <= BUTTON_TITLE_CHARS for t in titles) and len(set(titles)) == len(titles)
    if len(choices) <= MAX_QUICK_REPLIES and fits:
        return "buttons"
    return "list"


def interactive_message(
    msgid: str, body: str, choices: list[Choice], locale: Locale = DEFAULT_LOCALE
) -> dict[str, Any] | None:
    """Gupshup's session message for a reply with choices; None when it goes out as plain text."""
    form = interactive_form(body, choices)
    msgid = msgid[:MSGID_CHARS]
    if form == "buttons":
        return {
            "type": "quick_reply",
            "msgid": msgid,
            "content": {"type": "text", "text": body},
            "options": [{"type": "text", "title": c.title, "postbackText": c.id} for c in choices],
        }
    if form == "list":
        button, section = message(locale, "list_button"), message(locale, "list_section")
        rows = []
        for c in choices:
            row = {"type": "text", "title": c.title, "postbackText": c.id}
            if c.description:
                row["description"] = c.description
            rows.append(row)
        return {
            "type": "list",
            "title": "",
            "body": body,
            "msgid": msgid,
            "globalButtons": [{"type": "text", "title": button}],
            "items": [{"title": section, "options": rows}],
        }
    return None
