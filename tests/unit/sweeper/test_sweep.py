"""The sweep on an in-memory open index: who gets a ticket, how often, and when it gives up."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from receptionist.messages import InboundTicket
from receptionist.sweeper.service import SweepPolicy, SweepService
from receptionist.turns import OpenConversation


@dataclass
class Meta:
    item: OpenConversation
    open_at_ms: int  # the newest message's arrival (the index's sort key)
    open: bool = True
    sweeps: int = 0
    swept_at: int | None = None


@dataclass
class FakeIndex:
    metas: dict[str, Meta] = field(default_factory=dict)

    def add(self, conversation: str, message_id: str, at_ms: int) -> None:
        self.metas[conversation] = Meta(
            OpenConversation(conversation, message_id), at_ms
        )  # a new message resets the sweeps

    def stale(self, older_than_ms: int) -> Any:
        for meta in list(self.metas.values()):
            if meta.open and meta.open_at_ms < older_than_ms:
                yield meta.item

    def mark_swept(self, item: OpenConversation, now_ms: int, not_since_ms: int) -> int | None:
        meta = self.metas[item.conversation]
        if not meta.open or meta.item.last_message_id != item.last_message_id:
            return None
        if meta.swept_at is not None and meta.swept_at >= not_since_ms:
            return None
        meta.sweeps += 1
        meta.swept_at = now_ms
        return meta.sweeps

    def abandon(self, item: OpenConversation) -> None:
        self.metas[item.conversation].open = False


@dataclass
class Queue:
    sent: list[tuple[dict[str, Any], str, str]] = field(default_factory=list)

    def send(self, message: BaseModel, *, group: str, dedup_id: str) -> str:
        self.sent.append((json.loads(message.model_dump_json(exclude_none=True)), group, dedup_id))
        return "id"


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_420_800.0

    def __call__(self) -> float:
        return self.now


def _sweeper() -> tuple[SweepService, FakeIndex, Queue, Clock]:
    index, queue, clock = FakeIndex(), Queue(), Clock()
    policy = SweepPolicy(after_seconds=30, resweep_seconds=360, max_sweeps=3)
    return SweepService(index, queue, policy, clock=clock), index, queue, clock


def test_only_messages_older_than_the_debounce_and_margin_get_a_ticket() -> None:
    service, index, queue, clock = _sweeper()
    now_ms = int(clock.now * 1000)
    index.add("App#34600000001", "wamid.old", now_ms - 31_000)
    index.add("App#34600000002", "wamid.young", now_ms - 5_000)  # its ticket is still in the queue's delay
    report = service.sweep()
    assert (report.stale, report.reticketed) == (1, 1)
    ((body, group, dedup),) = queue.sent
    ticket = InboundTicket.model_validate(body)
    assert (ticket.conversation, ticket.message_id) == ("App#34600000001", "wamid.old")
    assert ticket.last_attempt is None
    assert group == "App#34600000001" and dedup == "sweep#wamid.old#1"


def test_a_conversation_is_swept_at_most_once_per_resweep_window() -> None:
    service, index, queue, clock = _sweeper()
    index.add("App#34600000001", "wamid.a", int(clock.now * 1000) - 60_000)
    service.sweep()
    clock.now += 60  # the next minute: its ticket may be waiting out a visibility timeout
    assert service.sweep().skipped == 1 and len(queue.sent) == 1
    clock.now += 360
    assert service.sweep().reticketed == 1 and len(queue.sent) == 2


def test_the_last_sweep_is_a_last_attempt_and_then_the_conversation_is_abandoned() -> None:
    service, index, queue, clock = _sweeper()
    index.add("App#34600000001", "wamid.a", int(clock.now * 1000) - 60_000)
    for _ in range(3):
        service.sweep()
        clock.now += 361
    assert [InboundTicket.model_validate(b).last_attempt for b, _, _ in queue.sent] == [None, None, True]
    report = service.sweep()
    assert (report.abandoned, report.reticketed) == (1, 0)
    assert not index.metas["App#34600000001"].open
    assert service.sweep().stale == 0


def test_a_new_message_starts_the_count_again() -> None:
    service, index, queue, clock = _sweeper()
    index.add("App#34600000001", "wamid.a", int(clock.now * 1000) - 60_000)
    service.sweep()
    clock.now += 361
    index.add("App#34600000001", "wamid.b", int(clock.now * 1000) - 31_000)
    service.sweep()
    assert [d for _, _, d in queue.sent] == ["sweep#wamid.a#1", "sweep#wamid.b#1"]
