"""The console's rules on its real parts: who may sign in, what each business sees, CSRF on
every form, replies only when a person owns the conversation and WhatsApp's window is open,
every change audited."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import psycopg
from console_kit import CLINIC, PASSWORD, SALON, Console, csrf
from cryptography.hazmat.primitives.asymmetric import rsa


def test_a_wrong_password_is_refused_without_a_session(console: Console) -> None:
    client = console.client()
    email = console.user(CLINIC)
    answer = client.post(
        "/console/login", data={"email": email, "password": "Otra-Clave-999", "csrf_token": csrf(client)}
    )
    assert answer.status_code == 401
    assert "Correo o contraseña incorrectos." in answer.text
    assert "rc_session" not in client.cookies
    assert client.get("/console/inbox").headers["location"] == "/console/login"


def test_an_account_of_no_business_cannot_sign_in(console: Console) -> None:
    email = f"nadie-{time.time_ns()}@example.com"
    console.idp.admin_create_user(UserPoolId=console.pool, Username=email, MessageAction="SUPPRESS")
    console.idp.admin_set_user_password(UserPoolId=console.pool, Username=email, Password=PASSWORD, Permanent=True)
    client = console.client()
    answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
    assert answer.status_code == 403
    assert "rc_session" not in client.cookies


def test_each_business_sees_only_its_own_conversations(console: Console) -> None:
    mine, theirs = console.conversation(CLINIC), console.conversation(SALON)
    clinic = console.signed_in(CLINIC)
    page = clinic.get("/console/inbox?show=all")
    assert page.status_code == 200
    assert mine in page.text and theirs not in page.text
    listed = [c["identity_id"] for c in clinic.get("/console/api/conversations").json()]
    assert mine in listed and theirs not in listed
    # Another business's conversation does not exist for this account: by URL, by API, by action.
    assert clinic.get(f"/console/conversations/{theirs}").status_code == 404
    assert clinic.get(f"/console/api/conversations/{theirs}").status_code == 404
    token = csrf(clinic, f"/console/conversations/{mine}")
    assert clinic.post(f"/console/conversations/{theirs}/takeover", data={"csrf_token": token}).status_code == 404
    assert console.bot_enabled(theirs)
    assert clinic.get("/console/conversations/not-an-id").status_code == 404


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(console: Console) -> None:
    identity = console.conversation(CLINIC)
    clinic = console.signed_in(CLINIC)
    assert clinic.post(f"/console/conversations/{identity}/takeover").status_code == 403
    assert clinic.post(f"/console/conversations/{identity}/takeover", data={"csrf_token": "0" * 64}).status_code == 403
    # A token is bound to the browser's own CSRF cookie: another browser's token does not fit.
    other = console.signed_in(CLINIC)
    foreign = csrf(other, f"/console/conversations/{identity}")
    assert clinic.post(f"/console/conversations/{identity}/takeover", data={"csrf_token": foreign}).status_code == 403
    assert console.bot_enabled(identity)
    assert console.audit(identity) == []


def test_take_over_reply_resolve_and_hand_back(console: Console) -> None:
    identity = console.conversation(CLINIC, text="Quiero hablar con una persona")
    clinic = console.signed_in(CLINIC)
    page = f"/console/conversations/{identity}"
    answer = clinic.post(f"{page}/takeover", data={"csrf_token": csrf(clinic, page)})
    assert answer.status_code == 303
    assert not console.bot_enabled(identity)
    answer = clinic.post(f"{page}/reply", data={"csrf_token": csrf(clinic, page), "text": "Hola Lucía, soy Marta."})
    assert answer.status_code == 303 and answer.headers["location"].endswith("?notice=queued")
    [job] = console.jobs(identity)
    assert job["kind"] == "human_reply" and job["text"] == "Hola Lucía, soy Marta."
    assert job["author"].startswith("owner-") and job["conversation"].startswith("ClinicaSonrisa#")
    assert clinic.post(f"{page}/resolve", data={"csrf_token": csrf(clinic, page)}).status_code == 303
    assert not console.bot_enabled(identity)  # resolving keeps the person in charge
    assert clinic.post(f"{page}/handback", data={"csrf_token": csrf(clinic, page)}).status_code == 303
    assert console.bot_enabled(identity)
    actions = console.audit(identity)
    assert [a for _, a in actions] == ["takeover", "reply", "resolve", "handback"]
    assert {actor for actor, _ in actions} == {job["author"]}


def test_a_reply_needs_a_person_in_charge_and_an_open_window(console: Console) -> None:
    identity = console.conversation(CLINIC)
    clinic = console.signed_in(CLINIC)
    page = f"/console/conversations/{identity}"
    answer = clinic.post(f"{page}/reply", data={"csrf_token": csrf(clinic, page), "text": "Hola"})
    assert answer.status_code == 400 and "Toma la conversación" in answer.text  # the assistant is on
    old = console.conversation(CLINIC, last_inbound=datetime.now(UTC) - timedelta(hours=25))
    page = f"/console/conversations/{old}"
    clinic.post(f"{page}/takeover", data={"csrf_token": csrf(clinic, page)})
    assert "WhatsApp solo permite plantillas aprobadas" in clinic.get(page).text
    answer = clinic.post(f"{page}/reply", data={"csrf_token": csrf(clinic, page), "text": "Hola"})
    assert answer.status_code == 400 and "24 horas" in answer.text
    assert console.jobs(old, identity) == []


def test_a_token_not_issued_by_the_pool_is_no_session(console: Console) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {"sub": "x", "token_use": "id", "exp": int(time.time()) + 600, "iat": int(time.time())},
        key,
        algorithm="RS256",
        headers={"kid": "forged"},
    )
    client = console.client()
    client.cookies.set("rc_session", forged, domain="testserver.local", path="/console")  # sent to https://testserver
    assert client.get("/console/inbox").headers["location"] == "/console/login"
    assert client.get("/console/api/conversations").status_code == 401


def test_a_part_of_a_page_whose_session_ended_says_so(console: Console) -> None:
    """The inbox's rows and a transcript are polled by their pages' script: without a session they
    answer 401 with the notice (never the sign-in form, which the script would paste into the
    table), as does the API; a whole page still goes to the sign-in form."""
    identity = console.conversation(CLINIC)
    signed_out = console.signed_in(CLINIC)
    assert signed_out.get("/console/inbox/rows?show=all").status_code == 200
    signed_out.cookies.delete("rc_session")  # the session is gone
    garbage = console.client()
    garbage.cookies.set("rc_session", "not-a-token", domain="testserver.local", path="/console")  # or not valid
    for client in (signed_out, garbage, console.client()):
        for part in ("/console/inbox/rows?show=all", f"/console/conversations/{identity}/transcript"):
            answer = client.get(part)
            assert answer.status_code == 401, part
            assert 'id="session-ended-text"' in answer.text and "Tu sesión ha terminado." in answer.text
            assert '<a href="/console/login" id="sign-in-again">Vuelve a entrar</a>' in answer.text
            assert 'id="password"' not in answer.text and "rc_csrf" not in answer.headers.get("set-cookie", "")
        assert client.get("/console/inbox", headers={"HX-Request": "true"}).status_code == 401  # htmx: a part
        assert client.get("/console/inbox").headers["location"] == "/console/login"
        assert client.get(f"/console/conversations/{identity}").headers["location"] == "/console/login"
        api = client.get("/console/api/conversations")
        assert api.status_code == 401
        assert api.json() == {
            "error": "sign_in_required",
            "message": "Tu sesión ha terminado.",
            "sign_in": "/console/login",
        }
    english = console.client()
    english.get("/console/lang/en")
    answer = english.get("/console/inbox/rows")
    assert answer.status_code == 401 and "Your session has ended." in answer.text and "Sign in again" in answer.text


def test_what_customers_wrote_is_shown_escaped(console: Console) -> None:
    identity = console.conversation(CLINIC, text='<script>alert("x")</script>')
    clinic = console.signed_in(CLINIC)
    page = clinic.get(f"/console/conversations/{identity}").text
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_the_console_speaks_english_when_asked(console: Console) -> None:
    clinic = console.signed_in(CLINIC)
    clinic.get("/console/lang/en")
    assert "Conversations" in clinic.get("/console/inbox").text


def test_the_console_speaks_each_of_its_languages_and_nothing_else(console: Console) -> None:
    clinic = console.signed_in(CLINIC)
    for code, tag, inbox in (
        ("pt_BR", "pt-BR", "Conversas"),
        ("ca", "ca", "Converses"),
        ("es", "es", "Conversaciones"),
    ):
        clinic.get(f"/console/lang/{code}")
        page = clinic.get("/console/inbox").text
        assert f'<html lang="{tag}">' in page and f">{inbox}</a>" in page, code
        assert f'id="lang-{code}" hreflang="{tag}" lang="{tag}" aria-current="true"' in page, code
    clinic.get("/console/lang/fr")  # not a console language: the choice stays
    assert '<html lang="es">' in clinic.get("/console/inbox").text


def test_a_madrid_clinic_reads_its_messages_on_its_own_clock(console: Console) -> None:
    """Issue 30's case: a message at 07:21 UTC in December is 08:21 in Madrid (the seed's clinic)."""
    at = datetime(2026, 12, 7, 7, 21, tzinfo=UTC)
    identity = console.conversation(CLINIC, last_inbound=at, text="¿Tenéis hueco el martes?")
    with psycopg.connect(console.owner_url) as conn:
        conn.execute("update chat_messages set created_at = %s where chat_identity_id = %s", (at, identity))
        found = conn.execute("select customer_number from chat_identities where id = %s", (identity,)).fetchone()
    assert found is not None
    number = str(found[0])
    clinic = console.signed_in(CLINIC)
    row = clinic.get("/console/inbox/rows", params={"show": "all", "q": number}).text
    transcript = clinic.get(f"/console/conversations/{identity}/transcript").text
    assert "7 dic 2026, 8:21" in row and "7 dic 2026, 8:21" in transcript and "UTC" not in row + transcript
    clinic.get("/console/lang/pt_BR")
    assert "7 de dez. de 2026 08:21" in clinic.get(f"/console/conversations/{identity}/transcript").text
    clinic.get("/console/lang/en")
    assert "Dec 7, 2026, 8:21\u202fAM" in clinic.get("/console/inbox/rows", params={"show": "all", "q": number}).text


def test_a_closed_window_offers_the_businesss_templates(console: Console) -> None:
    identity = console.conversation(CLINIC, last_inbound=datetime.now(UTC) - timedelta(days=3))
    clinic = console.signed_in(CLINIC)
    page = f"/console/conversations/{identity}"
    clinic.post(f"{page}/takeover", data={"csrf_token": csrf(clinic, page)})
    assert 'data-template="retomar_conversacion"' in clinic.get(page).text

    def send(**fields: object) -> int:
        return int(clinic.post(f"{page}/template", data={"csrf_token": csrf(clinic, page), **fields}).status_code)

    assert send(template_id="retomar_conversacion") == 400  # its parameter is missing
    assert send(template_id="no_such_template", param="x") == 400
    assert console.jobs(identity) == []
    assert send(template_id="retomar_conversacion", param="Lucía") == 303
    [job] = console.jobs(identity)
    assert job["kind"] == "human_template" and job["template_id"] == "retomar_conversacion"
    assert job["params"] == ["Lucía"] and "Lucía" in job["text"]
    assert [a for _, a in console.audit(identity)] == ["takeover", "template"]
