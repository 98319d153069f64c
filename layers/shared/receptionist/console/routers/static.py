"""The console's static files (console/assets.py): GET /console/static/<listed file>, no session
needed (a script holds no business's data), through the same app as every page, so the Lambda
behind API Gateway serves them as it serves the pages.

Pages name them with a content hash in the URL, so the answer may be kept a year (`immutable`);
a file not listed is a 404, whatever the path."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from receptionist.console.assets import PREFIX, asset

router = APIRouter(prefix=PREFIX)
CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"


@router.get("/{name:path}")
def static_file(name: str, request: Request) -> Response:
    found = asset(name)
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain")
    etag = f'"{found.version}"'
    headers = {"Cache-Control": CACHE_FOR_A_YEAR, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.content_type, headers=headers)
