"""The console's static files (console/assets.py, routers/static.py): the vendored Chart.js is the
release it says it is (its sha256 as npm ships 4.6.2's dist/chart.umd.min.js), with its licence;
files are served by the console with their type and a year's cache under a URL naming their
content, and nothing that is not listed is served."""

from __future__ import annotations

import hashlib

from fastapi import FastAPI
from fastapi.testclient import TestClient
from mangum import Mangum

from receptionist.console.assets import CHARTJS_VERSION, STATIC, asset, asset_url
from receptionist.console.routers import static

CHARTJS = "vendor/chartjs/chart.umd.min.js"
CHARTJS_SHA256 = "3f288f4f26882c26b58931fb586a9b4f30370b5de38d69dc005b0bd05b08e113"  # npm pack chart.js@4.6.2


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(static.router)
    return TestClient(app)


def test_the_vendored_chartjs_is_the_pinned_release_with_its_licence() -> None:
    body = (STATIC / CHARTJS).read_bytes()
    assert hashlib.sha256(body).hexdigest() == CHARTJS_SHA256
    assert CHARTJS_VERSION == "4.6.2" and f"Chart.js v{CHARTJS_VERSION}".encode() in body[:200]
    licence = (STATIC / "vendor/chartjs/LICENSE.md").read_text(encoding="utf-8")
    assert "The MIT License" in licence and "Chart.js Contributors" in licence


def test_a_listed_file_is_served_with_its_type_and_a_years_cache_under_its_contents_url() -> None:
    url = asset_url(CHARTJS)
    found = asset(CHARTJS)
    assert found is not None and url == f"/console/static/{CHARTJS}?v={CHARTJS_SHA256[:16]}"

    answer = _client().get(url)

    assert answer.status_code == 200 and answer.content == found.body
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["x-content-type-options"] == "nosniff"
    again = _client().get(url, headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_nothing_unlisted_is_served() -> None:
    client = _client()
    for path in ("vendor/chartjs/chart.umd.min.js.map", "../assets.py", "..%2Fassets.py", "dashboard.html", ""):
        assert client.get(f"/console/static/{path}").status_code == 404, path
    assert asset("../assets.py") is None


def test_the_lambda_serves_a_script_through_api_gateway_as_text() -> None:
    """ConsoleFunction's path: Mangum turns an HTTP API (payload 2.0) event for the static route
    into the app's answer; a script goes back as text (not base64) with its headers."""
    handler = Mangum(_client().app, lifespan="off")
    url = asset_url("dashboard.js")
    path, query = url.split("?")
    event = {
        "version": "2.0",
        "routeKey": "GET /console/{proxy+}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "abc123.execute-api.eu-west-1.amazonaws.com", "x-forwarded-proto": "https"},
        "requestContext": {
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9"},
            "stage": "$default",
        },
        "isBase64Encoded": False,
    }

    answer = handler(event, object())

    found = asset("dashboard.js")
    assert found is not None and answer["statusCode"] == 200 and answer["isBase64Encoded"] is False
    assert answer["body"] == found.body.decode("utf-8")
    assert answer["headers"]["content-type"] == "text/javascript; charset=utf-8"
    assert answer["headers"]["cache-control"] == "public, max-age=31536000, immutable"
