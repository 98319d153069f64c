"""CalendarFunction's minute: relay the outbox, renew channels, poll the quiet connections.

In that order, within the invocation's time: the relay is what a customer's booking waits on to
reach the member's calendar; renewals have a day of slack; the poll is the safety net."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.calendar.channels import Channels, PollReport, RenewReport
from receptionist.calendar.relay import Relay, RelayReport
from receptionist.deadline import Deadline


@dataclass(frozen=True)
class ScheduleReport:
    relay: RelayReport
    renew: RenewReport
    poll: PollReport

    def counts(self) -> dict[str, int]:
        return {**self.relay.counts(), **self.renew.counts(), **self.poll.counts()}


class CalendarSchedule:
    def __init__(self, relay: Relay, channels: Channels) -> None:
        self._relay = relay
        self._channels = channels

    def run(self, deadline: Deadline) -> ScheduleReport:
        relayed = self._relay.run(deadline)
        renewed = self._channels.renew(deadline)
        polled = self._channels.poll(deadline)
        return ScheduleReport(relayed, renewed, polled)
