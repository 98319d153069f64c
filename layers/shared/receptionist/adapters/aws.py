"""botocore client settings: every AWS call bounded well inside the function's timeout.

botocore's defaults (60 s connect and read, up to 3 attempts in legacy mode) let one stalled
call outlive a 10-second webhook: the DynamoDB write would commit, the SQS send hang, and the
function time out with Gupshup's retry then taken for a duplicate. With these, the webhook's
two calls take at most 2 x 2 attempts x (0.5 s connect + 1.5 s read) plus backoff, about 9 s
in the very worst case, and usually a few milliseconds.
"""

from __future__ import annotations

from botocore.config import Config


def fast_client_config() -> Config:
    """The webhook's clients (function timeout 12 s)."""
    return Config(connect_timeout=0.5, read_timeout=1.5, retries={"total_max_attempts": 2, "mode": "standard"})


def bounded_client_config() -> Config:
    """The queue consumers' clients: a stalled call fails in seconds and the turn or job is
    retried, instead of holding the invocation until it times out."""
    return Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 3, "mode": "standard"})
