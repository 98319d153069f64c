"""The staff console in a real browser (headless Chromium, Debian's package, through its
chromedriver) on the whole local stack: sign in, find the escalated conversation, take one
over (the assistant then stays quiet), reply as the business (it reaches the local Gupshup
server), hand it back, and the assistant answers again; another business's owner cannot open
it; a form post without its CSRF token is refused. An owner invites a colleague, who signs in
with the e-mailed temporary password, chooses a new one, sets up TOTP (the QR code's secret in a
real TOTP implementation, pyotp), signs in with a code, resets a forgotten password; disabled by
the owner, their open page says the session ended within a minute. The owner of a business of the
test's own reads its dashboard, the charts drawn by Chart.js at a desktop's and a phone's width.
Screenshots go to tests/e2e/screenshots/ (git-ignored)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from e2e_kit import AUTHENTICATOR_SECRETS, Pipeline, browser_sign_in
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from devstack import authenticator
from devstack.aws import moto_client
from devstack.demo import post
from devstack.mailbox import cognito_mail
from receptionist.adapters.cognito import StaffPool
from receptionist.stats.latency import FIRST_REPLY_MS_EDGES, histogram

SCREENSHOTS = Path(__file__).with_name("screenshots")
LIMPIEZA = "00000000-0000-4000-8001-000000000001"  # the demo clinic's cleaning (infra/supabase/seed.sql)
GOMEZ = "00000000-0000-4000-8002-000000000001"  # and Dra. Gómez, who does it


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

    browser_sign_in(p, browser, _user(p, "ClinicaSonrisa"))
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
    browser_sign_in(p, browser, _user(p, "SalonLima"))
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
    browser_sign_in(p, browser, _user(p, "ClinicaSonrisa"))
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


def _mail(p: Pipeline, email: str) -> dict[str, Any]:
    """What Cognito e-mailed `email` (locally: what moto keeps, README "Staff console")."""
    return cognito_mail(p.stack.info["aws_endpoint_url"], email)


def _fill(driver: WebDriver, **fields: str) -> None:
    for element_id, value in fields.items():
        box = driver.find_element(By.ID, element_id)
        box.clear()
        box.send_keys(value)


def test_an_invited_colleague_signs_in_sets_up_totp_resets_the_password_and_is_disabled(
    pipeline: Pipeline, browser: WebDriver, second_browser: WebDriver
) -> None:
    p = pipeline
    SCREENSHOTS.mkdir(exist_ok=True)
    console = p.stack.info["console_url"]
    owner = next(u for u in p.stack.info["console_users"] if u["app"] == "ClinicaSonrisa" and u["role"] == "owner")
    browser_sign_in(p, browser, owner, shots=SCREENSHOTS / "owner_")

    # The owner invites a colleague (staff of a clinic: health data, so a second factor too).
    email = f"recepcion-{uuid.uuid4().hex[:8]}@clinicasonrisa.example"
    browser.get(f"{console}/team")
    _wait(p, lambda: browser.find_elements(By.ID, "invite-form"), 15)
    _fill(browser, **{"invite-email": email})
    Select(browser.find_element(By.ID, "invite-role")).select_by_value("staff")
    _click(p, browser, "invite")
    _wait(p, lambda: browser.find_elements(By.CSS_SELECTOR, f'li.member[data-email="{email}"]'), 15)
    browser.save_screenshot(str(SCREENSHOTS / "team.png"))
    temporary = _mail(p, email)["temporary_password"]
    assert temporary

    # First sign-in with the temporary password: a new one is asked for, then TOTP is set up.
    colleague = second_browser
    colleague.get(f"{console}/login")
    _wait(p, lambda: colleague.find_elements(By.ID, "sign-in"), 15)
    _fill(colleague, email=email, password=temporary)
    _click(p, colleague, "sign-in")
    _wait(p, lambda: colleague.find_elements(By.ID, "new-password-form"), 15)
    _fill(colleague, password="Corta1", confirm="Corta1")
    _click(p, colleague, "save-password")
    _wait(p, lambda: colleague.find_elements(By.ID, "error"), 15)
    assert "al menos 12 caracteres" in colleague.find_element(By.ID, "error").text
    colleague.save_screenshot(str(SCREENSHOTS / "new_password.png"))
    chosen = "Recepcion-Primera-2026"
    _fill(colleague, password=chosen, confirm=chosen)
    _click(p, colleague, "save-password")
    _wait(p, lambda: colleague.find_elements(By.ID, "mfa-setup"), 15)
    assert colleague.find_element(By.ID, "mfa-qr").get_attribute("src").startswith("data:image/svg+xml")
    secret = colleague.find_element(By.ID, "mfa-secret").text
    colleague.save_screenshot(str(SCREENSHOTS / "mfa_setup.png"))
    colleague.get(f"{console}/inbox")  # nothing else until it is set up
    _wait(p, lambda: colleague.find_elements(By.ID, "mfa-setup"), 15)
    secret = colleague.find_element(By.ID, "mfa-secret").text
    _fill(colleague, code="000000" if authenticator.code(secret) != "000000" else "111111")
    _click(p, colleague, "verify")
    _wait(p, lambda: colleague.find_elements(By.ID, "error"), 15)  # a wrong code does not turn it on
    _fill(colleague, code=authenticator.code(secret))
    _click(p, colleague, "verify")
    _wait(p, lambda: colleague.find_elements(By.ID, "inbox"), 15)

    # Signing in again asks for a code from the app.
    AUTHENTICATOR_SECRETS[email] = secret
    _click(p, colleague, "sign-out")
    _wait(p, lambda: colleague.find_elements(By.ID, "sign-in"), 15)
    browser_sign_in(p, colleague, {"email": email, "password": chosen}, shots=SCREENSHOTS / "colleague_")

    # A forgotten password: a code by e-mail, a new password, and signing in with it (and a code).
    _click(p, colleague, "sign-out")
    _click(p, colleague, "forgot")
    _wait(p, lambda: colleague.find_elements(By.ID, "forgot-form"), 15)
    colleague.save_screenshot(str(SCREENSHOTS / "password_forgot.png"))
    _fill(colleague, email=email)
    _click(p, colleague, "send-code")
    _wait(p, lambda: colleague.find_elements(By.ID, "reset-form"), 15)
    reset = "Recepcion-Segunda-2026"
    _fill(colleague, code=_mail(p, email)["reset_code"], password=reset, confirm=reset)
    colleague.save_screenshot(str(SCREENSHOTS / "password_reset.png"))
    _click(p, colleague, "save-password")
    _wait(p, lambda: colleague.find_elements(By.ID, "notice"), 15)
    assert "Contraseña restablecida" in colleague.find_element(By.ID, "notice").text
    browser_sign_in(p, colleague, {"email": email, "password": reset})
    colleague.get(f"{console}/account")
    _wait(p, lambda: colleague.find_elements(By.ID, "password-form"), 15)
    colleague.save_screenshot(str(SCREENSHOTS / "account.png"))
    colleague.get(f"{console}/inbox")
    _wait(p, lambda: colleague.find_elements(By.ID, "inbox"), 15)

    # The owner disables the account: the colleague's open inbox says the session ended within a
    # minute (its next poll, every 5 s), and signing in again is refused.
    browser.get(f"{console}/team")
    row = _wait(p, lambda: browser.find_elements(By.CSS_SELECTOR, f'li.member[data-email="{email}"]'), 15)[0]
    row.find_element(By.CSS_SELECTOR, "button.act-disable").click()
    _wait(
        p,
        lambda: browser.find_elements(By.CSS_SELECTOR, f'li.member[data-email="{email}"][data-active="false"]'),
        15,
    )
    _wait(p, lambda: colleague.find_elements(By.CSS_SELECTOR, "#session-ended:not([hidden])"), 60)
    colleague.get(f"{console}/login")
    _wait(p, lambda: colleague.find_elements(By.ID, "sign-in"), 15)
    _fill(colleague, email=email, password=reset)
    _click(p, colleague, "sign-in")
    _wait(p, lambda: colleague.find_elements(By.ID, "error"), 15)
    assert colleague.find_element(By.ID, "error").text == "Correo o contraseña incorrectos."
    colleague.save_screenshot(str(SCREENSHOTS / "disabled_refused.png"))

    # No password, reset code or TOTP secret in any log of the stack (the console's and moto's).
    secrets = {temporary, chosen, reset, _mail(p, email)["reset_code"] or reset, secret.replace(" ", "")}
    logs = p.stack.config.state_dir / "logs"
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(errors="replace")
        assert not [s for s in secrets if s in text], path.name


def _owner_of_a_new_business(p: Pipeline, name: str) -> dict[str, str]:
    """A business of this test's own (Madrid) and its owner's console account (the template's
    user pool in moto, the stack's console password, as the seeded owners'): its e-mail and password."""
    info = p.stack.info
    idp = moto_client("cognito-idp", info["aws_endpoint_url"], info["region"])
    pool = next(u["Id"] for u in idp.list_user_pools(MaxResults=60)["UserPools"] if u["Name"].endswith("-staff"))
    organization, email = str(uuid.uuid4()), f"owner-{uuid.uuid4().hex[:8]}@panel.example"
    password = _user(p, "ClinicaSonrisa")["password"]
    sub = StaffPool(pool, idp).create_user(email, password)
    StaffPool(pool, idp).set_password(email, password)
    with psycopg.connect(info["database_url"]) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (organization, name))
        conn.execute(
            "insert into agent_settings (organization_id, timezone) values (%s, 'Europe/Madrid')", (organization,)
        )
        conn.execute(
            "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, 'owner')",
            (sub, organization, email),
        )
    return {"organization_id": organization, "email": email, "password": password}


def _canvas_painted(driver: WebDriver, canvas_id: str) -> int:
    """How many of the canvas's pixels are painted (not transparent)."""
    script = (
        "const c = document.getElementById(arguments[0]);"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n;"
    )
    return int(driver.execute_script(script, canvas_id))


