"""The AI disclosure: a customer is told they are talking to an AI system, by the code, never by the
model (EU AI Act Art. 50(1) and (5): clearly, at the latest at the first interaction).

The first reply a customer gets from a business starts with the disclosure sentence, as its own
first paragraph; so does the first reply after `disclosure_after_days` without a message from the
customer (default 180) and the first after an erasure (a new chat identity). Every reply the
processor records counts (the assistant's answer, the fallback, the over-budget and media
sentences, a reminder tap's answer, an opt-out's confirmation). A template (a reminder, a staff
member's template) is not an interaction with the assistant: it carries no disclosure, and the
customer's first reply after it does.

What is due lives on the chat identity (chat_identities.disclosure_due, set for a new identity and
again by crm.chats.touch_identity after the silence; disclosure_turn: the turn that carried it,
whose retries carry it again). The processor marks it (crm.chats.mark_disclosed) before it records
the turn, so the recorded reply is what every retry sends, exactly once.

The default sentence is the "messages" catalogue's disclosure_default, in the customer's locale
(else the business's). Its version is the hash of the text sent (version_of), so each translation
is a version of its own: what a customer was told is exactly identified, in their language. A
business's own sentence (disclosure_text) is sent as written, whatever the customer's language.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Final

from receptionist.crm.models import AgentSettings, ChatIdentity
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import Locale, locale_of

DEFAULT_AFTER_DAYS: Final = 180
MAX_CHARS: Final = 600  # agent_settings_disclosure_text_check


def default_text(assistant_name: str, business_name: str, language: str) -> str:
    """The sentence a business that wrote none of its own sends, in `language` (a locale or a tag:
    "es", "pt-BR"): the assistant's name, that it is an automatic assistant (an AI, not a person),
    and that a person can be asked for at any time."""
    return message(
        locale_of(language), "disclosure_default", assistant=assistant_name.strip(), business=business_name.strip()
    )


def text_for(settings: AgentSettings, business_name: str, locale: Locale | None = None) -> str:
    """The business's own sentence, or the default built from its assistant's name, in `locale`
    (the customer's; None: the business's language)."""
    own = (settings.disclosure_text or "").strip()
    return own or default_text(settings.assistant_name, business_name, locale or settings.language)


def version_of(text: str) -> str:
    """Which text was sent, as chat_identities.disclosure_version keeps it: 12 hex digits of its
    SHA-256 (the text itself is in the reply's chat_messages row)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def silence(settings: AgentSettings) -> timedelta:
    """How long without a message from the customer makes the disclosure due again."""
    return timedelta(days=settings.disclosure_after_days)


def due(identity: ChatIdentity, turn_id: str) -> bool:
    """Whether this turn's reply carries the disclosure: the identity has it due (never told,
    told before a long silence) or this very turn carried it (a retry, which says the same)."""
    return identity.disclosure_due or identity.disclosure_turn == turn_id


def disclosed(text: str, reply: str) -> str:
    """The reply with the disclosure as its first paragraph, seen before or with the answer."""
    return f"{text}\n\n{reply}"
