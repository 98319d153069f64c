"""Media downloads cannot be pointed anywhere: https only, allowed hosts only, no redirect off
the list, and the size cap and deadline hold while the body streams (local servers)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from devstack.fakes.base import FakeServer, Recorded, Reply
from receptionist.adapters.media_download import MediaPolicy, MediaRejected, download

JPEG = b"\xff\xd8\xff\xe0" + b"x" * 1000


class MediaHost(FakeServer):
    """/ok: a JPEG; /redirect?to=URL: a 302 there; /slow: trickles bytes; /big: no length, big."""

    name = "media-host"

    def answer(self, request: Recorded) -> Reply:
        if request.path == "/ok":
            return Reply(200, JPEG, {"content-type": "image/jpeg"})
        if request.path == "/redirect":
            return Reply(302, b"", {"location": request.query["to"][0]})
        if request.path == "/big":
            return Reply(200, b"\xff\xd8\xff" + b"x" * (2 * 1024 * 1024), {"content-type": "image/jpeg"})
        return Reply(404, b"")


@pytest.fixture(scope="module")
def host() -> Iterator[MediaHost]:
    with MediaHost() as server:
        yield server


LOCAL = MediaPolicy(("127.0.0.1",), allow_http=True)  # how the local stack is configured


def _get(url: str, policy: MediaPolicy, max_bytes: int = 5 * 1024 * 1024, timeout: float = 5) -> bytes:
    return download(url, max_bytes=max_bytes, allowed_types=("image/jpeg",), timeout=timeout, policy=policy).data


def test_an_allowed_host_is_fetched(host: MediaHost) -> None:
    assert _get(f"{host.url}/ok", LOCAL) == JPEG


@pytest.mark.parametrize(
    "url",
    [
        "http://filemanager.gupshup.io/wa/x",  # not https
        "https://evil.example/x",  # not on the list
        "https://gupshup.io.evil.example/x",  # a look-alike
        "https://169.254.169.254/latest/meta-data/",  # instance metadata
        "file:///etc/passwd",
        "https://user:pw@filemanager.gupshup.io/x",
        "",
    ],
)
def test_the_default_policy_refuses_before_connecting(url: str) -> None:
    with pytest.raises(MediaRejected):
        _get(url, MediaPolicy())


def test_subdomain_wildcards_do_not_admit_the_bare_or_a_lookalike_domain() -> None:
    policy = MediaPolicy(("*.whatsapp.net",))
    policy.check("https://mmg.whatsapp.net/v/t62/abc")
    for url in ("https://whatsapp.net/x", "https://evilwhatsapp.net/x"):
        with pytest.raises(MediaRejected):
            policy.check(url)


def test_a_redirect_off_the_list_is_not_followed(host: MediaHost) -> None:
    before = len(host.requests)
    with pytest.raises(MediaRejected, match="not allowed"):
        _get(f"{host.url}/redirect?to=http://localhost:{host.port}/ok", LOCAL)  # localhost is not on the list
    assert len(host.requests) == before + 1  # the redirect target was never requested
    # A redirect to an allowed URL is followed.
    assert _get(f"{host.url}/redirect?to={host.url}/ok", LOCAL) == JPEG


def test_the_size_cap_holds(host: MediaHost) -> None:
    with pytest.raises(MediaRejected, match="limit"):
        _get(f"{host.url}/big", LOCAL, max_bytes=100_000)


def test_a_slow_server_is_cut_off_by_the_total_deadline() -> None:
    class Slow(FakeServer):
        def answer(self, request: Recorded) -> Reply:
            return Reply(200, JPEG, {"content-type": "image/jpeg"}, delay=5)

    with Slow() as slow:
        started = time.monotonic()
        with pytest.raises(MediaRejected):
            _get(f"{slow.url}/x", LOCAL, timeout=1)
        assert time.monotonic() - started < 4
