"""Blocking and erasing one customer of one business, in every store of the data map (stores.py).

`erase` removes them: every store's items of the customer go, and the CRM keeps only anonymous
rows where the business's counts need them (appointments, usage). `block` (Spain's LOPDGDD art.
32) first copies the CRM's whole record of them, and their media, into a vault only the tables'
owner can read, kept until a date for legal claims; then it removes them from everything staff,
the assistant and the jobs see, exactly as `erase` does. A customer who writes again while blocked
is a new customer: nothing of the blocked record is linked to them (docs/privacy.md).

The order: the CRM begins the request (audited, with the reason) and holds the conversation (the
assistant off, so no turn writes memory, traces or replies meanwhile); the stores outside the CRM
are emptied one by one, each recorded as done; the CRM's own rows go last, in one transaction,
because they are where the other stores' references (conversation ids, job ids) come from.

Safe against a crash: every step is idempotent and recorded when done, so running the same request
again (same customer, same mode) resumes it where it stopped; running it once it is done is a new
request that finds nothing (erasing twice is harmless). Nothing here logs or returns the number,
a name or a text: the request is named by the customer's pseudonym (keys.pseudonym)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from receptionist.privacy import keys
from receptionist.privacy.ports import Caller, ForgetRefused, PrivacyLedger
from receptionist.privacy.stores import CrmRefs, Customer, CustomerItems, MediaFiles, Mode

OUTSIDE_CRM: Final = ("langfuse", "idempotency", "checkpoints", "conversations", "media")
MIN_KEY_CHARS: Final = 32  # as the recorder's user key (agent/tracing.py): a short key is no key
_NUMBER: Final = re.compile(r"[0-9]{6,15}")


def customer_number(typed: str) -> str:
    """The number as WhatsApp gives it (digits), from what a person typed (+34 600-11 12 22)."""
    digits = re.sub(r"[\s+().-]", "", typed or "")
    if digits.startswith("00"):
        digits = digits[2:]
    if not _NUMBER.fullmatch(digits):
        raise ForgetRefused("invalid", "a phone number in international format, 6 to 15 digits")
    return digits


def names_the_number(reason: str, number: str) -> bool:
    """Whether the reason carries the number (its last 9 digits, however spaced): it is kept
    after the data goes. The CRM checks the same, and the customer's names."""
    return number[-9:] in re.sub(r"[^0-9]", "", reason)


@dataclass(frozen=True)
class StoreReport:
    """What one store held of the customer: items found and removed (counts only)."""

    found: int = 0
    removed: int = 0
    kept: int = 0  # media copied to the vault (block)
    off: bool = False  # the store is not in use here (tracing off)
    resumed: bool = False  # done by an earlier run of the same request

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"found": self.found, "removed": self.removed}
        if self.kept:
            out["kept_count"] = self.kept
        if self.off:
            out["off"] = True
        return out

    @classmethod
    def of(cls, details: dict[str, Any]) -> StoreReport:
        return cls(
            found=int(details.get("found", 0)),
            removed=int(details.get("removed", 0)),
            kept=int(details.get("kept_count", 0)),
            off=bool(details.get("off", False)),
            resumed=True,
        )


@dataclass(frozen=True)
class Outcome:
    request_id: str
    mode: Mode
    until: date | None
    customer_ref: str  # the pseudonym the audit log names them by
    resumed: bool
    stores: dict[str, StoreReport]
    rows: dict[str, int]  # the CRM's tables: rows deleted, anonymised or blocked

    @property
    def items_removed(self) -> int:
        return sum(r.removed for r in self.stores.values()) + sum(self.rows.values())


@dataclass
class Stores:
    """Each store outside the CRM, as the data map names them. `langfuse` None: tracing is off."""

    idempotency: CustomerItems
    checkpoints: CustomerItems
    conversations: CustomerItems
    media: MediaFiles
    langfuse: CustomerItems | None = None


