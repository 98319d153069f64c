"""The console's own static files (console/static/): the vendored Chart.js and the small scripts
that start it, served by the console itself (routers/static.py) rather than a CDN, so a page works
wherever the console does and loads nothing from a third party.

Each file is read once per container and named in pages by a URL carrying a hash of its content
(`asset_url("dashboard.js")` -> /console/static/dashboard.js?v=<hash>): browsers may keep a file a
year, and a deployment that changes it changes its URL. Only the files listed here are served; no
path from a request reaches the file system."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

STATIC: Final = Path(__file__).with_name("static")
PREFIX: Final = "/console/static"
JAVASCRIPT: Final = "text/javascript; charset=utf-8"  # RFC 9239's type for scripts
# Chart.js 4.6.2 (MIT; static/vendor/chartjs/LICENSE.md), dist/chart.umd.min.js as npm ships it
# (`npm pack chart.js@4.6.2`): tests/unit/console/test_assets.py pins its version and sha256.
CHARTJS_VERSION: Final = "4.6.2"
FILES: Final[dict[str, str]] = {
    "vendor/chartjs/chart.umd.min.js": JAVASCRIPT,
    "vendor/chartjs/LICENSE.md": "text/plain; charset=utf-8",
    "dashboard.js": JAVASCRIPT,
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    digest: str  # sha256 of body, hex

    @property
    def version(self) -> str:
        return self.digest[:16]


def asset(name: str) -> Asset | None:
    """The listed file `name` (None for anything else, before any cache: a request's path never
    grows it)."""
    return _read(name) if name in FILES else None


@cache
def _read(name: str) -> Asset:
    body = (STATIC / name).read_bytes()
    return Asset(body, FILES[name], hashlib.sha256(body).hexdigest())


def asset_url(name: str) -> str:
    found = asset(name)
    if found is None:
        raise KeyError(f"{name} is not one of the console's static files")
    return f"{PREFIX}/{name}?v={found.version}"
