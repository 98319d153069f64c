"""Each Gupshup app's webhook secrets, from SSM Parameter Store (SecureString), one parameter per
app under a path: `/receptionist/<Stage>/webhook-secrets/<app name>`.

A parameter holds one secret, or two separated by a comma or a new line while rotating (both are
valid until the old one is removed). All of them are read with one GetParametersByPath call and
kept for CACHE_SECONDS; a request whose secret does not match reloads them, at most once every
MIN_REFRESH_SECONDS, so a new secret works at once and a flood of wrong secrets cannot turn into
a flood of SSM calls.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

logger = logging.getLogger(__name__)

CACHE_SECONDS: Final = 300
MIN_REFRESH_SECONDS: Final = 30
_SEPARATORS = re.compile(r"[,\s]+")

# The rotation's compare-and-set (SsmWebhookSecretStore): no console request outlives
# WRITER_SECONDS (the function's timeout is 15 s), so a claim twice that old belongs to a writer
# that is gone, and so is every request that read the version it claims.
WRITER_SECONDS: Final = 60
CLAIM_EXPIRES: Final = timedelta(seconds=2 * WRITER_SECONDS)
MAX_CLAIM_GENERATIONS: Final = 5
_CLAIM = re.compile(r"/claims/v(\d+)\.\d+$")


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


@dataclass(frozen=True)
class StoredSecrets:
    """An app's webhook secrets as read, with the parameter's version (None: no parameter yet)."""

    secrets: tuple[str, ...]
    version: int | None


class OutsideWrite(Exception):
    """The parameter was written without a claim (by hand, say) between our read and our write:
    ours is stored, theirs was replaced. Nothing the console writes can tell which one was meant."""


class SsmWebhookSecretStore:
    """One app's webhook secrets, read with the parameter's version and replaced only by a
    compare-and-set (the staff console's rotation, docs/console.md).

    Why claims: SSM has no conditional PutParameter. "Write, then check that the version you got
    follows the one you read" tells the loser it lost only after it has overwritten the winner's
    secret (one already shown, maybe already pasted into Gupshup). Labels move without a condition,
    and a lock elsewhere (the database, a DynamoDB item) would bind only the writers that take it.
    The one atomic condition SSM has is creating a parameter that must not exist (Overwrite=False),
    so the right to write the version after V is a claim created that way first:
    `<app>/claims/v<V>.<generation>`. One writer creates it; every other writer that read V finds it
    and loses without writing. The webhook reads the app parameters one level deep only, so a claim
    is never taken for a secret (tests/integration/webhook/test_app_secrets_ssm.py).

    - A writer that died between its claim and its write leaves V claimed: once that claim is
      CLAIM_EXPIRES old, the next generation (`v<V>.2`, ...) may be claimed.
    - After a write, expired claims of any other version are deleted. Never those of the version
      just written (a takeover may be using one); a late reader of an older version cannot exist
      once its claims have expired.
    - A loser waits (at most `wait_seconds`) until the winner's version is there, so that its
      caller reads the new state instead of one about to change.
    - A call botocore retried after a lost answer is recognised as ours: a claim holds its writer's
      id, and a doubled write is two versions with our value.
    - A write that took no claim (by hand, in between) cannot be prevented, only detected: the
      version we got is not the one after the version we read (OutsideWrite).
    """

    def __init__(
        self,
        path: str,
        client: Any = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        wait_seconds: float = 3.0,
    ) -> None:
        self.path = path.rstrip("/")
        self._client = client
        self.now = now
        self.wait_seconds = wait_seconds

    def _ssm(self) -> Any:
        if self._client is None:
            self._client = _ssm_client()
        return self._client

    def _name(self, app: str) -> str:
        return f"{self.path}/{app}"

    def read(self, app: str) -> StoredSecrets:
        try:
            found = self._ssm().get_parameter(Name=self._name(app), WithDecryption=True)["Parameter"]
        except self._ssm().exceptions.ParameterNotFound:
            return StoredSecrets((), None)
        return StoredSecrets(tuple(parse_secrets(str(found["Value"]))), int(found["Version"]))

    def replace(self, app: str, expected: StoredSecrets, secrets: Sequence[str]) -> bool:
        """Write `secrets` if the parameter is still at `expected.version`: True when written,
        False when another writer got there first (nothing written). Raises OutsideWrite when a
        write that took no claim came in between (ours is then stored)."""
        name, value = self._name(app), ",".join(secrets)
        ssm = self._ssm()
        if expected.version is None:  # no parameter yet: creating it is conditional by itself
            try:
                ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=False)
            except ssm.exceptions.ParameterAlreadyExists:
                return self._read_value(name, 1) == value  # a retry of our own create, or theirs
            return True
        if not self._claim(name, expected.version):
            self._wait_for_successor(name, expected.version)
            return False
        written = int(ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)["Version"])
        if written != expected.version + 1 and self._read_value(name, expected.version + 1) != value:
            logger.warning(
                "webhook secret written outside the console meanwhile",
                extra={"parameter": name, "read_version": expected.version, "written_version": written},
            )
            raise OutsideWrite(name)
        self._forget_old_claims(name, written)
        return True

    # -- claims ------------------------------------------------------------------------------------
    def _claim(self, name: str, version: int) -> bool:
        """Claim the write that follows `version`; False when a live writer holds it."""
        ssm = self._ssm()
        mine = secrets.token_hex(8)
        for generation in range(1, MAX_CLAIM_GENERATIONS + 1):
            claim = f"{name}/claims/v{version}.{generation}"
            try:
                ssm.put_parameter(Name=claim, Value=mine, Type="String", Overwrite=False)
                return True
            except ssm.exceptions.ParameterAlreadyExists:
                held = ssm.get_parameter(Name=claim)["Parameter"]
            if held["Value"] == mine:  # our own create, retried after a lost answer
                return True
            if self.now() - held["LastModifiedDate"] < CLAIM_EXPIRES:
                return False
            # Expired, and `version` is still the latest: its writer died before writing.
        raise RuntimeError(f"{name}: version {version} claimed {MAX_CLAIM_GENERATIONS} times without a write")

    def _wait_for_successor(self, name: str, version: int) -> None:
        """Until the claim's holder has written (or `wait_seconds`): the caller then reads its write."""
        deadline = time.monotonic() + self.wait_seconds
        pause = 0.05
        while time.monotonic() < deadline:
            if int(self._ssm().get_parameter(Name=name)["Parameter"]["Version"]) > version:
                return
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, 0.5)

    def _forget_old_claims(self, name: str, written: int) -> None:
        """Delete the expired claims of versions other than `written` (best effort: a claim left
        behind costs a parameter, nothing else)."""
        from botocore.exceptions import BotoCoreError, ClientError

        ssm = self._ssm()
        kwargs: dict[str, Any] = {"Path": f"{name}/claims", "Recursive": False}
        try:
            old: list[str] = []
            while True:
                page = ssm.get_parameters_by_path(**kwargs)
                old += [
                    str(p["Name"])
                    for p in page.get("Parameters", [])
                    if (found := _CLAIM.search(str(p["Name"])))
                    and int(found.group(1)) != written
                    and self.now() - p["LastModifiedDate"] >= CLAIM_EXPIRES
                ]
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
            for start in range(0, len(old), 10):  # DeleteParameters takes ten names at most
                ssm.delete_parameters(Names=old[start : start + 10])
        except (BotoCoreError, ClientError) as exc:
            logger.warning(
                "old webhook secret claims not deleted", extra={"parameter": name, "error": type(exc).__name__}
            )

    def _read_value(self, name: str, version: int) -> str | None:
        try:
            found = self._ssm().get_parameter(Name=f"{name}:{version}", WithDecryption=True)["Parameter"]
        except self._ssm().exceptions.ParameterVersionNotFound:
            return None
        return str(found["Value"])
