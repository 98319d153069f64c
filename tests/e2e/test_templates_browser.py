"""The templates page in a real browser (headless Chromium, Debian's package, through its
chromedriver) on the whole local stack: the demo clinic's owner reads the templates from the local
Gupshup server (the seeded ones approved), submits one for approval, sees it pending, and approved
after Meta's review (played by the local Gupshup server) and the next read; it is then choosable
for reminders. Screenshots go to tests/e2e/screenshots/ (git-ignored)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from e2e_kit import Pipeline, browser_sign_in
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from devstack.fakes.gupshup import SEEDED_APP_IDS

SCREENSHOTS = Path(__file__).with_name("screenshots")


def _wait(p: Pipeline, predicate: Any, timeout: float = 15) -> Any:
    return p.stack.wait_for(predicate, timeout=timeout)


def _row(driver: WebDriver, template_id: str) -> Any:
    found = driver.find_elements(By.CSS_SELECTOR, f'li.template[data-template="{template_id}"]')
    return found[0] if found else None


def _status(driver: WebDriver, template_id: str) -> str | None:
    """The row's status as the page shows it (None while the page is being replaced)."""
    try:
        row = _row(driver, template_id)
        return None if row is None else row.get_attribute("data-status")
    except StaleElementReferenceException:
        return None


def test_an_owner_reads_submits_and_sees_a_template_approved(pipeline: Pipeline, browser: WebDriver) -> None:
    p = pipeline
    SCREENSHOTS.mkdir(exist_ok=True)
    user = next(u for u in p.stack.info["console_users"] if u["app"] == "ClinicaSonrisa")
    console = p.stack.info["console_url"]
    browser_sign_in(p, browser, user)

    browser.get(f"{console}/settings/templates")
    browser.find_element(By.ID, "sync-templates").click()
    _wait(p, lambda: "notice=synced" in browser.current_url)
    seeded = _row(browser, "recordatorio_cita")
    assert seeded is not None and seeded.get_attribute("data-usable") == "yes"
    assert seeded.get_attribute("data-status") == "APPROVED"
    assert [b.text for b in seeded.find_elements(By.CSS_SELECTOR, ".template-button")] == [
        "Confirmar",
        "Cancelar",
        "Cambiar",
    ]

    browser.save_screenshot(str(SCREENSHOTS / "templates_synced.png"))

    name = f"aviso_prueba_{uuid.uuid4().hex[:8]}"
    browser.find_element(By.ID, "tpl-name").send_keys(name)
    browser.find_element(By.ID, "tpl-body").send_keys("Hola {{1}}, te esperamos el {{2}}.")
    browser.find_element(By.ID, "tpl-examples").send_keys("Lucía\nlunes a las 10:00")
    browser.find_element(By.ID, "tpl-button-1").send_keys("Confirmar")
    browser.find_element(By.ID, "submit-template").click()
    _wait(p, lambda: "notice=submitted" in browser.current_url)  # not the previous page's notice
    [made] = [t for t in p.gupshup.templates(SEEDED_APP_IDS["ClinicaSonrisa"]) if t.name == name]
    row = _row(browser, made.id)
    assert row is not None and row.get_attribute("data-status") == "PENDING"
    assert row.get_attribute("data-usable") == "no"
    row_screenshot = browser.find_element(By.ID, "templates")
    browser.execute_script("arguments[0].scrollIntoView()", row_screenshot)
    browser.save_screenshot(str(SCREENSHOTS / "templates.png"))

    # Meta approves it; the next read shows it approved, and the reminders page offers it.
    p.gupshup.set_template_status(SEEDED_APP_IDS["ClinicaSonrisa"], made.id, "APPROVED")
    browser.find_element(By.ID, "sync-templates").click()
    _wait(p, lambda: _status(browser, made.id) == "APPROVED")
    browser.get(f"{console}/settings/reminders")
    offered = browser.find_element(By.CSS_SELECTOR, f'li.template[data-template="{made.id}"]')
    assert offered.get_attribute("data-usable") == "yes"
    assert offered.find_element(By.CSS_SELECTOR, "input[type=radio]").is_enabled()
    browser.save_screenshot(str(SCREENSHOTS / "reminders_templates.png"))
