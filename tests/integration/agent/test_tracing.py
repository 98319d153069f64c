"""Langfuse tracing of real turns: the real graph with a scripted model, the real CRM, and a local
server speaking Langfuse's ingestion API that records what the recorder sends (and can fail, stall or
trickle)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import select
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devstack.fakes.langfuse import FakeLangfuse, TricklingLangfuse, problem
from receptionist import bounded_http
from receptionist.agent import tracing
from receptionist.agent.tracing import LangfuseRecorder, TracingSettings, trace_user
from receptionist.bounded_http import AddrInfo, Resolver

DEMO_ORG = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def langfuse() -> Iterator[FakeLangfuse]:
    with FakeLangfuse(hang_seconds=120) as fake:
        yield fake


def _traced(
    r: Any,
    host: str,
    *,
    capture_content: bool = True,
    flush_seconds: float = 2.0,
    user_key: str | None = None,
    resolver: Resolver | None = None,
) -> LangfuseRecorder:
    """The runner with a recorder to `host`, its user key `user_key` ("" for none; a random one by default)."""
    key = secrets.token_urlsafe(32) if user_key is None else user_key
    recorder = LangfuseRecorder(
        TracingSettings(host, capture_content=capture_content, environment="test", flush_seconds=flush_seconds),
        lambda: ("pk-lf-local", "sk-lf-local"),
        user_key=(lambda: key) if key else None,
        resolver=resolver,
    )
    r.runner = replace(r.runner, recorder=recorder)
    return recorder


def _user_key(recorder: LangfuseRecorder) -> bytes:
    key = recorder._user_key_now()
    assert key is not None
    return key


def _booking_turn(r: Any) -> Any:
    """One turn with a tool round: two model calls, one tool call. The customer writes their
    own number, which must not reach Langfuse either."""
    r.model.call("check_availability", service="limpieza", day="2031-03-04")
    r.model.say("El martes 4 tengo a las 10:00 y a las 10:30. ¿Cuál prefieres?")
    return r.say(f"Hola, quiero una limpieza el martes. Mi móvil es +{r.customer}")


def test_a_turn_is_one_trace_with_a_span_per_node_and_tool_and_a_generation_per_model_call(
    receptionist: Any, langfuse: FakeLangfuse
) -> None:
    r = receptionist()
    recorder = _traced(r, langfuse.url)

    result = _booking_turn(r)

    assert "10:00" in result.reply
    assert langfuse.batches() == []  # nothing leaves during the turn...
    assert recorder.flush() == 1  # ...the host flushes it, in one request
    (batch,) = langfuse.batches()
    events = batch.json()["batch"]
    assert [problem(e) for e in events] == [None] * len(events)  # every event as Langfuse takes it

    (trace,) = langfuse.bodies("trace-create")
    assert trace["sessionId"] == r.last.identity.id  # the conversation (the console's /conversations/<id>)
    assert trace["userId"] == trace_user(_user_key(recorder), DEMO_ORG, r.customer)
    assert trace["metadata"]["organization_id"] == DEMO_ORG
    assert trace["metadata"]["turn_id"] == r.last.turn_id
    assert trace["output"] == result.reply and trace["environment"] == "test"

    spans = {s["id"]: s for s in langfuse.bodies("span-create")}
    assert all(s["traceId"] == trace["id"] for s in spans.values())
    nodes = sorted((s for s in spans.values() if "node" in s["metadata"]), key=lambda s: s["startTime"])
    assert [s["name"] for s in nodes] == ["agent", "tools", "agent", "compact"]
    (tool,) = (s for s in spans.values() if "tool" in s["metadata"])
    assert tool["name"] == "check_availability" and spans[tool["parentObservationId"]]["name"] == "tools"
    assert tool["input"] == {"service": "limpieza", "day": "2031-03-04"}
    assert "Huecos libres el martes 2031-03-04" in tool["output"] and tool["level"] == "DEFAULT"

    generations = sorted(langfuse.bodies("generation-create"), key=lambda g: g["startTime"])
    assert len(generations) == 2 == result.stats.model_calls
    for generation in generations:
        assert spans[generation["parentObservationId"]]["name"] == "agent"
        assert generation["model"] == "gpt-4.1-mini"
        usage, cost = generation["usageDetails"], generation["costDetails"]
        assert usage["input"] > 0 and usage["output"] > 0
        assert usage["total"] == usage["input"] + usage.get("input_cached_tokens", 0) + usage["output"]
        assert cost["total"] == pytest.approx(sum(v for k, v in cost.items() if k != "total"))
        assert cost["output"] == pytest.approx(usage["output"] * 1.60 / 1e6)
    tokens = sum(g["usageDetails"]["total"] for g in generations)
    assert tokens == result.stats.prompt_tokens + result.stats.completion_tokens
    assert generations[0]["output"]["tool_calls"][0]["name"] == "check_availability"
    assert generations[1]["output"]["content"] == result.reply

    # The customer's number appears nowhere in what was sent, not even where they wrote it.
    for request in langfuse.batches():
        assert r.customer.encode() not in request.body
        assert r.customer not in str(request.headers)
    assert f"Mi móvil es +{trace['userId']}" in trace["input"]


def test_without_content_only_names_timings_and_numbers_are_sent(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    recorder = _traced(r, langfuse.url, capture_content=False)

    result = _booking_turn(r)
    assert recorder.flush() == 1

    events = langfuse.events()
    assert events and all("input" not in e["body"] and "output" not in e["body"] for e in events)
    sent = b"".join(request.body for request in langfuse.batches())
    for text in ("limpieza", "10:30", result.reply, r.customer):
        assert text.encode() not in sent
    (generation, *_) = langfuse.bodies("generation-create")
    assert generation["usageDetails"]["input"] > 0


def test_each_turn_is_its_own_trace_in_the_same_session(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    recorder = _traced(r, langfuse.url)
    r.model.say("Hola, ¿en qué te ayudo?").say("Abrimos a las 9.")
    r.say("Hola")
    r.say("¿A qué hora abrís?")

    assert recorder.flush() == 2 and len(langfuse.batches()) == 1  # one request for the invocation
    traces = langfuse.bodies("trace-create")
    assert len({t["id"] for t in traces}) == 2
    assert {t["sessionId"] for t in traces} == {r.last.identity.id}
    assert recorder.flush() == 0 and len(langfuse.batches()) == 1  # nothing pending: no request


@pytest.mark.parametrize("outage", ["500", "401", "hang", "refused"])
def test_a_tracing_outage_leaves_the_turn_as_it_was(receptionist: Any, langfuse: FakeLangfuse, outage: str) -> None:
    r = receptionist()
    host = langfuse.url
    if outage == "refused":
        langfuse.stop()  # nothing listens on the port any more
    else:
        langfuse.fail_next(outage)
    recorder = _traced(r, host, flush_seconds=0.5)

    result = _booking_turn(r)
    assert "10:00" in result.reply and result.stats.tool_calls[0]["ok"]

    # The flush gives up within its budget (the fake hangs for 120 s) and does not raise.
    sent: list[int] = []
    flushing = threading.Thread(target=lambda: sent.append(recorder.flush()))
    flushing.start()
    flushing.join(timeout=60)
    assert not flushing.is_alive(), "the flush outlived its budget"
    assert sent == [0] and recorder.dropped == 1 and recorder.pending == 0

    # The next turn is traced as usual once Langfuse is back.
    if outage != "refused":
        r.model.say("De nada.")
        assert r.say("Gracias").reply == "De nada."
        assert recorder.flush() == 1


def test_a_flush_with_no_time_left_sends_nothing(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    recorder = _traced(r, langfuse.url)
    r.model.say("Hola.")
    r.say("Hola")
    assert recorder.flush(0.05) == 0
    assert langfuse.batches() == [] and recorder.dropped == 1


def test_off_no_trace_and_no_request(receptionist: Any, langfuse: FakeLangfuse) -> None:
    r = receptionist()
    assert r.runner.recorder is None  # as every host builds it unless told otherwise
    r.model.say("Hola.")
    assert r.say("Hola").reply == "Hola."
    assert langfuse.requests == []
    assert tracing._current_trace.get() is None


# -- the user: keyed, so it cannot be turned back into the number ---------------------------------


def test_the_user_is_an_hmac_under_the_functions_key_and_the_key_is_never_sent(
    receptionist: Any, langfuse: FakeLangfuse
) -> None:
    r = receptionist()
    key = secrets.token_urlsafe(32)
    recorder = _traced(r, langfuse.url, user_key=key)
    r.model.say("Hola, ¿en qué te ayudo?").say("Abrimos a las 9.")
    r.say(f"Hola, soy el {r.customer}")
    assert recorder.flush() == 1
    r.say("¿A qué hora abrís?")
    assert recorder.flush() == 1  # a later invocation of the same container

    first, second = (t["userId"] for t in langfuse.bodies("trace-create"))
    assert first == second == trace_user(key.encode(), DEMO_ORG, r.customer)  # stable across turns
    for request in langfuse.batches():  # neither the key nor the number, in the body or the headers
        assert key.encode() not in request.body and key not in str(request.headers)
        assert r.customer.encode() not in request.body
    unkeyed = hashlib.sha256(f"{DEMO_ORG}:{r.customer}".encode()).hexdigest()
    assert unkeyed[:16] not in first  # not the enumerable hash of before

    # Another key (another deployment, or a rotated key): another user for the same customer.
    other = _traced(r, langfuse.url, user_key=secrets.token_urlsafe(32))
    r.model.say("De nada.")
    r.say("Gracias")
    assert other.flush() == 1
    assert langfuse.bodies("trace-create")[-1]["userId"] not in (first, "")


def test_without_the_user_key_traces_are_sent_without_a_user(
    receptionist: Any, langfuse: FakeLangfuse, caplog: pytest.LogCaptureFixture
) -> None:
    r = receptionist()
    recorder = _traced(r, langfuse.url, user_key="")
    r.model.say("Hola.")
    with caplog.at_level(logging.WARNING, logger="receptionist.agent.tracing"):
        r.say(f"Hola, soy el {r.customer}")
        assert recorder.flush() == 1

    (trace,) = langfuse.bodies("trace-create")
    assert "userId" not in trace and trace["sessionId"] == r.last.identity.id
    (request,) = langfuse.batches()
    assert r.customer.encode() not in request.body and f"soy el {tracing.NO_USER}" in trace["input"]
    assert hashlib.sha256(f"{DEMO_ORG}:{r.customer}".encode()).hexdigest()[:16].encode() not in request.body


# -- the flush: bounded in total, whatever the network does ---------------------------------------


@pytest.fixture
def langfuse_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLangfuse]:
    """The local Langfuse over https with a certificate for `localhost`, from a CA the recorder's
    default TLS context trusts (SSL_CERT_FILE), as a real host's certificate would be."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    bounded_http._tls_context.cache_clear()
    fake = FakeLangfuse()
    fake.httpd.socket = server_side.wrap_socket(fake.httpd.socket, server_side=True)
    with fake:
        yield fake
    bounded_http._tls_context.cache_clear()


