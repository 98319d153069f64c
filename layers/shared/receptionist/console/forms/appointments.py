"""The appointments pages' forms: booking, moving, and where a change returns to; and the day a
page or a form names."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from receptionist.console.errors import ConsoleError
from receptionist.console.forms import FormModel

_FIRST_DAY, _LAST_DAY = date(1970, 1, 1), date(9000, 12, 31)


def parse_day(value: str) -> date | None:
    """A YYYY-MM-DD day within reason (a week or a day past year 9999 cannot be computed)."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return day if _FIRST_DAY <= day <= _LAST_DAY else None


def local_start(day: str, at: str, timezone: str) -> datetime:
    """A date and a wall time in the business's zone (what staff type) as an aware datetime."""
    parsed_day = parse_day(day)
    try:
        parsed_time = time.fromisoformat(at.strip())
    except ValueError:
        parsed_time = None
    if parsed_day is None or parsed_time is None or parsed_time.tzinfo is not None:
        raise ConsoleError("appt_bad_time")
    return datetime.combine(parsed_day, parsed_time.replace(second=0, microsecond=0), tzinfo=ZoneInfo(timezone))


class ReturnTo(FormModel):
    """Where a change sends the browser back: the appointment's page (view "detail"), or the
    day or week (and member) the form was on."""

    view: str = ""
    member: str = ""


class StartForm(ReturnTo):
    start_date: str = ""
    start_time: str = ""

    def start(self, timezone: str) -> datetime:
        return local_start(self.start_date, self.start_time, timezone)


class BookingForm(StartForm):
    """A booking: a chosen contact, or a phone number (and a name) to find or create one."""

    contact_id: str = ""
    phone: str = ""
    name: str = ""
    service_id: str = ""
    member_id: str = ""


class MoveForm(StartForm):
    member_id: str = ""  # empty: the same member
