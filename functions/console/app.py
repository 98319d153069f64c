"""ConsoleFunction: the staff console (FastAPI behind Mangum) on the HTTP API's /console routes.

Thin: the pages and their rules live in receptionist.console (app.py and routers/ for HTTP,
services/ for what staff can do, wiring.py for the parts). See docs/console.md.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from receptionist.config import ConsoleSettings
from receptionist.console.app import create_app
from receptionist.console.wiring import build

logger = Logger()
tracer = Tracer(patch_modules=["boto3"])  # AWS calls only: no HTTP client traces
metrics = Metrics()

settings = ConsoleSettings.from_env()  # validated at cold start
parts = build(settings)
asgi = Mangum(create_app(parts), lifespan="off")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)  # pages and tokens stay out of traces
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return dict(asgi(event, context))
