"""In-memory stand-ins for what a retention run talks to: the CRM (its businesses, customers with
their last activity, media messages, usage rows, the vault, and the retention requests, with the
semantics of migration 20261207110000_retention.sql: what is due is decided by the CRM's clock), the
stores outside the CRM keyed by customer, and the bucket. Each can crash right after a given side
effect, so every window between two of them can be tested; a manual clock lets a test bound a run."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from receptionist.conversation_key import ConversationKey
from receptionist.privacy import keys
from receptionist.privacy.forget import ForgetService, Stores
from receptionist.privacy.ports import Begun, Caller, CustomerActive, Finished, ForgetRefused
from receptionist.privacy.stores import CrmRefs, Customer, Mode
from receptionist.retention.ports import (
    AnotherRequest,
    Business,
    DueCustomer,
    DueMedia,
    DueVault,
    Usage,
)
from receptionist.retention.rules import DEFAULT, Windows, cutoffs
from receptionist.retention.service import RetentionRun

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
KEY = "k" * 40
STORE_NAMES = ("langfuse", "idempotency", "checkpoints", "conversations")


class Crash(BaseException):
    """The process died here (a kill, Lambda's timeout): nothing after it runs, nothing catches it."""


class Clock:
    """A monotonic clock the fakes advance: each customer removal costs `per_customer` seconds."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@dataclass
class Person:
    number: str
    last_activity: datetime
    rows: dict[str, int] = field(default_factory=lambda: {"chat_messages": 6, "chat_identities": 1, "contacts": 1})


@dataclass
class Request:
    id: str
    org: str
    ref: str
    actor: str
    started: datetime
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "running"


@dataclass
class Vault:
    id: str
    until: date
    media: tuple[str, ...]


@dataclass
class FakeCrm:
    """The CRM as the retention functions see it (RetentionLedger and the privacy ledger both)."""

    now: datetime = NOW
    clock: Clock = field(default_factory=Clock)
    per_customer: float = 1.0  # seconds a removal costs on `clock`
    businesses_: dict[str, Business] = field(default_factory=dict)
    people: dict[str, dict[str, Person]] = field(default_factory=dict)
    media: dict[str, list[DueMedia]] = field(default_factory=dict)
    marks: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    usage: dict[str, list[datetime]] = field(default_factory=dict)
    staff_sends: dict[str, list[datetime]] = field(default_factory=dict)  # templates sent to staff numbers
    vault: dict[str, list[Vault]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    audit: list[tuple[str, str, str]] = field(default_factory=list)  # (org, action, actor)
    crash_after: set[str] = field(default_factory=set)  # "begin", "step:<store>", "finish", "vault_media"...
    fail: set[str] = field(default_factory=set)  # calls that raise (not a crash: a failing statement)
    removed: dict[str, list[str]] = field(default_factory=dict)  # org -> numbers removed, in order
    listings: dict[str, int] = field(default_factory=dict)  # org -> due lists read

    # -- building the world ------------------------------------------------------------------------
    def business(self, org: str, windows: Windows = DEFAULT, apps: tuple[str, ...] = ("App",)) -> None:
        self.businesses_[org] = Business(org, apps, windows)
        self.people.setdefault(org, {})
        self.media.setdefault(org, [])
        self.usage.setdefault(org, [])
        self.vault.setdefault(org, [])

    def person(self, org: str, number: str, silent_for: timedelta) -> Person:
        found = Person(number, self.now - silent_for)
        self.people[org][number] = found
        return found

    def _crash(self, what: str) -> None:
        if what in self.crash_after:
            self.crash_after.discard(what)
            raise Crash(what)

    def _fail(self, what: str) -> None:
        if what in self.fail:
            raise RuntimeError(f"{what} failed")

    def _windows(self, org: str) -> Windows:
        return self.businesses_[org].windows

    def is_due(self, org: str, number: str) -> bool:
        person = self.people[org].get(number)
        return person is not None and person.last_activity < cutoffs(self._windows(org), self.now).text

    # -- RetentionLedger ---------------------------------------------------------------------------
    def businesses(self) -> list[Business]:
        self._fail("businesses")
        return list(self.businesses_.values())

    def cancel_stale(self, organization_id: str) -> int:
        stale = [
            r
            for r in self.requests
            if r.org == organization_id and r.status == "running" and r.actor == "retention"
            and r.started < self.now - timedelta(hours=1)
        ]  # fmt: skip
        for r in stale:
            self._cancel(r)
        return len(stale)

    def due_customers(self, organization_id: str, limit: int, after: tuple[datetime, str] | None) -> list[DueCustomer]:
        self._fail("due_customers")
        self.listings[organization_id] = self.listings.get(organization_id, 0) + 1
        due = sorted(
            (p.last_activity, p.number)
            for p in self.people[organization_id].values()
            if self.is_due(organization_id, p.number)
        )
        return [DueCustomer(n, at) for at, n in due if after is None or (at, n) > after][:limit]

    def cancel(self, organization_id: str, customer_ref: str) -> bool:
        running = self._running(organization_id, customer_ref)
        if running is None or running.actor != "retention":
            return False
        self._cancel(running)
        return True

    def _cancel(self, request: Request) -> None:
        request.status = "cancelled"
        self.audit.append((request.org, "customer_erase_cancelled", "retention"))

    def due_media(self, organization_id: str, limit: int) -> list[DueMedia]:
        self._fail("due_media")
        cutoff = cutoffs(self._windows(organization_id), self.now).media
        mark = self.marks.get(organization_id, (datetime.min.replace(tzinfo=UTC), ""))
        due = sorted(
            (m for m in self.media[organization_id] if m.received_at <= cutoff and (m.received_at, m.row_id) > mark),
            key=lambda m: (m.received_at, m.row_id),
        )
        return due[:limit]

    def media_done(self, organization_id: str, last: DueMedia) -> None:
        self._crash("media_done")
        mark = self.marks.get(organization_id, (datetime.min.replace(tzinfo=UTC), ""))
        self.marks[organization_id] = max(mark, (last.received_at, last.row_id))

    def remove_usage(self, organization_id: str, limit: int) -> Usage:
        self._fail("remove_usage")
        cutoff = cutoffs(self._windows(organization_id), self.now).usage
        old = sorted(at for at in self.usage[organization_id] if at < cutoff)[:limit]
        for at in old:
            self.usage[organization_id].remove(at)
        sends = self.staff_sends.get(organization_id, [])
        old_sends = sorted(at for at in sends if at < cutoff)[:limit]
        for at in old_sends:
            sends.remove(at)
        return Usage(len(old), 0, len(old_sends))

    def due_vault(self, organization_id: str, limit: int) -> list[DueVault]:
        return [DueVault(v.id, v.media) for v in self.vault[organization_id] if v.until <= self.now.date()][:limit]

    def remove_vault(self, organization_id: str, vault_id: str) -> bool:
        self._crash("remove_vault")
        before = len(self.vault[organization_id])
        self.vault[organization_id] = [v for v in self.vault[organization_id] if v.id != vault_id]
        return len(self.vault[organization_id]) < before

    # -- the privacy ledger (retention_begin / _step / _finish) ------------------------------------
    def _running(self, org: str, ref: str) -> Request | None:
        return next((r for r in self.requests if r.org == org and r.ref == ref and r.status == "running"), None)

    def begin(
        self, caller: Caller, organization_id: str, number: str, customer_ref: str, mode: Mode, until: date | None,
        reason: str,
    ) -> Begun:  # fmt: skip
        if not self.is_due(organization_id, number):
            raise CustomerActive("not due")
        running = self._running(organization_id, customer_ref)
        if running is not None and running.actor != "retention":
            raise AnotherRequest("another request")
        resumed = running is not None
        if running is None:
            running = Request(str(uuid.uuid4()), organization_id, customer_ref, "retention", self.now)
            self.requests.append(running)
            self.audit.append((organization_id, "customer_erase_requested", "retention"))
        self._crash("begin")
        apps = self.businesses_[organization_id].apps
        return Begun(running.id, "erase", None, resumed, dict(running.steps), apps, CrmRefs(identity_ids=(number,)))

    def step(self, caller: Caller, organization_id: str, customer_ref: str, step: str, details: dict[str, Any]) -> None:
        running = self._running(organization_id, customer_ref)
        if running is None or running.actor != "retention":
            raise ForgetRefused("no_request")
        running.steps[step] = details
        self._crash(f"step:{step}")

    def finish(self, caller: Caller, organization_id: str, number: str, customer_ref: str) -> Finished:
        self._crash("finish")  # the CRM's transaction did not commit
        running = self._running(organization_id, customer_ref)
        if running is None or running.actor != "retention":
            raise ForgetRefused("no_request")
        if not self.is_due(organization_id, number):
            self._cancel(running)
            raise CustomerActive("active again")
        person = self.people[organization_id].pop(number)
        running.status = "done"
        self.removed.setdefault(organization_id, []).append(number)
        self.audit.append((organization_id, "customer_erased", "retention"))
        self.clock.t += self.per_customer
        return Finished(running.id, "erase", None, dict(person.rows))


@dataclass
class ByNumber:
    """A store outside the CRM holding items per customer number (a store's items found by the
    customer, as the real adapters find them by key)."""

    items: dict[str, set[str]] = field(default_factory=dict)
    crash_after_delete: bool = False
    live: set[str] = field(default_factory=set)  # numbers with a message still buffered (the guard)
    on_find: dict[str, Any] = field(default_factory=dict)  # number -> a callable run when found

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        if customer.number in self.live:
            raise CustomerActive("a message of theirs waits in the conversations table")
        hook = self.on_find.pop(customer.number, None)
        if hook is not None:
            hook()
        return sorted(self.items.get(customer.number, set()))

    def delete(self, doomed: Sequence[str]) -> int:
        gone = 0
        for number in list(self.items):
            gone += len(self.items[number] & set(doomed))
            self.items[number] -= set(doomed)
            if not self.items[number]:
                del self.items[number]
        if self.crash_after_delete:
            self.crash_after_delete = False
            raise Crash("after delete")
        return gone


@dataclass
class FakeBucket:
    """media/, blocked/, exports/ in one bucket: what retention deletes by key, and what a
    removal finds by the customer's folders."""

    objects: set[str] = field(default_factory=set)
    crash_after_delete: bool = False
    fail_delete: bool = False
    deleted: list[str] = field(default_factory=list)

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        prefixes = tuple(keys.media_prefix(app, customer.number) for app in customer.apps)
        return sorted(k for k in self.objects if k.startswith(prefixes))

    def find_blocked(self, customer_ref: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(keys.blocked_prefix(customer_ref)))

    def find_exports(self, organization_id: str, refs: CrmRefs) -> list[str]:
        return []

    def keep(self, object_keys: Sequence[str], prefix: str) -> list[str]:
        raise AssertionError("retention never keeps: it erases")

    def read(self, key: str) -> bytes:
        raise AssertionError("retention never reads")

    def delete(self, object_keys: Sequence[str]) -> int:
        if self.fail_delete:
            raise RuntimeError("S3 refused")
        gone = self.objects & set(object_keys)
        self.objects -= set(object_keys)
        self.deleted += list(object_keys)
        if self.crash_after_delete:
            self.crash_after_delete = False
            raise Crash("after the objects, before the CRM")
        return len(gone)


@dataclass
class World:
    crm: FakeCrm = field(default_factory=FakeCrm)
    stores: dict[str, ByNumber] = field(default_factory=lambda: {name: ByNumber() for name in STORE_NAMES})
    bucket: FakeBucket = field(default_factory=FakeBucket)
    key: str = KEY

    def run_service(self, **overrides: Any) -> RetentionRun:
        forget = ForgetService(
            self.crm,
            Stores(
                idempotency=self.stores["idempotency"],
                checkpoints=self.stores["checkpoints"],
                conversations=self.stores["conversations"],
                media=self.bucket,
                langfuse=self.stores["langfuse"],
            ),
            lambda: self.key,
        )
        conversations = self.stores["conversations"]
        return RetentionRun(
            self.crm,
            forget,
            self.bucket,
            waiting=lambda customer: customer.number in conversations.live,
            clock=self.crm.clock,
            **overrides,
        )

    def customer(self, org: str, number: str, silent_for: timedelta, *, media: int = 0, app: str = "App") -> Person:
        """A customer with items in every store and `media` copies in the bucket."""
        person = self.crm.person(org, number, silent_for)
        for name in STORE_NAMES:
            self.stores[name].items[number] = {f"{name}:{number}:1", f"{name}:{number}:2"}
        for i in range(media):
            self.bucket.objects.add(keys.media_key(str(ConversationKey(app, number)), f"wamid.{number}.{i}"))
        return person

    def items_of(self, number: str) -> dict[str, int]:
        out = {name: len(store.items.get(number, ())) for name, store in self.stores.items()}
        out["media"] = sum(1 for k in self.bucket.objects if k.startswith(keys.media_prefix("App", number)))
        return {k: v for k, v in out.items() if v}

    def media_message(self, org: str, number: str, age: timedelta, app: str = "App") -> str:
        """An inbound voice note `age` old: its CRM row and its copy in the bucket."""
        message_id = f"wamid.{number}.{age.days}"  # the same in two worlds built alike
        row_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org}/{message_id}"))
        self.crm.media[org].append(DueMedia(number, message_id, self.crm.now - age, row_id))
        key = keys.media_key(str(ConversationKey(app, number)), message_id)
        self.bucket.objects.add(key)
        return key
