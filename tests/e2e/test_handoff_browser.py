"""Asked for a person outside the business's hours, on the whole local stack and in a real browser
(issue 27, point 8): the customer's WhatsApp reply ends with the code's sentence on the next
opening, and staff see the conversation in the inbox as waiting for the opening and the reply in
its transcript. The demo clinic is given, for this test only, hours for people on one weekday three
days ahead (its staff's hours are what every other test sees; restored after), and its owner a number of
their own, cleared after. Screenshots go to
tests/e2e/screenshots/ (git-ignored)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from e2e_kit import MADRID, Pipeline, browser_sign_in
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from devstack.demo import post
from receptionist.agent.handoff_wording import outside_hours

SCREENSHOTS = Path(__file__).with_name("screenshots")
CLINIC = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def opens_in_three_days(pipeline: Pipeline) -> Iterator[datetime]:
    """The clinic answers people only 09:00-10:00 on the weekday three days from today (Madrid): the
    next opening, whatever the time the test runs."""
    day = datetime.now(MADRID).date() + timedelta(days=3)
    url = pipeline.stack.info["database_url"]
    with psycopg.connect(url) as conn:
        conn.execute(
            "insert into opening_hours (organization_id, weekday, starts, ends) values (%s, %s, '09:00', '10:00')",
            (CLINIC, day.isoweekday()),
        )
    try:
        yield datetime.combine(day, time(9, 0), MADRID)
    finally:
        with psycopg.connect(url) as conn:  # and the owner's own number the test gives (below)
            conn.execute("delete from opening_hours where organization_id = %s", (CLINIC,))
            conn.execute("update console_users set whatsapp_number = null where organization_id = %s", (CLINIC,))


def _wait(p: Pipeline, predicate: Any, timeout: float | None = None) -> Any:
    return p.stack.wait_for(predicate, timeout=timeout or p.bound())


def test_asked_for_a_person_outside_the_hours_the_reply_says_when_and_staff_see_it_waiting(
    pipeline: Pipeline, browser: WebDriver, opens_in_three_days: datetime
) -> None:
    p = pipeline
    SCREENSHOTS.mkdir(exist_ok=True)
    customer = p.new_customer()
    post(p.stack, "text", "Quiero hablar con una persona", p.gupshup, customer)
    sentence = outside_hours(opens_in_three_days, datetime.now(MADRID), "es")

    def reply() -> str | None:
        return next((m.text for m in p.gupshup.sent_to(customer) if m.kind == "session" and sentence in m.text), None)

    said = _wait(p, reply)
    assert said.endswith(sentence) and "en breve" not in said  # the code's words, not a guess
    assert "a partir de las 9:00" in sentence
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        found = conn.execute(
            "select i.id::text, e.waiting_since from chat_identities i join escalations e on e.chat_identity_id = i.id"
            " where i.customer_number = %s",
            (customer,),
        ).fetchone()
    assert found and found[1] == opens_in_three_days
    identity_id = found[0]

    user = next(u for u in p.stack.info["console_users"] if u["app"] == "ClinicaSonrisa")
    browser_sign_in(p, browser, user)
    browser.get(f"{p.stack.info['console_url']}/inbox?show=unassigned")
    row = f'tr.conversation[data-id="{identity_id}"]'
    _wait(p, lambda: browser.find_elements(By.CSS_SELECTOR, f"{row} .waiting"), 15)
    assert browser.find_element(By.CSS_SELECTOR, f"{row} .waiting").text == "Espera a la apertura"
    browser.save_screenshot(str(SCREENSHOTS / "handoff_inbox.png"))

    browser.get(f"{p.stack.info['console_url']}/conversations/{identity_id}")
    _wait(p, lambda: sentence in browser.find_element(By.ID, "transcript").text, 15)
    browser.save_screenshot(str(SCREENSHOTS / "handoff_conversation.png"))

    browser.get(f"{p.stack.info['console_url']}/settings/handoff")
    _wait(p, lambda: browser.find_elements(By.ID, "hours-in-use"), 15)
    assert "09:00–10:00" in browser.find_element(By.ID, "hours-in-use").text  # noqa: RUF001
    browser.save_screenshot(str(SCREENSHOTS / "handoff_settings.png"))

    # The staff member's own number for the conversations they take: refused readably, then kept.
    browser.get(f"{p.stack.info['console_url']}/my-number")
    _wait(p, lambda: browser.find_elements(By.ID, "whatsapp_number"), 15)
    field = browser.find_element(By.ID, "whatsapp_number")
    field.clear()
    field.send_keys("12345")
    browser.find_element(By.ID, "save-my-number").click()
    _wait(p, lambda: browser.find_elements(By.ID, "error"), 15)
    assert "Ese número no es válido" in browser.find_element(By.ID, "error").text
    field = browser.find_element(By.ID, "whatsapp_number")
    field.clear()
    field.send_keys("+34 699 000 123")
    browser.find_element(By.ID, "save-my-number").click()
    _wait(p, lambda: browser.find_elements(By.ID, "notice"), 15)
    assert browser.find_element(By.ID, "whatsapp_number").get_attribute("value") == "+34699000123"
    browser.save_screenshot(str(SCREENSHOTS / "handoff_my_number.png"))
