"""What the console's pages are made of, on their own (no database, no AWS): a transcript as the
page renders it, an appointment's actions by its status, the words in both languages, and the CSRF
token scheme."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from receptionist.console import security
from receptionist.console.times import LocalTimes
from receptionist.console.web import PAGES
from receptionist.console.words import known_ids, words
from receptionist.crm.availability import BookingWindow
from receptionist.crm.inbox import TranscriptEntry
from receptionist.crm.schedule import StaffAppointment

TEMPLATES = Path(PAGES.env.loader.searchpath[0])  # type: ignore[union-attr]
AT = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def entry(
    direction: str, text: str, *, sent_by: str | None = None, kind: str = "text", status: str = "sent"
) -> TranscriptEntry:
    return TranscriptEntry(f"m-{direction}-{sent_by}", direction, kind, text, status, sent_by, AT, None)


def transcript(language: str, *entries: TranscriptEntry) -> str:
    when = LocalTimes(words(language).locale, ZoneInfo("Europe/Madrid"))
    return PAGES.env.get_template("transcript.html").render(entries=list(entries), t=words(language), when=when)


def test_a_transcript_says_who_wrote_each_message_and_escapes_it() -> None:
    page = transcript(
        "es",
        entry("inbound", '<script>alert("x")</script>', kind="audio", status="received"),
        entry("outbound", "Hola, soy el asistente.", status="delivered"),
        entry("outbound", "Soy Marta.", sent_by="staff:marta@example.com", status="read"),
    )
    customer, assistant, staff = re.findall(r'<div class="msg ([a-z ]+)"', page)
    assert (customer, assistant, staff) == ("inbound", "outbound", "outbound staff")
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Cliente" in page and "4 may 2026, 11:30 · audio" in page  # Madrid's clock (UTC+2 in May)
    assert "Equipo · marta@example.com" in page  # staff are named by their e-mail, without "staff:"
    assert page.count('class="status"') == 2  # delivery states only for what went out
    assert words("es")["status_read"] in page


def test_a_transcript_speaks_english() -> None:
    page = transcript("en", entry("inbound", "Hello"), entry("outbound", "Hi", status="delivered"))
    assert words("en")["customer"] in page and words("en")["assistant"] in page
    assert words("en")["status_delivered"] in page and "May 4, 2026, 11:30\u202fAM" in page


def test_every_page_word_exists() -> None:
    used = {
        key for page in TEMPLATES.glob("*.html") for key in re.findall(r"\bt\.([a-z_][a-z_0-9]*)", page.read_text())
    }
    used -= {"get"}  # t.get(<key>, <fallback>)
    assert used and used <= known_ids(), used - known_ids()


def test_an_unknown_language_is_spanish() -> None:
    assert words("fr").locale == words("es").locale == words(None).locale == "es"
    assert words("en")["sign_in"] != words("es")["sign_in"]


def test_a_csrf_token_fits_only_its_own_seed_and_secret() -> None:
    seed, other = security.new_csrf_seed(), security.new_csrf_seed()
    assert seed != other and len(seed) >= 43  # 256 random bits
    token = security.csrf_token("secret", seed)
    assert token == security.csrf_token("secret", seed)  # what the page's forms carry, each time
    assert security.csrf_ok("secret", seed, token)
    assert not security.csrf_ok("secret", other, token)  # another browser's cookie
    assert not security.csrf_ok("another secret", seed, token)
    assert not security.csrf_ok("secret", seed, "0" * 64)
    assert not security.csrf_ok("secret", None, token) and not security.csrf_ok("secret", seed, None)


def appointment_actions(status: str, starts_at: datetime, now: datetime) -> set[str]:
    """The buttons an appointment's card offers staff (the appointments page's `actions`)."""
    a = StaffAppointment(
        "a-1", "c-1", "Eva", "34600000001", "s-1", "Limpieza", "m-1", "Dra. Gómez", starts_at, starts_at, status
    )
    page = PAGES.env.get_template("appointments.html").render(
        t=words("en"), lang="en", base="/console", csrf_field="csrf_token", csrf="x", account=None,
        mode="detail", appointment=a, history=[], members=[], view="detail", member="", notice=None, now=now,
        window=BookingWindow("UTC", 0, 30, 15), consent=None, consent_action="",
    )  # fmt: skip
    return set(re.findall(r'id="(confirm|completed|no-show|cancel|move)-a-1"', page))


def test_an_appointment_offers_what_its_status_allows_and_marks_only_once_started() -> None:
    before, after = AT.replace(hour=8), AT.replace(hour=11)  # the appointment starts at AT
    assert appointment_actions("pending", AT, before) == {"confirm", "cancel", "move"}
    assert appointment_actions("confirmed", AT, before) == {"cancel", "move"}
    assert appointment_actions("pending", AT, after) == {"confirm", "completed", "no-show", "cancel", "move"}
    assert appointment_actions("confirmed", AT, after) == {"completed", "no-show", "cancel", "move"}
    assert appointment_actions("completed", AT, after) == {"no-show"}  # a correction
    assert appointment_actions("no_show", AT, after) == {"completed"}  # the customer came late
    assert appointment_actions("cancelled", AT, after) == set()
