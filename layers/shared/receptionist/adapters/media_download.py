"""Download a customer's media file from Gupshup's URL, bounded by size, type and total time.

The URL comes from a callback, so it cannot be trusted to point anywhere: only https, only hosts
on an allowlist (Gupshup's and WhatsApp's media hosts by default, configurable), and a redirect
is followed only to an allowed URL (at most 3). The size cap and the total deadline are enforced
while the body streams in.

The content type is the server's; when it gives none (or a generic one) it is recognized from
the file's first bytes, so a callback without contentType still gets its voice note heard.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

DOWNLOAD_TIMEOUT_SECONDS = 10.0
DEFAULT_MEDIA_HOSTS = ("filemanager.gupshup.io", "*.gupshup.io", "*.whatsapp.net", "lookaside.fbsbx.com", "*.fbcdn.net")
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")


class MediaRejected(Exception):
    """The file is not something we accept (too big, wrong type, gone, too slow)."""


@dataclass(frozen=True)
class MediaPolicy:
    """Where media may be fetched from. `hosts`: exact names, or "*.example.com" for any
    subdomain (not the bare domain)."""

    hosts: tuple[str, ...] = DEFAULT_MEDIA_HOSTS
    allow_http: bool = False  # local stand-ins only

    @classmethod
    def from_setting(cls, hosts: str, allow_http: bool = False) -> MediaPolicy:
        return cls(tuple(h.strip().lower() for h in hosts.split(",") if h.strip()), allow_http)

    def check(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        schemes = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme.lower() not in schemes:
            raise MediaRejected("media URL is not https")
        host = (parts.hostname or "").lower()
        if not host or not any(_host_matches(host, allowed) for allowed in self.hosts):
            raise MediaRejected("media host is not allowed")
        if parts.username or parts.password:
            raise MediaRejected("media URL carries credentials")


def _host_matches(host: str, allowed: str) -> bool:
    if allowed.startswith("*."):
        return host.endswith(allowed[1:]) and host != allowed[2:]
    return host == allowed


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to a URL the policy allows, and only a few times."""

    max_redirections = MAX_REDIRECTS

    def __init__(self, policy: MediaPolicy) -> None:
        self.policy = policy

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        self.policy.check(newurl)  # raises MediaRejected: the download stops here
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    content_type: str


def sniff_content_type(head: bytes) -> str:
    """The media type of the formats WhatsApp sends, from their magic numbers ("" if unknown)."""
    signatures = (
        (b"OggS", "audio/ogg"),
        (b"ID3", "audio/mpeg"),
        (b"\xff\xfb", "audio/mpeg"),
        (b"\xff\xf3", "audio/mpeg"),
        (b"#!AMR", "audio/amr"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
    )
    for magic, media_type in signatures:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    return ""


def download(
    url: str,
    *,
    max_bytes: int,
    allowed_types: tuple[str, ...],
    timeout: float = DOWNLOAD_TIMEOUT_SECONDS,
    policy: MediaPolicy | None = None,
) -> Downloaded:
    policy = policy or MediaPolicy()
    if not url:
        raise MediaRejected("no media URL")
    policy.check(url)
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"accept": ",".join(allowed_types)})  # noqa: S310 - checked above
    opener = urllib.request.build_opener(_Redirects(policy))
    try:
        with opener.open(request, timeout=timeout) as resp:
            content_type = (resp.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
            if content_type not in GENERIC_TYPES and not content_type.startswith(allowed_types):
                raise MediaRejected(f"content type {content_type} is not accepted")
            declared = int(resp.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise MediaRejected(f"file of {declared} bytes is over the {max_bytes} limit")
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes:  # never read more than the limit, never past the deadline
                if time.monotonic() > deadline:
                    raise MediaRejected("media download took too long")
                chunk = resp.read(min(CHUNK, max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except urllib.error.HTTPError as err:
        raise MediaRejected(f"media download answered {err.code}") from err
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise MediaRejected("media download failed") from err
    if size > max_bytes:
        raise MediaRejected(f"file is over the {max_bytes} limit")
    data = b"".join(chunks)
    if content_type in GENERIC_TYPES:
        content_type = sniff_content_type(data[:16])
    if not content_type.startswith(allowed_types):
        raise MediaRejected(f"content type {content_type or 'unknown'} is not accepted")
    return Downloaded(data, content_type)
