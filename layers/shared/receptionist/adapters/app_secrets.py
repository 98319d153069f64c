"""Each Gupshup app's webhook secrets, from SSM Parameter Store (SecureString), one parameter per
app under a path: `/receptionist/<Stage>/webhook-secrets/<app name>`.

A parameter holds one secret, or two separated by a comma or a new line while rotating (both are
valid until the old one is removed). All of them are read with one GetParametersByPath call and
kept for CACHE_SECONDS; a request whose secret does not match reloads them, at most once every
MIN_REFRESH_SECONDS, so a new secret works at once and a flood of wrong secrets cannot turn into
a flood of SSM calls.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, Final

CACHE_SECONDS: Final = 300
MIN_REFRESH_SECONDS: Final = 30
_SEPARATORS = re.compile(r"[,\s]+")


def parse_secrets(value: str) -> list[str]:
    """One secret, or two while rotating; blanks ignored."""
    return [part for part in _SEPARATORS.split(value.strip()) if part]


def _ssm_client() -> Any:
    """SSM with short timeouts, built on first use (boto3 stays off the import path)."""
    import boto3

    from receptionist.adapters.aws import fast_client_config

    return boto3.client("ssm", config=fast_client_config())


class SsmAppSecrets:
    def __init__(
        self,
        path: str,
        client: Any = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_seconds: float = CACHE_SECONDS,
        min_refresh_seconds: float = MIN_REFRESH_SECONDS,
    ) -> None:
        self.path = path.rstrip("/")
        self._client = client
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._min_refresh_seconds = min_refresh_seconds
        self._secrets: dict[str, list[str]] = {}
        self._loaded_at: float | None = None
        self.loads = 0  # SSM reads so far (tests and benchmarks)

    def _ssm(self) -> Any:
        if self._client is None:
            self._client = _ssm_client()
        return self._client

    def _load(self) -> None:
        found: dict[str, list[str]] = {}
        kwargs: dict[str, Any] = {"Path": self.path, "WithDecryption": True, "Recursive": False}
        while True:
            page = self._ssm().get_parameters_by_path(**kwargs)
            for parameter in page.get("Parameters", []):
                app = str(parameter["Name"]).rsplit("/", 1)[-1]
                found[app] = parse_secrets(str(parameter.get("Value", "")))
            if not page.get("NextToken"):
                break
            kwargs["NextToken"] = page["NextToken"]
        self._secrets = found
        self._loaded_at = self._clock()
        self.loads += 1

    def _fresh(self) -> dict[str, list[str]]:
        if self._loaded_at is None or self._clock() - self._loaded_at >= self._cache_seconds:
            self._load()
        return self._secrets

    def secrets_for(self, app: str) -> list[str]:
        return list(self._fresh().get(app, []))

    def all_secrets(self) -> list[str]:
        return [secret for values in self._fresh().values() for secret in values]

    def refresh(self) -> bool:
        if self._loaded_at is not None and self._clock() - self._loaded_at < self._min_refresh_seconds:
            return False
        self._load()
        return True


class SsmWebhookSecretStore:
    """One app's webhook secrets, read and written whole (the staff console's rotation)."""

    def __init__(self, path: str, client: Any = None) -> None:
        self.path = path.rstrip("/")
        self._client = client

    def _ssm(self) -> Any:
        if self._client is None:
            self._client = _ssm_client()
        return self._client

    def current(self, app: str) -> list[str]:
        try:
            value = self._ssm().get_parameter(Name=f"{self.path}/{app}", WithDecryption=True)["Parameter"]["Value"]
        except self._ssm().exceptions.ParameterNotFound:
            return []
        return parse_secrets(str(value))

    def put(self, app: str, secrets: list[str]) -> None:
        self._ssm().put_parameter(
            Name=f"{self.path}/{app}", Value=",".join(secrets), Type="SecureString", Overwrite=True
        )