def test_an_https_host_gets_the_traces_and_its_certificate_is_checked(
    receptionist: Any, langfuse_tls: FakeLangfuse, caplog: pytest.LogCaptureFixture
) -> None:
    r = receptionist()
    recorder = _traced(r, f"https://localhost:{langfuse_tls.port}")  # resolved by the system's resolver
    r.model.say("Hola.").say("Adiós.")
    r.say("Hola")
    assert recorder.flush() == 1
    assert len(langfuse_tls.bodies("trace-create")) == 1

    # The same server by an address its certificate does not name: refused, dropped.
    mismatched = _traced(r, f"https://127.0.0.1:{langfuse_tls.port}")
    r.say("Adiós")
    with caplog.at_level(logging.WARNING, logger="receptionist.agent.tracing"):
        assert mismatched.flush() == 0
    (dropped,) = [rec for rec in caplog.records if rec.getMessage() == "traces not sent to Langfuse"]
    assert dropped.error == "SSLCertVerificationError"
    assert len(langfuse_tls.batches()) == 1


@contextmanager
def _never_accepting() -> Iterator[str]:
    """A host whose listening socket's queue is full: a connection is never taken (SYNs dropped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):  # connect until one is left waiting: the queue is full
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(address)
            fillers.append(filler)
            if not select.select([], [filler], [], 0.2)[1]:
                break
        else:
            pytest.fail("the listening queue never filled up")
        yield f"http://{address[0]}:{address[1]}"
    finally:
        for sock in (*fillers, listener):
            sock.close()


@contextmanager
def _silent_tls() -> Iterator[str]:
    """An https host that takes the connection (the kernel does) and never answers the handshake."""
    with socket.create_server(("127.0.0.1", 0), backlog=8) as listener:
        host, port = listener.getsockname()[:2]
        yield f"https://{host}:{port}"


class _StalledDns:
    """A name lookup that answers only when the test ends (a resolver that hangs)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.released = threading.Event()

    def __call__(self, host: str, port: int) -> list[AddrInfo]:
        self.asked.append(host)
        self.released.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


