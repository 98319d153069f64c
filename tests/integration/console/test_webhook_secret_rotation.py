"""An owner rotates their own Gupshup app's webhook secret from the settings, without downtime
and without ever losing a callback: a new secret valid next to the old one, shown once, then the
old one retired (or the new one cancelled). Only the app of their own business's connection;
never one named by the request. Two starts at once (two console containers, both having read the
parameter before either writes), a start sent twice, a second start while one is pending, and a
finish or cancel for a change that is no longer the page's: one secret is ever shown, it is the
one stored, and the webhook accepts a callback signed with it."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from console_kit import SALON, Console, csrf
from fastapi.testclient import TestClient
from webhook_kit import api_event, status_event

from devstack.aws import moto_client
from devstack.template import function_env
from receptionist.adapters.app_secrets import CLAIM_EXPIRES, SsmAppSecrets
from receptionist.config import WebhookSettings
from receptionist.console.services.settings import base as settings_service
from receptionist.console.services.settings.connections import secret_fingerprint
from receptionist.webhook.http import HttpRequest
from receptionist.webhook.wiring import build

PATH = function_env("ConsoleFunction")["WEBHOOK_SECRETS_PATH"]
PAGE = "/console/settings/whatsapp"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _business(console: Console) -> tuple[str, str, str]:
    """A business of its own with one Gupshup app whose secret is "old-secret"."""
    org, app = str(uuid.uuid4()), f"Rota{uuid.uuid4().hex[:10]}"
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("insert into organizations (id, name) values (%s, %s)", (org, f"Negocio {app}"))
        conn.execute("insert into agent_settings (organization_id) values (%s)", (org,))
        row = conn.execute(
            "insert into platform_connections (organization_id, app_name, business_number, api_key_ref)"
            " values (%s, %s, '34910000099', %s) returning id::text",
            (org, app, f"/receptionist/dev/gupshup/{app}"),
        ).fetchone()
        conn.execute("insert into notification_settings (organization_id) values (%s)", (org,))
    assert row is not None
    _ssm(console).put_parameter(Name=f"{PATH}/{app}", Value="old-secret", Type="SecureString", Overwrite=True)
    return org, app, str(row[0])


def _ssm(console: Console) -> Any:
    return moto_client("ssm", console.sqs.meta.endpoint_url, "us-east-1")


def _secrets(console: Console, app: str) -> list[str]:
    """What the webhook accepts for the app right now (its own reader, fresh)."""
    return SsmAppSecrets(PATH, _ssm(console)).secrets_for(app)


def _form(client: TestClient, connection: str, step: str) -> dict[str, str]:
    """The hidden fields of the connection's `step` form (start, finish, cancel), as the page draws it now."""
    page = client.get(PAGE).text
    found = re.search(rf'<form method="post" action="{PAGE}/{connection}/secret/{step}"[^>]*>(.*?)</form>', page, re.S)
    assert found, f"no {step} form on the page"
    return dict(HIDDEN.findall(found.group(1)))


def _start(client: TestClient, connection: str) -> httpx.Response:
    """The owner presses "Generate a new secret" on the page as it is now."""
    return client.post(f"{PAGE}/{connection}/secret/start", data=_form(client, connection, "start"))


def _shown(answer: httpx.Response, connection: str) -> str | None:
    """The new secret a response shows, if any."""
    found = re.search(rf'id="new-secret-{connection}">([0-9a-f]{{64}})<', answer.text)
    return found.group(1) if found else None


def _pending(text: str, connection: str) -> str | None:
    """The fingerprint of the pending secret a page names, if any."""
    found = re.search(rf'id="pending-fingerprint-{connection}">([0-9a-f-]+)<', text)
    return found.group(1) if found else None


def _audit(console: Console, org: str) -> list[tuple[str, str]]:
    with psycopg.connect(console.owner_url) as conn:
        rows = conn.execute(
            "select action, details::text from audit_log where organization_id = %s and action like 'settings%%'"
            " order by id",
            (org,),
        ).fetchall()
    return [(str(a), str(d)) for a, d in rows]


