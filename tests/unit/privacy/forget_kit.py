"""In-memory stand-ins for what ForgetService talks to: the CRM's request ledger (the semantics of
forget_begin / forget_step / forget_finish) and each store, each able to crash right after a
given side effect, so every window between two of them can be tested."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from receptionist.privacy import keys
from receptionist.privacy.ports import Begun, Caller, Finished, ForgetRefused
from receptionist.privacy.stores import CrmRefs, Customer, Mode

ORG = "00000000-0000-4000-8000-00000000aaaa"
APPS = ("ClinicaSonrisa", "ClinicaNorte")
KEY = "k" * 40


class Crash(Exception):
    """The process died here."""


@dataclass
class Request:
    id: str
    mode: Mode
    until: date | None
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: str = "running"


@dataclass
class FakeLedger:
    """The CRM: requests per (organization, pseudonym); `rows` are the customer's CRM rows."""

    rows: dict[str, int] = field(default_factory=lambda: {"chat_messages": 12, "contacts": 1})
    refs: CrmRefs = field(default_factory=lambda: CrmRefs(identity_ids=("conv-1",)))
    requests: list[Request] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    crash_after: set[str] = field(default_factory=set)  # "begin", "step:<store>", "finish"
    audit: list[tuple[str, str]] = field(default_factory=list)  # (action, target)

    def _running(self) -> Request | None:
        return next((r for r in self.requests if r.status == "running"), None)

    def _crash(self, what: str) -> None:
        if what in self.crash_after:
            self.crash_after.discard(what)
            raise Crash(what)

    def begin(
        self, caller: Caller, organization_id: str, number: str, customer_ref: str, mode: Mode, until: date | None,
        reason: str,
    ) -> Begun:  # fmt: skip
        self.calls.append("begin")
        running = self._running()
        if running is not None and running.mode != mode:
            running.status = "superseded"
            running = None
        resumed = running is not None
        if running is None:
            running = Request(str(uuid.uuid4()), mode, until or (date(2031, 12, 31) if mode == "block" else None))
            self.requests.append(running)
            self.audit.append((f"customer_{mode}_requested", customer_ref))
        self._crash("begin")
        return Begun(running.id, mode, running.until, resumed, dict(running.steps), APPS, self.refs)

    def step(self, caller: Caller, organization_id: str, customer_ref: str, step: str, details: dict[str, Any]) -> None:
        running = self._running()
        if running is None:
            raise ForgetRefused("no_request")
        running.steps[step] = details
        self.calls.append(f"step:{step}")
        self._crash(f"step:{step}")

    def finish(self, caller: Caller, organization_id: str, number: str, customer_ref: str) -> Finished:
        self._crash("finish")  # the CRM's transaction did not commit
        running = self._running()
        if running is None:
            raise ForgetRefused("no_request")
        rows, self.rows = self.rows, {}
        running.status = "done"
        self.calls.append("finish")
        self.audit.append(("customer_erased" if running.mode == "erase" else "customer_blocked", customer_ref))
        return Finished(running.id, running.mode, running.until, rows)


@dataclass
class FakeStore:
    """A store holding items (keys); `crash_after_delete` dies once right after deleting."""

    items: set[str] = field(default_factory=set)
    crash_after_delete: bool = False
    deletes: int = 0

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        return sorted(self.items)

    def delete(self, doomed: Sequence[str]) -> int:
        self.deletes += 1
        gone = [k for k in doomed if k in self.items]
        self.items -= set(doomed)
        if self.crash_after_delete:
            self.crash_after_delete = False
            raise Crash("after delete")
        return len(gone)


@dataclass
class FakeMedia(FakeStore):
    """media/, blocked/ and exports/ in one bucket."""

    def find(self, customer: Customer, refs: CrmRefs) -> list[str]:
        return sorted(k for k in self.items if k.startswith(keys.MEDIA_PREFIX + "/"))

    def find_blocked(self, customer_ref: str) -> list[str]:
        return sorted(k for k in self.items if k.startswith(keys.blocked_prefix(customer_ref)))

    def find_exports(self, organization_id: str, refs: CrmRefs) -> list[str]:
        prefixes = tuple(keys.export_prefix(organization_id, i) for i in refs.identity_ids)
        return sorted(k for k in self.items if prefixes and k.startswith(prefixes))

    crash_after_keep: bool = False

    def keep(self, object_keys: Sequence[str], prefix: str) -> list[str]:
        copies = [f"{prefix}{k}" for k in object_keys]
        self.items |= set(copies)
        if self.crash_after_keep:
            self.crash_after_keep = False
            raise Crash("after the copies, before the originals go")
        return copies

    def read(self, key: str) -> bytes:
        return key.encode()