def test_the_owner_reads_the_dashboard_with_its_charts_on_a_desktop_and_a_phone(
    pipeline: Pipeline, browser: WebDriver
) -> None:
    """Issue 31: the owner's dashboard of a business of the test's own, its roll-up rows written
    here (the roll-up's own tests compute them; days well before the roll-up's trailing window, so
    a scheduled pass cannot rewrite them): the figures, the three charts drawn by the vendored
    Chart.js (instances with the page's series, painted canvases) at a desktop's and a phone's width,
    no sideways scrolling on the phone, the CSV download."""
    p = pipeline
    SCREENSHOTS.mkdir(exist_ok=True)
    owner = _owner_of_a_new_business(p, "Fisioterapia Panel")
    today = datetime.now(ZoneInfo("Europe/Madrid")).date()
    days = [today - timedelta(days=n) for n in range(27, 7, -1)]  # 20 days of the last 30
    with psycopg.connect(p.stack.info["database_url"]) as conn:
        for n, day in enumerate(days):
            conn.execute(
                "insert into daily_business_stats (organization_id, day, rate_card, conversations, resolved_alone,"
                " booked_assistant, booked_console, booked_reminder, confirmed, escalations, first_replies,"
                " first_reply_ms) values (%s, %s, 'meta-2025-07-01', %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    owner["organization_id"], day, 20 + n % 7 * 3, 15 + n % 5, 2 + n % 3, n % 2, 1, 3, n % 3, 10,
                    histogram([900 + 150 * (n % 6)] * 8 + [4_000 + 500 * (n % 4)] * 2, FIRST_REPLY_MS_EDGES),
                ),
            )  # fmt: skip
    conversations = sum(20 + n % 7 * 3 for n in range(len(days)))
    booked = sum(2 + n % 3 + n % 2 + 1 for n in range(len(days)))
    browser_sign_in(p, browser, owner)

    shown = {}
    for shape, (width, height) in (("desktop", (1280, 1900)), ("phone", (390, 3600))):
        browser.set_window_size(width, height)
        browser.get(f"{p.stack.info['console_url']}/dashboard?days=30")
        _wait(p, lambda: browser.execute_script("return (window.dashboardCharts || []).length") == 3, 15)
        charts = browser.execute_script(
            "return window.dashboardCharts.map(c => ({id: c.canvas.id, type: c.config.type,"
            " datasets: c.data.datasets.length, labels: c.data.labels.length,"
            " first: c.data.datasets[0].data, width: c.width}))"
        )
        assert [c["id"] for c in charts] == ["chart-conversations", "chart-booked", "chart-first-reply"]
        assert [(c["type"], c["datasets"], c["labels"]) for c in charts] == [
            ("line", 3, 30),
            ("bar", 5, 30),
            ("line", 2, 30),
        ]
        assert sum(charts[0]["first"]) == conversations
        for chart in charts:
            assert _canvas_painted(browser, chart["id"]) > 2_000, (shape, chart["id"])
        assert browser.find_element(By.CSS_SELECTOR, "#fig-conversations .value").text == f"{conversations:,}".replace(
            ",", "."
        )
        assert browser.find_element(By.CSS_SELECTOR, "#fig-booked .value").text == str(booked)
        assert browser.find_element(By.CSS_SELECTOR, "#fig-first-reply-p50 .value").text.endswith(" s")
        viewport = browser.execute_script("return document.documentElement.clientWidth")
        assert browser.execute_script("return document.documentElement.scrollWidth") <= viewport  # no sideways scroll
        assert all(c["width"] <= viewport for c in charts)  # each canvas fits the screen
        shown[shape] = [c["width"] for c in charts]
        browser.save_screenshot(str(SCREENSHOTS / f"dashboard_{shape}.png"))
    assert all(phone < desktop for phone, desktop in zip(shown["phone"], shown["desktop"], strict=True))

    # The CSV: one line per day of the period, downloaded with the owner's session.
    script = (
        "const done = arguments[arguments.length - 1];"
        "fetch('/console/dashboard.csv?days=30', {credentials: 'same-origin'})"
        ".then(r => r.text().then(t => done([r.status, r.headers.get('content-disposition'), t])));"
    )
    status, disposition, text = browser.execute_async_script(script)
    assert status == 200 and disposition.startswith('attachment; filename="dashboard-')
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("day,conversations,") and len(lines) == 31
    assert lines[-1].startswith(f"{today.isoformat()},0,")