@pytest.fixture(scope="module")
def webhook(console: Console) -> Callable[[str, str], int]:
    """What the webhook answers a Gupshup callback for `app` signed with `secret` (its service, its
    SSM reader fresh each time; a delivery status goes to a queue of this module's own)."""
    endpoint = console.sqs.meta.endpoint_url
    queue = console.sqs.create_queue(
        QueueName=f"rotation-{uuid.uuid4().hex[:6]}.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
    )["QueueUrl"]

    def status(app: str, secret: str) -> int:
        settings = WebhookSettings.from_env(
            {
                "CONVERSATIONS_TABLE": "no-table-for-statuses",
                "INBOUND_QUEUE_URL": queue,
                "OUTBOUND_QUEUE_URL": queue,
                "WEBHOOK_SECRETS_PATH": PATH,
            }
        )
        service = build(
            settings, ssm=_ssm(console), dynamodb=moto_client("dynamodb", endpoint, "us-east-1"), sqs=console.sqs
        ).service
        event = api_event({**status_event("delivered", id=str(uuid.uuid4())), "app": app}, token=secret)
        return service.handle(HttpRequest.from_api_gateway(event)).status

    return status


@contextmanager
def _containers(console: Console, count: int) -> Iterator[list[TestClient]]:
    """`count` console containers on the same parts, each reaching SSM through a client whose
    first PutParameter waits until every container has reached its own: all of them have read
    the parameter, none has written yet (the read/write boundary). Each answers an owner's
    browser through its own test client (cookies copied in by the caller)."""
    barrier = threading.Barrier(count, timeout=30)
    apps = []
    for _ in range(count):
        ssm = _ssm(console)
        first = [True]

        def hold(first: list[bool] = first, **_: Any) -> None:
            if first[0]:
                first[0] = False
                barrier.wait()

        ssm.meta.events.register("before-call.ssm.PutParameter", hold)
        apps.append(console.container(ssm))
    try:
        yield [TestClient(app, base_url="https://testserver", follow_redirects=False) for app in apps]
    finally:
        for app in apps:
            app.state.parts.db.close()


def _share_cookies(browser: TestClient, tabs: list[TestClient]) -> None:
    for tab in tabs:
        for cookie in browser.cookies.jar:
            tab.cookies.jar.set_cookie(cookie)


