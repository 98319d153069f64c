"""The handoff's rules, pure (the clock and the CRM's rows are the caller's):

- `plan`: asked for a person at `at`, are people there, and if not when do they come (the next
  opening), when staff are told (now, or at the opening: the business's setting) and from when the
  escalation counts as waiting (N and M count from there).
- `due_steps`: which follow-ups of an open escalation a pass at `at` sends: the notice left for
  the opening once it is reached; inside the hours, nobody having taken or answered it, the
  re-notice to every staff number at N minutes and the offer to take a message at M; and a step
  claimed by an earlier pass that never queued it (it died between the claim and the send)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from receptionist.crm.handoff import STEPS, HandoffSettings, HandoffState, Step
from receptionist.crm.opening_hours import OpeningHours

# A claim older than this that never reached the queue is sent again (a pass claims and sends
# within seconds; the pass runs every 5 minutes).
STALE_AFTER = timedelta(minutes=1)


@dataclass(frozen=True)
class HandoffPlan:
    open_now: bool
    opening: datetime | None  # outside the hours: the next opening (None: none within two weeks)
    notify_now: bool  # staff are told with the turn; else at `notify_at`
    notify_at: datetime | None
    waiting_since: datetime


def plan(hours: OpeningHours, settings: HandoffSettings, at: datetime) -> HandoffPlan:
    if hours.is_open(at):
        return HandoffPlan(True, None, True, None, at)
    opening = hours.next_opening(at)
    waiting_since = opening or at
    if settings.outside_hours_notice == "at_opening" and opening is not None:
        return HandoffPlan(False, opening, False, opening, waiting_since)
    return HandoffPlan(False, opening, True, None, waiting_since)


def due_steps(
    state: HandoffState,
    hours: OpeningHours,
    settings: HandoffSettings,
    at: datetime,
    stale_after: timedelta = STALE_AFTER,
) -> list[Step]:
    if state.taken:  # someone took it or answered: nothing more to chase
        return []
    open_now = hours.is_open(at)
    due = {
        "notice": state.notify_at is not None and at >= state.notify_at,
        "renotify": open_now and at >= state.waiting_since + timedelta(minutes=settings.renotify_after_minutes),
        "offer": open_now and at >= state.waiting_since + timedelta(minutes=settings.message_offer_after_minutes),
    }
    steps: list[Step] = []
    for step in STEPS:
        if state.queued[step] is not None:
            continue
        claimed = state.claimed[step]
        if (claimed is not None and claimed <= at - stale_after) or (claimed is None and due[step]):
            steps.append(step)
    return steps
