"""Where a run's model keys may go, and whether its model endpoints answer, decided before the
first task: a key is sent only to the host it was given for, and an endpoint that cannot be
reached stops the run with a message naming its host (never a key), instead of turning every
trial into a failure that the summary would score as the model's.

The check is one chat completion per endpoint, with the trials' own client and settings (model,
key, temperature, output bound) on a one-word prompt: the very request the trials make, so it
proves what they need (the host answers, the key is accepted, the model is served and takes the
trials' parameters) for a few tokens, a fraction of a cent. `GET /models` would cost nothing but
prove less: OpenRouter lists its models without a key, some OpenAI-compatible servers do not
serve the route, and a listed model can still refuse the trials' parameters.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import openai
from langchain_core.messages import HumanMessage

from eval.harness import ModelConfig

PING = "Reply with one word: OK"
CHECK_SECONDS = 30.0  # per attempt; the client retries a connection error twice, as in the trials


class EvalRefused(Exception):
    """The run does not start: the message says why and what to set (it names hosts, never keys)."""


def host(url: str) -> str:
    """scheme://host[:port] of a base URL: what messages name (no credentials, path or query)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def same_host(a: str, b: str) -> bool:
    """The same origin (scheme, host and port): where one endpoint's key may be sent."""
    x, y = urlsplit(a), urlsplit(b)
    default = {"http": 80, "https": 443}
    return (x.scheme, x.hostname, x.port or default.get(x.scheme)) == (
        y.scheme,
        y.hostname,
        y.port or default.get(y.scheme),
    )


def _reason(exc: Exception, secrets: list[str]) -> str:
    if isinstance(exc, openai.APITimeoutError):
        text = "no answer in time"
    elif isinstance(exc, openai.APIConnectionError):
        text = f"cannot connect ({exc.__cause__ or exc})"
    elif isinstance(exc, openai.APIStatusError):
        text = f"HTTP {exc.status_code}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    for secret in secrets:  # a server may echo what it was sent
        if secret:
            text = text.replace(secret, "***")
    return text[:300]


def check(config: ModelConfig, role: str, temperature: float) -> None:
    """Raises EvalRefused unless the endpoint answers one chat completion as the trials call it."""
    try:
        config.chat(temperature).invoke([HumanMessage(PING)], timeout=CHECK_SECONDS)
    except Exception as exc:
        raise EvalRefused(
            f"the {role}'s model endpoint {host(config.base_url)} (model {config.model}) did not answer a"
            f" one-word chat completion: {_reason(exc, [config.api_key])}. Nothing was run; the summary is unchanged."
        ) from None