def _post_at_once(posts: list[tuple[TestClient, str, dict[str, str]]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(len(posts)) as pool:
        sent = [pool.submit(client.post, url, data=data) for client, url, data in posts]
        return [s.result(timeout=60) for s in sent]


def test_a_rotation_keeps_the_old_secret_until_it_is_finished(
    console: Console, webhook: Callable[[str, str], int]
) -> None:
    org, app, connection = _business(console)
    client = console.signed_in(org)
    answer = _start(client, connection)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    new = _shown(answer, connection)
    assert new, answer.text[:500]
    assert _secrets(console, app) == ["old-secret", new]  # both valid while Gupshup moves over
    assert webhook(app, new) == 200 and webhook(app, "old-secret") == 200
    page = client.get(PAGE).text
    assert new not in page  # shown once
    assert _pending(page, connection) == secret_fingerprint(new)
    assert f'id="start-rotation-{connection}"' not in page  # no second start while one is pending
    answer = client.post(f"{PAGE}/{connection}/secret/finish", data=_form(client, connection, "finish"))
    assert answer.status_code == 303
    assert _secrets(console, app) == [new]
    assert webhook(app, new) == 200 and webhook(app, "old-secret") == 401
    audit = _audit(console, org)
    assert [a for a, _ in audit] == [
        "settings_webhook_secret_rotation_started",
        "settings_webhook_secret_rotation_finished",
    ]
    assert all(new not in details and "old-secret" not in details for _, details in audit)
    assert all(secret_fingerprint(new) in details for _, details in audit)


def test_two_starts_at_once_show_one_secret_the_one_stored(
    console: Console, webhook: Callable[[str, str], int]
) -> None:
    """Two tabs (two forms), two containers, both past their read before either writes: one
    start wins; the other shows the pending secret's fingerprint, never a secret of its own."""
    org, app, connection = _business(console)
    owner = console.signed_in(org)
    forms = [_form(owner, connection, "start"), _form(owner, connection, "start")]
    with _containers(console, 2) as tabs:
        _share_cookies(owner, tabs)
        start = f"{PAGE}/{connection}/secret/start"
        answers = _post_at_once([(tab, start, form) for tab, form in zip(tabs, forms, strict=True)])
    shown = [s for s in (_shown(a, connection) for a in answers) if s]
    assert len(shown) == 1, [a.status_code for a in answers]
    [secret] = shown
    assert sorted(a.status_code for a in answers) == [200, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert _pending(refused.text, connection) == secret_fingerprint(secret)
    assert f'id="finish-rotation-{connection}"' in refused.text and f'id="cancel-rotation-{connection}"' in refused.text
    assert _secrets(console, app) == ["old-secret", secret]
    assert webhook(app, secret) == 200 and webhook(app, "old-secret") == 200
    assert [a for a, _ in _audit(console, org)] == ["settings_webhook_secret_rotation_started"]


def test_a_start_sent_twice_at_once_shows_the_same_secret(console: Console, webhook: Callable[[str, str], int]) -> None:
    """A double click: the same form twice, in two containers at the read/write boundary."""
    org, app, connection = _business(console)
    owner = console.signed_in(org)
    form = _form(owner, connection, "start")
    with _containers(console, 2) as tabs:
        _share_cookies(owner, tabs)
        answers = _post_at_once([(tab, f"{PAGE}/{connection}/secret/start", form) for tab in tabs])
    assert [a.status_code for a in answers] == [200, 200]
    shown = {_shown(a, connection) for a in answers}
    assert len(shown) == 1 and None not in shown
    [secret] = shown
    assert secret is not None
    assert _secrets(console, app) == ["old-secret", secret]
    assert webhook(app, secret) == 200
    assert sorted(a for a, _ in _audit(console, org)) == [  # in either order: the two run at once
        "settings_webhook_secret_rotation_started",
        "settings_webhook_secret_shown_again",
    ]


def test_a_second_start_is_refused_and_a_resent_one_shows_the_same_secret(
    console: Console, webhook: Callable[[str, str], int]
) -> None:
    org, app, connection = _business(console)
    client = console.signed_in(org)
    first, second = _form(client, connection, "start"), _form(client, connection, "start")
    secret = _shown(client.post(f"{PAGE}/{connection}/secret/start", data=first), connection)
    assert secret
    # Another tab's start while this one is pending: refused, the pending one named, nothing written.
    answer = client.post(f"{PAGE}/{connection}/secret/start", data=second)
    assert answer.status_code == 409 and _shown(answer, connection) is None
    assert _pending(answer.text, connection) == secret_fingerprint(secret)
    assert "Ya hay un cambio de secreto en curso" in answer.text
    # The first form again (a refreshed POST): the same secret, still the one stored.
    answer = client.post(f"{PAGE}/{connection}/secret/start", data=first)
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert _shown(answer, connection) == secret
    assert _secrets(console, app) == ["old-secret", secret] and webhook(app, secret) == 200
    # A form whose token is missing or made up is refused.
    assert client.post(f"{PAGE}/{connection}/secret/start", data={"csrf_token": first["csrf_token"]}).status_code == 400
    assert _secrets(console, app) == ["old-secret", secret]


def test_cancel_keeps_the_old_secret_and_finish_or_cancel_sent_twice_changes_nothing(
    console: Console, webhook: Callable[[str, str], int]
) -> None:
    org, app, connection = _business(console)
    client = console.signed_in(org)
    started = _shown(_start(client, connection), connection)
    assert started
    cancel = _form(client, connection, "cancel")
    assert client.post(f"{PAGE}/{connection}/secret/cancel", data=cancel).status_code == 303
    assert _secrets(console, app) == ["old-secret"]
    assert webhook(app, started) == 401 and webhook(app, "old-secret") == 200
    assert client.post(f"{PAGE}/{connection}/secret/cancel", data=cancel).status_code == 303  # sent again
    assert _secrets(console, app) == ["old-secret"]

    # A finish from a page that showed the cancelled change: refused, even with another one pending.
    stale_finish = {**cancel, "fingerprint": secret_fingerprint(started)}
    new = _shown(_start(client, connection), connection)
    assert new and new != started
    answer = client.post(f"{PAGE}/{connection}/secret/finish", data=stale_finish)
    assert answer.status_code == 409 and _pending(answer.text, connection) == secret_fingerprint(new)
    assert _secrets(console, app) == ["old-secret", new]

    finish = _form(client, connection, "finish")
    assert client.post(f"{PAGE}/{connection}/secret/finish", data=finish).status_code == 303
    assert client.post(f"{PAGE}/{connection}/secret/finish", data=finish).status_code == 303  # sent again
    assert _secrets(console, app) == [new] and webhook(app, new) == 200
    # A cancel from a page drawn before the finish cannot bring the old secret back.
    answer = client.post(f"{PAGE}/{connection}/secret/cancel", data=finish)
    assert answer.status_code == 409 and _secrets(console, app) == [new]
    assert [a for a, _ in _audit(console, org)] == [
        "settings_webhook_secret_rotation_started",
        "settings_webhook_secret_rotation_cancelled",
        "settings_webhook_secret_rotation_started",
        "settings_webhook_secret_rotation_finished",
    ]


def test_a_start_that_failed_after_its_write_is_resent_and_shows_the_stored_secret(
    console: Console, webhook: Callable[[str, str], int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The container stops between the write and the page (here: the audit line fails): the
    owner never saw the secret, but sending the form again shows the one stored."""
    org, app, connection = _business(console)
    client = console.signed_in(org)
    form = _form(client, connection, "start")
    real_audit = settings_service.record_audit

    def fail_once(*args: Any) -> None:
        monkeypatch.setattr(settings_service, "record_audit", real_audit)
        raise RuntimeError("the container stopped here")

    monkeypatch.setattr(settings_service, "record_audit", fail_once)
    with pytest.raises(RuntimeError):
        client.post(f"{PAGE}/{connection}/secret/start", data=form)
    [stored_old, stored_new] = _secrets(console, app)
    assert stored_old == "old-secret"
    answer = client.post(f"{PAGE}/{connection}/secret/start", data=form)
    assert answer.status_code == 200 and _shown(answer, connection) == stored_new
    assert webhook(app, stored_new) == 200
    assert [a for a, _ in _audit(console, org)] == ["settings_webhook_secret_shown_again"]


def test_a_writer_that_died_after_its_claim_blocks_only_until_the_claim_expires(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A container that claimed the next version and stopped before writing it: a start meanwhile
    is told another change is being saved (nothing written); once the claim has expired, the
    start claims the next generation and goes through, and the dead claim is deleted."""
    org, app, connection = _business(console)
    ssm = _ssm(console)
    version = ssm.get_parameter(Name=f"{PATH}/{app}")["Parameter"]["Version"]
    dead = f"{PATH}/{app}/claims/v{version}.1"
    ssm.put_parameter(Name=dead, Value="a-writer-that-died", Type="String")
    store = console.app.state.parts.webhook_secrets
    monkeypatch.setattr(store, "wait_seconds", 0.1)
    client = console.signed_in(org)
    answer = _start(client, connection)
    assert answer.status_code == 409 and _shown(answer, connection) is None
    assert "se está guardando ahora mismo" in answer.text
    assert _secrets(console, app) == ["old-secret"]

    later = datetime.now(UTC) + CLAIM_EXPIRES + timedelta(seconds=1)
    monkeypatch.setattr(store, "now", lambda: later)
    answer = _start(client, connection)
    new = _shown(answer, connection)
    assert answer.status_code == 200 and new and _secrets(console, app) == ["old-secret", new]
    claims = [c["Name"] for c in ssm.get_parameters_by_path(Path=f"{PATH}/{app}/claims")["Parameters"]]
    assert dead not in claims  # expired, of a version no longer the latest: deleted after the write
    finish = _form(client, connection, "finish")
    assert client.post(f"{PAGE}/{connection}/secret/finish", data=finish).status_code == 303
    assert _secrets(console, app) == [new]


def test_a_write_by_hand_meanwhile_is_reported_and_audited(console: Console) -> None:
    """Ops put a value by hand between the console's read and its write (a write that takes no
    claim): the console's value is stored, the page says what happened and shows no secret, and
    the audit line says it went over a write by hand."""
    org, app, connection = _business(console)
    owner = console.signed_in(org)
    form = _form(owner, connection, "start")
    ssm, by_hand = _ssm(console), _ssm(console)

    def ops_writes_now(params: dict[str, Any], **_: Any) -> None:
        if params.get("Name") == f"{PATH}/{app}":  # the console's write, after its claim
            by_hand.put_parameter(Name=f"{PATH}/{app}", Value="old-secret,by-hand", Type="SecureString", Overwrite=True)

    ssm.meta.events.register_first("before-parameter-build.ssm.PutParameter", ops_writes_now)
    container = console.container(ssm)
    try:
        tab = TestClient(container, base_url="https://testserver", follow_redirects=False)
        _share_cookies(owner, [tab])
        answer = tab.post(f"{PAGE}/{connection}/secret/start", data=form)
    finally:
        container.state.parts.db.close()
    assert answer.status_code == 409 and _shown(answer, connection) is None
    assert "se cambió fuera de la consola" in answer.text
    [old, ours] = _secrets(console, app)
    assert old == "old-secret" and ours != "by-hand"
    assert _pending(answer.text, connection) == secret_fingerprint(ours)
    [(action, details)] = _audit(console, org)
    assert action == "settings_webhook_secret_rotation_started" and '"over_a_write_by_hand": true' in details


def test_finishing_without_a_rotation_changes_nothing(console: Console) -> None:
    org, app, connection = _business(console)
    client = console.signed_in(org)
    data = {"csrf_token": csrf(client, PAGE), "fingerprint": secret_fingerprint("another-secret")}
    answer = client.post(f"{PAGE}/{connection}/secret/finish", data=data)
    assert answer.status_code == 400
    assert _secrets(console, app) == ["old-secret"]


def test_only_the_owners_own_apps_secret_can_be_rotated(console: Console) -> None:
    org, app, _ = _business(console)
    other_org, other_app, other_connection = _business(console)
    client = console.signed_in(org)
    token = csrf(client, PAGE)
    form = {"csrf_token": token, "rotation_token": "x" * 43, "fingerprint": secret_fingerprint("old-secret")}
    for step in ("start", "finish", "cancel"):
        answer = client.post(f"{PAGE}/{other_connection}/secret/{step}", data=form)
        assert answer.status_code == 404
    with psycopg.connect(console.owner_url) as conn:
        [(salon_connection,)] = conn.execute(
            "select id::text from platform_connections where organization_id = %s", (SALON,)
        ).fetchall()
    answer = client.post(f"{PAGE}/{salon_connection}/secret/start", data=form)
    assert answer.status_code == 404
    assert _secrets(console, other_app) == ["old-secret"] and _secrets(console, app) == ["old-secret"]
    # And a post without its CSRF token changes nothing either.
    assert client.post(f"{PAGE}/{_business(console)[2]}/secret/start").status_code == 403
    assert other_org != org