@contextmanager
def _stalled(stall: str) -> Iterator[tuple[str, TricklingLangfuse | None]]:
    """The Langfuse host for `stall`, and the trickling server when it is one."""
    if stall == "trickle":  # a whole valid answer, one byte every 0.5 s
        with TricklingLangfuse(interval=0.5) as trickle:
            yield trickle.url, trickle
    elif stall == "never-accepts":
        with _never_accepting() as url:
            yield url, None
    elif stall == "silent-tls":
        with _silent_tls() as url:
            yield url, None
    else:  # slow-dns: the name is looked up by the test's stalled resolver
        yield "https://langfuse.example.test", None


@pytest.mark.parametrize("stall", ["trickle", "never-accepts", "silent-tls", "slow-dns"])
def test_a_flush_is_bounded_in_total_and_drops_what_it_could_not_send(
    receptionist: Any, stall: str, caplog: pytest.LogCaptureFixture
) -> None:
    r = receptionist()
    dns = _StalledDns()
    with _stalled(stall) as (host, trickle):
        recorder = _traced(r, host, resolver=Resolver(dns) if stall == "slow-dns" else None)
        r.model.say("Hola, ¿en qué te ayudo?")
        assert r.say("Hola").reply == "Hola, ¿en qué te ayudo?"

        with caplog.at_level(logging.WARNING, logger="receptionist.agent.tracing"):
            started = time.monotonic()
            sent = recorder.flush(2.0)  # never raises: the turn is answered whatever happens here
            took = time.monotonic() - started
        dns.released.set()

        # Unbounded, a stalled host held a flush for 86 s; the margin over 2 s is for a loaded machine.
        assert took < 4.0, f"flush(2.0) took {took:.2f} s"
        assert sent == 0 and recorder.dropped == 1 and recorder.pending == 0
        (dropped,) = [rec for rec in caplog.records if rec.getMessage() == "traces not sent to Langfuse"]
        assert (dropped.traces, dropped.error) == (1, "TimeoutError")  # given up on time, not refused
        if trickle is not None:
            (request,) = trickle.requests  # the whole request was sent, the answer was trickling in...
            assert b'"trace-create"' in request
            assert trickle.client_gone.wait(10)  # ...when the recorder closed its connection
        if stall == "slow-dns":
            assert dns.asked == ["langfuse.example.test"]