@dataclass
class ForgetService:
    ledger: PrivacyLedger
    stores: Stores
    # The customer key (SSM trace-user-key): the pseudonym is keyed by it, so it equals the traces'
    # user id and cannot be reversed by trying numbers. Read when a request runs.
    customer_key: Callable[[], str]
    last_steps: list[str] = field(default_factory=list, init=False)  # the stores this run emptied, in order

    def forget(
        self,
        caller: Caller,
        organization_id: str,
        typed_number: str,
        mode: Mode,
        reason: str,
        until: date | None = None,
    ) -> Outcome:
        """Block or erase the customer `typed_number` of the organization: every store, then the
        CRM. Raises ForgetRefused before removing anything when the request cannot be made; any
        other failure leaves the request running, and the same call again finishes it."""
        number = customer_number(typed_number)
        if mode not in ("block", "erase"):
            raise ForgetRefused("invalid", "mode is block or erase")
        if not (reason or "").strip():
            raise ForgetRefused("invalid", "a reason is needed")
        if names_the_number(reason, number):
            raise ForgetRefused("reason_names_customer")
        ref = keys.pseudonym(self._key(), organization_id, number)
        begun = self.ledger.begin(caller, organization_id, number, ref, mode, until, reason.strip())
        customer = Customer(organization_id, number, begun.apps, ref)
        self.last_steps = []
        reports: dict[str, StoreReport] = {}
        for name in OUTSIDE_CRM:
            if name in begun.steps:
                reports[name] = StoreReport.of(begun.steps[name])
                continue
            report, details = self._empty(name, customer, begun.refs, begun.mode, begun.request_id)
            self.ledger.step(caller, organization_id, ref, name, details)
            self.last_steps.append(name)
            reports[name] = report
        finished = self.ledger.finish(caller, organization_id, number, ref)
        return Outcome(finished.request_id, finished.mode, finished.until, ref, begun.resumed, reports, finished.rows)

    def _key(self) -> bytes:
        try:
            key = self.customer_key()
        except Exception as exc:  # its type only: never a value
            raise ForgetRefused("no_key", f"the customer key could not be read ({type(exc).__name__})") from exc
        if len(key) < MIN_KEY_CHARS:
            raise ForgetRefused("no_key", "the customer key is shorter than 32 characters")
        return key.encode()

    def _empty(
        self, name: str, customer: Customer, refs: CrmRefs, mode: Mode, request_id: str
    ) -> tuple[StoreReport, dict[str, Any]]:
        if name == "media":
            return self._media(customer, refs, mode, request_id)
        store: CustomerItems | None = getattr(self.stores, name)
        if store is None:
            report = StoreReport(off=True)
            return report, report.details()
        found = store.find(customer, refs)
        removed = store.delete(found) if found else 0
        report = StoreReport(found=len(found), removed=removed)
        return report, report.details()

    def _media(
        self, customer: Customer, refs: CrmRefs, mode: Mode, request_id: str
    ) -> tuple[StoreReport, dict[str, Any]]:
        media = self.stores.media
        found = media.find(customer, refs)
        kept: list[str] = []
        if mode == "block":
            # Kept for legal claims under the pseudonym and the request (no number in any key),
            # listed in the vault; the originals go, as for an erasure. The list is what is there
            # (a run that stopped after deleting the originals finds its copies, not nothing).
            prefix = f"{keys.blocked_prefix(customer.pseudonym)}{request_id}/"
            if found:
                media.keep(found, prefix)
            kept = [k for k in media.find_blocked(customer.pseudonym) if k.startswith(prefix)]
            doomed = found
        else:  # an erasure also takes what an earlier block of theirs kept
            doomed = list(dict.fromkeys([*found, *media.find_blocked(customer.pseudonym), *refs.blocked_media]))
        doomed = [*doomed, *media.find_exports(customer.organization_id, refs)]  # a copy: never kept
        removed = media.delete(doomed) if doomed else 0
        report = StoreReport(found=len(doomed), removed=removed, kept=len(kept))
        details = report.details()
        if mode == "block":
            details["kept"] = kept  # the vault's list (forget_finish); never in the audit line
        return report, details
