"""What a trial SENT: each turn's reply goes the way the processor and the notifier send it (the AI
disclosure first when it is due, the reply's choices as a list or buttons), through the real notifier
(receptionist.notifier.service.DeliveryService on the trial's database) over HTTP to the local Gupshup
server (devstack.fakes.gupshup.FakeGupshup), which records every accepted request. Scoring reads the
fixed parts of those messages (the disclosure, list rows and buttons), never the model's words.

The model's reply is the processor's record of an answered turn; the disclosure is added as the
processor adds it (`_disclosed`: receptionist.disclosure with crm.chats.mark_disclosed), the jobs are
the processor's own (`outbound_jobs`), and the delivery is the notifier's: a change to how either
writes in the customer's language shows here unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from devstack.fakes.gupshup import FakeGupshup
from receptionist import disclosure
from receptionist.adapters.delivery_crm import DeliveryCrm
from receptionist.adapters.gupshup_api import GupshupApi
from receptionist.conversation_key import ConversationKey
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.models import ChatIdentity, Organization
from receptionist.i18n.catalogues import message
from receptionist.i18n.locales import customer_locale, locale_of
from receptionist.messages import Choice
from receptionist.notifier.retry import RetryPolicy
from receptionist.notifier.service import DeliveryService
from receptionist.processor.service import outbound_jobs
from receptionist.turns import TurnRecord


class _Once:
    """The notifier's idempotency store, in memory: one trial's jobs, each done at most once."""

    def __init__(self) -> None:
        self._done: dict[tuple[str, str], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def once(self, scope: str, key: str, work: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
        with self._lock:
            if (scope, key) in self._done:
                return self._done[(scope, key)], False
        result = work()
        with self._lock:
            self._done[(scope, key)] = result
        return result, True


@dataclass
class Outbox:
    """A trial's own local Gupshup server (trials run in parallel with the same customer's number)."""

    gupshup: FakeGupshup = field(default_factory=FakeGupshup)

    def start(self) -> Self:
        self.gupshup.start()
        return self

    def stop(self) -> None:
        self.gupshup.stop()

    def send_reply(
        self,
        app: Database,
        org: Organization,
        app_name: str,
        identity: ChatIdentity,
        turn_id: str,
        reply: str,
        choices: list[Choice],
        now: datetime,
    ) -> list[dict[str, Any]]:
        """Send one answered turn's reply as the processor and the notifier would; what Gupshup got
        for this customer from it (each accepted request's payload, in order)."""
        if not reply:
            return []
        record = TurnRecord(turn_id, [], "answered", reply=reply, choices=list(choices))
        if disclosure.due(identity, turn_id):
            locale = customer_locale(identity.language, org.settings.language)  # the processor's _Said.locale
            text = disclosure.text_for(org.settings, org.name, locale)
            with app.acting_for(org.id):
                chats.mark_disclosed(app, org.id, identity.id, turn_id, disclosure.version_of(text))
            record = TurnRecord(
                turn_id, [], "answered", reply=disclosure.disclosed(text, reply), choices=record.choices
            )
        conversation = str(ConversationKey(app_name, identity.customer_number))
        before = len(self.gupshup.sent_to(identity.customer_number))  # earlier turns'
        notifier = DeliveryService(
            store=DeliveryCrm(app),
            sender=GupshupApi(self.gupshup.url, timeout=5.0),
            idempotency=_Once(),
            api_key=lambda _ref: self.gupshup.api_key,
            retry=RetryPolicy(attempts=1),
            now=lambda: now,
        )
        for job in outbound_jobs(conversation, record):
            if job.kind == "reply":
                notifier.deliver(job)
        return [dict(m.payload) for m in self.gupshup.sent_to(identity.customer_number)[before:]]


# The catalogue's id of the default AI disclosure sentence ({assistant}, {business}):
# receptionist/locale/*/LC_MESSAGES/messages.po, complete in every language the evaluation speaks.
DISCLOSURE_MESSAGE_ID = "disclosure_default"


def expected_disclosure(locale: str, org: Organization) -> str:
    """The AI disclosure sentence a customer of `locale` should get first from this business: its own
    sentence when it wrote one, else the catalogue's in the customer's locale."""
    own = (org.settings.disclosure_text or "").strip()
    if own:
        return own
    values = {"assistant": org.settings.assistant_name.strip(), "business": org.name.strip()}
    return message(locale_of(locale), DISCLOSURE_MESSAGE_ID, **values)
