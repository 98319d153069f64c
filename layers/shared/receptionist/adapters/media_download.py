"""Download a customer's media file from Gupshup's URL, bounded by size, type and time."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

DOWNLOAD_TIMEOUT_SECONDS = 10.0


class MediaRejected(Exception):
    """The file is not something we accept (too big, wrong type, gone)."""


@dataclass(frozen=True)
class Downloaded:
    data: bytes
    content_type: str


def download(
    url: str, *, max_bytes: int, allowed_types: tuple[str, ...], timeout: float = DOWNLOAD_TIMEOUT_SECONDS
) -> Downloaded:
    if not url.startswith(("https://", "http://")):
        raise MediaRejected("media URL is not http(s)")
    request = urllib.request.Request(url, headers={"accept": ",".join(allowed_types)})  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            content_type = (resp.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
            if not content_type.startswith(allowed_types):
                raise MediaRejected(f"content type {content_type or 'unknown'} is not accepted")
            declared = int(resp.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise MediaRejected(f"file of {declared} bytes is over the {max_bytes} limit")
            data = resp.read(max_bytes + 1)  # never read more than the limit
    except urllib.error.HTTPError as err:
        raise MediaRejected(f"media download answered {err.code}") from err
    except (urllib.error.URLError, TimeoutError) as err:
        raise MediaRejected("media download failed") from err
    if len(data) > max_bytes:
        raise MediaRejected(f"file is over the {max_bytes} limit")
    return Downloaded(data, content_type)
