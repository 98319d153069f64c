"""The staff console in a real browser (headless Chromium, Debian's package, through its
chromedriver) on the whole local stack: sign in, find the escalated conversation, take one
over (the assistant then stays quiet), reply as the business (it reaches the local Gupshup
server), hand it back, and the assistant answers again; another business's owner cannot open
it; a form post without its CSRF token is refused. Screenshots go to tests/e2e/screenshots/
(git-ignored)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from e2e_kit import Pipeline
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from devstack.demo import post

SCREENSHOTS = Path(__file__).with_name("screenshots")
LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's cleaning (infra/supabase/seed.sql)
GOMEZ = "00000000-0000-4000-8002-000000000001"  # and Dra. Gómez, who does it
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=430,1100"):
        options.add_argument(flag)  # a phone-sized window: the console is used on phones
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _identity_id(p: Pipeline, customer: str) -> str | None:
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute("select id::text from chat_identities where customer_number = %s", (customer,)).fetchone()
    return str(row[0]) if row else None


def _bot_enabled(p: Pipeline, customer: str) -> bool | None:
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        row = conn.execute("select bot_enabled from chat_identities where customer_number = %s", (customer,)).fetchone()
    return None if row is None else bool(row[0])


def _texts_to(p: Pipeline, customer: str) -> list[str]:
    return [m.text for m in p.gupshup.sent_to(customer) if m.kind == "session"]


def _wait(p: Pipeline, predicate: Any, timeout: float | None = None) -> Any:
    return p.stack.wait_for(predicate, timeout=timeout or p.bound())


def _sign_in(p: Pipeline, driver: WebDriver, user: dict[str, str]) -> None:
    driver.get(p.stack.info["console_url"])
    _wait(p, lambda: driver.find_elements(By.ID, "sign-in"), 15)
    driver.find_element(By.ID, "email").send_keys(user["email"])
    driver.find_element(By.ID, "password").send_keys(user["password"])
    driver.find_element(By.ID, "sign-in").click()
    _wait(p, lambda: driver.find_elements(By.ID, "inbox"), 15)


def _click(p: Pipeline, driver: WebDriver, element_id: str) -> None:
    _wait(p, lambda: driver.find_elements(By.ID, element_id), 15)[0].click()


def _user(p: Pipeline, app: str) -> dict[str, str]:
    return next(u for u in p.stack.info["console_users"] if u["app"] == app)


def _next_weekday(weekday: int) -> date:
    """The next such weekday (0 = Monday) at least two days from today in Madrid."""
    day = datetime.now(ZoneInfo("Europe/Madrid")).date() + timedelta(days=2)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _fetch_status(driver: WebDriver, method: str, path: str) -> int:
    """What the browser's own fetch gets (with its cookies) for `method path`, no CSRF token."""
    script = (
        "const done = arguments[arguments.length - 1];"
        f"fetch({path!r}, {{method: {method!r}, credentials: 'same-origin'}}).then(r => done(r.status));"
    )
    return int(driver.execute_async_script(script))


