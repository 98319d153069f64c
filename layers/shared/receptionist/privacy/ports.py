"""What blocking and erasing need of the CRM: a request that begins (or resumes), records each
store it emptied, and finishes with the CRM's own rows (receptionist.crm.privacy on the SQL
functions of migration 20261207090000_customer_erasure.sql)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, Protocol

from receptionist.privacy.stores import CrmRefs, Mode

Refusal = Literal["not_allowed", "invalid", "reason_names_customer", "no_request", "no_key"]


class ForgetRefused(Exception):
    """The request was refused before anything was removed (or, for "no_request", there was no
    request to finish). `code` says why, for a sentence in the console or the CLI."""

    def __init__(self, code: Refusal, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code: Refusal = code
        self.detail = detail  # a fixed sentence (the CRM's or this code's), never a value


class CustomerActive(Exception):
    """A removal by retention stops: the customer is no longer due: they wrote, were booked or were
    otherwise active since they were listed (or a message of theirs waits in the conversations
    table). Nothing more is removed."""


@dataclass(frozen=True)
class Caller:
    """Who asks. A console owner by their verified Cognito `sub` (the CRM checks they own the
    business and names them by e-mail), or ops as the tables' owner, named `actor`
    ('ops:<name>')."""

    sub: str | None = None
    actor: str | None = None


@dataclass(frozen=True)
class Begun:
    request_id: str
    mode: Mode
    until: date | None  # a block's date
    resumed: bool  # an earlier run of this request stopped midway: this one finishes it
    steps: dict[str, dict[str, Any]]  # the stores already emptied, with what they held
    apps: tuple[str, ...]  # the business's Gupshup apps (the customer's conversation keys)
    refs: CrmRefs


@dataclass(frozen=True)
class Finished:
    request_id: str
    mode: Mode
    until: date | None
    rows: dict[str, int] = field(default_factory=dict)  # per table: rows deleted, anonymised, blocked


class PrivacyLedger(Protocol):
    def begin(
        self, caller: Caller, organization_id: str, number: str, customer_ref: str, mode: Mode, until: date | None,
        reason: str,
    ) -> Begun:  # fmt: skip
        """Begin the request (audited) or resume the one running for this customer; hold the
        conversation (the assistant off); what keys their items elsewhere. ForgetRefused."""
        ...

    def step(self, caller: Caller, organization_id: str, customer_ref: str, step: str, details: dict[str, Any]) -> None:
        """Record a store emptied (a resumed run skips it)."""
        ...

    def finish(self, caller: Caller, organization_id: str, number: str, customer_ref: str) -> Finished:
        """The vault for a block, the customer's rows deleted or anonymised, the request done and
        audited: one transaction."""
        ...
