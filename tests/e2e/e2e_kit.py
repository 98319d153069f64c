"""What the e2e tests share: the running pipeline and its local third-party servers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from devstack import authenticator
from devstack.demo import DemoResult, play
from devstack.fakes.gemini import FakeGemini
from devstack.fakes.gupshup import FakeGupshup
from devstack.fakes.langfuse import FakeLangfuse
from devstack.fakes.openai import FakeOpenAI
from devstack.gupshup_events import new_customer
from devstack.stack import LocalStack


@dataclass
class Pipeline:
    stack: LocalStack
    gupshup: FakeGupshup
    model: FakeOpenAI
    gemini: FakeGemini
    langfuse: FakeLangfuse | None = None  # the stack traces its turns there

    @staticmethod
    def new_customer() -> str:
        return new_customer()

    def bound(self, retries: int = 1) -> float:
        """How long a customer's message may take to be answered here (one retry included), from
        the stack's own timings: what the tests wait with."""
        return self.stack.bound("WebhookFunction", "ProcessorFunction", "NotifierFunction", retries=retries)


# The functions whose logs the log scan reads (test_logs.py).
FUNCTION_LOGS = ("webhook", "processor", "notifier", "sweeper")


@dataclass
class PlayedDemo:
    """The demo's conversation played once on the pipeline (`make demo`'s, by a customer of its
    own): test_conversation.py checks what it did, test_logs.py what it left in the logs."""

    customer: str
    result: DemoResult
    log_offsets: dict[str, int]  # each function log's size before it started
    media: set[str]  # the media URLs its voice note was downloaded from

    @staticmethod
    def play(p: Pipeline) -> PlayedDemo:
        customer = p.new_customer()
        logs = p.stack.config.state_dir / "logs"
        offsets = {name: _size(logs / f"{name}.log") for name in FUNCTION_LOGS}
        media_before = _media(p)
        result = play(p.stack, p.gupshup, customer=customer, show=lambda s: None)
        p.stack.wait_idle(timeout=p.bound())  # every part of it done, every log line written
        return PlayedDemo(customer, result, offsets, _media(p) - media_before)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _media(p: Pipeline) -> set[str]:
    return {r.path for r in p.gupshup.received() if r.path.startswith("/media/")}


MADRID = ZoneInfo("Europe/Madrid")  # the demo clinic's time zone (seed)
LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # 30 min
GOMEZ = "00000000-0000-4000-8002-000000000001"  # works 09:00-14:00 and 16:00-20:00
REMINDER_OFFSET = timedelta(minutes=1440)  # the clinic's reminder offset (seed default)


def night_start(now: datetime, minute: int = 0) -> datetime:
    """`minute` past a whole hour between 00:00 and 05:00 (Madrid) starting 10 minutes to 23 hours
    from now: its 24-hour reminder is due since 1 to 23 hours, within the pass's lookback. No member
    works then, so no other test's booking can clash with it (tests that book one each take their
    own `minute`)."""
    local = now.astimezone(MADRID)
    for hours in range(1, 24):
        candidate = (local + timedelta(hours=hours)).replace(minute=minute, second=0, microsecond=0)
        if candidate.hour <= 5 and now + timedelta(minutes=10) < candidate <= now + timedelta(hours=23):
            return candidate
    raise AssertionError("a 23-hour window always holds a night hour")


def book_before_its_reminder(
    p: Pipeline, organization: str, contact: str, starts: datetime, status: str = "pending"
) -> str:
    """An appointment of the clinic booked an hour before its reminder time (as the owner:
    created_at given), so the reminder pass finds it due."""
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute(
            "insert into appointments (organization_id, contact_id, service_id, member_id, starts_at, ends_at,"
            " status, created_at) values (%s, %s, %s, %s, %s, %s, %s, %s) returning id::text",
            (
                organization,
                contact,
                LIMPIEZA,
                GOMEZ,
                starts,
                starts + timedelta(minutes=30),
                status,
                starts - REMINDER_OFFSET - timedelta(hours=1),
            ),
        ).fetchone()
    assert row
    return str(row[0])


# The TOTP secret each console account's enrolment page showed (the person's phone, for this test
# session's local stack): the seeded owners set up their second factor at their first sign-in in
# whichever test signs them in first, and type a code at every later one.
AUTHENTICATOR_SECRETS: dict[str, str] = {}
_SECRET = re.compile(r'id="mfa-secret">([^<]+)<')
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def second_factor(
    email: str, location: str, fetch: Callable[[str], str], submit: Callable[[str, dict[str, str]], str]
) -> str:
    """The steps after the password for a console account that needs a second factor: enrolment
    (the page's secret kept, a code from it) or the code of one already set up. `location` is where
    the password's post went (a /console/... path); `fetch(path)` a page's HTML and
    `submit(path, form)` a post's Location, with the client's cookies. Where the sign-in landed."""
    if location.endswith("/mfa/setup"):
        page = fetch(location)
        secret, token = _SECRET.search(page), _TOKEN.search(page)
        assert secret and token, page[:500]
        AUTHENTICATOR_SECRETS[email] = secret.group(1)
        return submit(location, {"code": authenticator.code(secret.group(1)), "csrf_token": token.group(1)})
    if location.endswith("/login/code"):
        page = fetch(location)
        token = _TOKEN.search(page)
        assert token and email in AUTHENTICATOR_SECRETS, page[:500]
        return submit(
            location, {"code": authenticator.code(AUTHENTICATOR_SECRETS[email]), "csrf_token": token.group(1)}
        )
    return location


def browser_sign_in(p: Pipeline, driver: WebDriver, user: dict[str, str], shots: Path | None = None) -> None:
    """A browser's sign-in to the console: email and password, then the second factor where the
    account needs one: its enrolment (the secret the page shows, as a phone would scan it; kept
    for the next sign-in) or its code. `shots`: a path prefix to save the steps' screenshots under."""
    driver.get(f"{p.stack.info['console_url']}/login")
    p.stack.wait_for(lambda: driver.find_elements(By.ID, "sign-in"), timeout=15)
    driver.find_element(By.ID, "email").send_keys(user["email"])
    driver.find_element(By.ID, "password").send_keys(user["password"])
    driver.find_element(By.ID, "sign-in").click()
    step = p.stack.wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#inbox, #mfa-setup, #mfa-code"), timeout=15)
    if step[0].get_attribute("id") == "mfa-setup":
        secret = driver.find_element(By.ID, "mfa-secret").text
        AUTHENTICATOR_SECRETS[user["email"]] = secret
        if shots:
            driver.save_screenshot(f"{shots}mfa_setup.png")
        type_code(driver, secret)
    elif step[0].get_attribute("id") == "mfa-code":
        if shots:
            driver.save_screenshot(f"{shots}mfa_code.png")
        type_code(driver, AUTHENTICATOR_SECRETS[user["email"]])
    p.stack.wait_for(lambda: driver.find_elements(By.ID, "inbox"), timeout=15)


def type_code(driver: WebDriver, secret: str) -> None:
    """A TOTP code from `secret` into the page's code field, and send it."""
    driver.find_element(By.ID, "code").send_keys(authenticator.code(secret))
    driver.find_element(By.ID, "verify").click()