def test_staff_take_over_reply_and_hand_back_in_the_browser(pipeline: Pipeline, browser: WebDriver) -> None:
    p = pipeline
    SCREENSHOTS.mkdir(exist_ok=True)
    # A customer who asks for a person: escalated, the assistant goes quiet.
    escalated = p.new_customer()
    post(p.stack, "text", "Quiero hablar con una persona", p.gupshup, escalated)
    _wait(p, lambda: _bot_enabled(p, escalated) is False)
    escalated_id = _identity_id(p, escalated)
    # A customer the assistant is talking to.
    customer = p.new_customer()
    post(p.stack, "text", "Hola, ¿qué servicios tenéis?", p.gupshup, customer)
    _wait(p, lambda: _texts_to(p, customer))
    identity_id = _identity_id(p, customer)
    assert escalated_id and identity_id

    _sign_in(p, browser, _user(p, "ClinicaSonrisa"))
    # The inbox opens on "needs a person": the escalated conversation is there, the other is not.
    _wait(p, lambda: browser.find_elements(By.CSS_SELECTOR, f'tr.conversation[data-id="{escalated_id}"]'))
    assert not browser.find_elements(By.CSS_SELECTOR, f'tr.conversation[data-id="{identity_id}"]')
    browser.save_screenshot(str(SCREENSHOTS / "inbox.png"))

    # Take over the other conversation, reply as the business, hand it back.
    browser.get(f"{p.stack.info['console_url']}/conversations/{identity_id}")
    _click(p, browser, "take-over")
    _wait(p, lambda: browser.find_elements(By.ID, "reply-text"), 15)
    assert _bot_enabled(p, customer) is False
    # While a person owns it, the assistant stays quiet: the customer's message is stored only.
    quiet_before = len(_texts_to(p, customer))
    post(p.stack, "text", "¿Hay alguien?", p.gupshup, customer)
    _wait(p, lambda: "¿Hay alguien?" in browser.find_element(By.ID, "transcript").text)  # polled in
    p.stack.wait_idle(timeout=p.bound())
    assert len(_texts_to(p, customer)) == quiet_before
    reply = f"Hola, soy Marta de la clínica ({uuid.uuid4().hex[:6]})."
    browser.find_element(By.ID, "reply-text").send_keys(reply)
    _click(p, browser, "send")
    _wait(p, lambda: reply in _texts_to(p, customer))  # the notifier sent it through Gupshup
    # The transcript shows it without a reload, with its delivery state.
    _wait(p, lambda: reply in browser.find_element(By.ID, "transcript").text, 15)
    browser.save_screenshot(str(SCREENSHOTS / "conversation.png"))
    _click(p, browser, "hand-back")
    _wait(p, lambda: browser.find_elements(By.ID, "take-over"), 15)
    assert _bot_enabled(p, customer) is True

    # The assistant answers the customer's next message again.
    before = len(_texts_to(p, customer))
    post(p.stack, "text", "¿Cuánto cuesta una limpieza?", p.gupshup, customer)
    _wait(p, lambda: len(_texts_to(p, customer)) > before)

    # The appointments view: book one through its form, see it in the week of its member.
    day = _next_weekday(2)  # a Wednesday: Dra. Gómez works 09:00-14:00 (Madrid); no other test books 13:00

    browser.get(f"{p.stack.info['console_url']}/appointments?view=week&day={day}")
    _wait(p, lambda: browser.find_elements(By.ID, "create"), 15)
    patient = p.new_customer()
    browser.find_element(By.ID, "new-phone").send_keys(patient)
    browser.find_element(By.ID, "new-name").send_keys("Paciente de prueba")
    Select(browser.find_element(By.ID, "new-service")).select_by_value(LIMPIEZA)
    Select(browser.find_element(By.ID, "new-member")).select_by_value(GOMEZ)
    for field, value in (("new-date", day.isoformat()), ("new-time", "13:00")):
        browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, field), value)
    _click(p, browser, "create")
    _wait(p, lambda: browser.find_elements(By.ID, "notice"), 15)
    browser.get(f"{p.stack.info['console_url']}/appointments?view=week&day={day}")
    _wait(
        p, lambda: browser.find_elements(By.CSS_SELECTOR, f'section.member[data-member="{GOMEZ}"] li.appointment'), 15
    )
    browser.save_screenshot(str(SCREENSHOTS / "appointments.png"))

    # A form post without its CSRF token is refused, and changes nothing.
    assert _fetch_status(browser, "POST", f"/console/conversations/{identity_id}/takeover") == 403
    assert _bot_enabled(p, customer) is True

    # Another business's owner cannot open the conversation, by URL nor through the API.
    browser.get(f"{p.stack.info['console_url']}/login")
    browser.delete_all_cookies()
    _sign_in(p, browser, _user(p, "SalonLima"))
    browser.get(f"{p.stack.info['console_url']}/conversations/{identity_id}")
    assert "No existe esa conversación." in browser.find_element(By.ID, "error").text
    assert _fetch_status(browser, "GET", f"/console/conversations/{identity_id}") == 404
    assert _fetch_status(browser, "GET", f"/console/api/conversations/{identity_id}") == 404
    assert _fetch_status(browser, "GET", f"/console/api/conversations/{escalated_id}") == 404


def test_a_page_whose_session_ended_says_so(pipeline: Pipeline, browser: WebDriver) -> None:
    """The session cookie goes (as when its hour is over) on an open inbox: its next poll gets a
    401 and the page says the session ended, with a link to sign in, instead of pasting the
    sign-in form into the table."""
    p = pipeline
    SCREENSHOTS.mkdir(exist_ok=True)
    _sign_in(p, browser, _user(p, "ClinicaSonrisa"))
    assert not browser.find_elements(By.CSS_SELECTOR, "#session-ended:not([hidden])")
    browser.delete_cookie("rc_session")

    def polled() -> list[Any]:  # the inbox polls every 5 s: the notice shows, or a pasted sign-in form
        return browser.find_elements(By.CSS_SELECTOR, "#session-ended:not([hidden]), #inbox #password")

    _wait(p, polled, 30)
    assert not browser.find_elements(By.ID, "password")  # no sign-in form pasted anywhere
    assert browser.find_element(By.ID, "session-ended").text == "Tu sesión ha terminado. Vuelve a entrar"
    assert browser.find_elements(By.CSS_SELECTOR, "#inbox tr")  # the rows stay as they were
    browser.save_screenshot(str(SCREENSHOTS / "session_ended.png"))
    _click(p, browser, "sign-in-again")
    _wait(p, lambda: browser.find_elements(By.ID, "sign-in"), 15)
    assert browser.current_url.endswith("/console/login")
