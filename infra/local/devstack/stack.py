"""The Docker-free local stack: embedded Postgres + moto (with the template deployed into its
CloudFormation) + the runner that plays API Gateway, Lambda and the SQS event sources.

`LocalStack` starts and stops the parts, in order; each part is its own module: devstack.config
(the settings), devstack.moto_process, devstack.postgres, devstack.cloudformation (the template
into moto), devstack.secrets_and_accounts (SSM and Cognito from the seeded CRM),
devstack.function_runner (the functions and their event sources), devstack.activity (what ran,
and the waits) and devstack.stack_info (stack.json). docs/devstack.md describes the whole."""

from __future__ import annotations

import json
import sys
import time
from typing import IO, Any

from devstack.activity import StackActivity
from devstack.cloudformation import DeployedStack, ScheduledRule, TranslatedTemplate, deploy
from devstack.config import ROOT, LocalConfig, parse_app_secrets
from devstack.function_runner import FunctionRunner, schedule_period
from devstack.migrate import apply_migrations, apply_seed
from devstack.moto_process import MotoServer
from devstack.postgres import LocalPostgres
from devstack.runner import FunctionPool, Invocation, Scheduler
from devstack.secrets_and_accounts import SecretsAndAccounts, secrets_path, seeded_apps
from devstack.stack_info import describe, resources_by_kind, webhook_path
from devstack.stopping import signals_held

STACK_NAME = "receptionist-local"

__all__ = ["ROOT", "STACK_NAME", "LocalConfig", "LocalStack", "MotoServer", "describe", "parse_app_secrets"]


def template_parameters(config: LocalConfig) -> dict[str, str]:
    """The template's parameters for this stack (sam deploy's --parameter-overrides)."""
    return {
        "Stage": config.stage,
        "DebounceSeconds": str(config.debounce_seconds),
        "OpenAIModel": config.openai_model,
        "OpenAIBaseUrl": config.openai_base_url,
        "GupshupApiUrl": config.gupshup_api_url,
        "GupshupPartnerApiUrl": config.gupshup_partner_api_url,
    }


def translate(config: LocalConfig) -> TranslatedTemplate:
    """The built template (`make build`), else the source one, translated from SAM as CloudFormation would."""
    built = ROOT / ".aws-sam" / "build" / "template.yaml"
    source = built if built.exists() else ROOT / "template.yaml"
    sam_python = ROOT / ".venv-sam" / "bin" / "python"
    return TranslatedTemplate.from_sam(source, sam_python, template_parameters(config), config.region)


class LocalStack:
    """Start with start(), stop with stop() (or use as a context manager)."""

    def __init__(self, config: LocalConfig | None = None) -> None:
        self.config = config or LocalConfig.from_env()
        self.activity = StackActivity(self.config.state_dir / "invocations.jsonl", self.config.region)
        self._pg: LocalPostgres | None = None
        self._moto: MotoServer | None = None
        self._runner: FunctionRunner | None = None
        self._logs: list[IO[str]] = []
        self.info: dict[str, Any] = {}
        self.stack: DeployedStack | None = None
        self.template: TranslatedTemplate | None = None
        self.startup_seconds: dict[str, float] = {}
        self.console_users: list[dict[str, str]] = []

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _log(self, name: str) -> IO[str]:
        logs = self.config.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        fh = open(logs / f"{name}.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed in stop()
        self._logs.append(fh)
        return fh

    def start(self) -> None:
        cfg = self.config
        cfg.state_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        try:
            # A stop signal waits while a server starts, so no handle is lost (devstack.stopping);
            # whatever fails or is interrupted below, stop() stops what had started.
            with signals_held():
                self._moto = MotoServer(cfg.moto_port, self._log("moto"))
            self._pg = LocalPostgres(cfg.state_dir / "pgdata", cfg.postgres_port)
            with signals_held():
                self._pg.start()
            apply_migrations(self._pg.url)
            apply_seed(self._pg.url)
            self.startup_seconds["postgres"] = time.monotonic() - t0
            t1 = time.monotonic()
            self._moto.wait_ready()
            template = translate(cfg)
            self.stack = deploy(
                template,
                stack_name=STACK_NAME,
                endpoint_url=self._moto.url,
                region=cfg.region,
                parameters=template_parameters(cfg),
            )
            seeded = SecretsAndAccounts(cfg, self._pg, self._moto.url, self.stack)
            seeded.put_secrets()
            self.console_users = seeded.seed_console_users()
            self.template = template
            self.startup_seconds["moto+template"] = time.monotonic() - t1
            t2 = time.monotonic()
            self._runner = FunctionRunner(
                cfg, template, self.stack, self._moto.url, ROOT, self._log, self.activity.record
            )
            if cfg.runner:
                self._runner.start()
            self.startup_seconds["runner"] = time.monotonic() - t2
        except BaseException:
            self.stop()
            raise
        self.startup_seconds["total"] = time.monotonic() - t0
        self._write_info(template, seeded)

    def pause(self) -> None:
        """Event sources off between the tests that share this stack (FunctionRunner.pause)."""
        if self._runner:
            self._runner.pause()

    def resume(self) -> None:
        if self._runner:
            self._runner.resume()

    def stop(self) -> None:
        """Stops every server start() started (a second signal meanwhile waits: devstack.stopping)."""
        with signals_held():
            self._stop()

    def _stop(self) -> None:
        if self._runner:
            self._runner.stop()
            self._runner = None
        if self._moto:
            self._moto.stop()
            self._moto = None
        if self._pg:
            try:
                self._pg.stop()
            except Exception as exc:
                print(f"[devstack] stopping PostgreSQL: {exc}", file=sys.stderr)
            self._pg = None
        for fh in self._logs:
            fh.close()
        self._logs = []

    def _write_info(self, template: TranslatedTemplate, seeded: SecretsAndAccounts) -> None:
        assert self.stack and self._moto and self._pg and self._runner
        http = self._runner.http
        self.activity.moto_url = self._moto.url
        self.activity.busy = lambda: self._runner is not None and self._runner.busy
        by_kind = resources_by_kind(self.stack)
        self.activity.queues = dict(by_kind["queues"])
        self.info = {
            "webhook_url": f"http://127.0.0.1:{http.port}{webhook_path(template)}" if http else None,
            "webhook_secret": self.config.webhook_secret,
            "webhook_secrets": seeded.webhook_secrets(),
            "aws_endpoint_url": self._moto.url,
            "region": self.config.region,
            "database_url": self._pg.url,  # the owner: ops, tests, the demo's read-outs
            "app_database_url": self._pg.app_url,  # the message functions' role (row level security)
            "console_database_url": self._pg.console_url,  # the console's role (row level security)
            "retention_database_url": self._pg.retention_url,  # the retention function's role
            "stack_name": STACK_NAME,
            "secrets_path": self.secrets_path,
            "debounce_seconds": self.config.debounce_seconds,
            **by_kind,
            "functions": sorted(self._runner.pools),
            "logs_dir": str(self.config.state_dir / "logs"),
            "console_url": f"http://127.0.0.1:{http.port}/console" if http else None,
            "console_users": self.console_users,
            "langfuse_host": self.config.langfuse_url or None,  # tracing on: where the traces go
        }
        self.publish(**seeded.seeded_apps())

    # -- what the running stack is ---------------------------------------------------------
    @property
    def secrets_path(self) -> str:
        return secrets_path(self.config)

    def publish(self, **extra: Any) -> None:
        """Add entries to `info` and (re)write stack.json, e.g. the stand-ins `make local` started."""
        self.info.update(extra)
        (self.config.state_dir / "stack.json").write_text(json.dumps(self.info, indent=2) + "\n")

    def demo_identity(self) -> dict[str, Any]:
        """Every seeded Gupshup app and the demo clinic's (devstack.secrets_and_accounts.seeded_apps)."""
        assert self._pg
        return seeded_apps(self._pg.url)

    def function_env(self, logical_id: str) -> dict[str, str]:
        """The function's environment as Lambda would set it, pointed at the local stack."""
        assert self._runner
        return self._runner.function_env(logical_id)

    def schedule_period(self, rule: ScheduledRule) -> float:
        """How often a schedule rule fires here (devstack.function_runner.schedule_period)."""
        return schedule_period(self.config, rule)

    def scheduler(self, function: str) -> Scheduler:
        """The running scheduler of a function's rule (tests fire it instead of waiting a night)."""
        assert self._runner
        return self._runner.scheduler(function)

    def pool(self, function: str) -> FunctionPool:
        """A function's warm workers (chaos tests kill them with `kill_busy`)."""
        assert self._runner
        return self._runner.pools[function]

    # -- helpers for tests and the demo ----------------------------------------------------
    @property
    def invocations(self) -> list[Invocation]:
        return self.activity.invocations

    def invocations_of(self, function: str) -> list[Invocation]:
        return self.activity.of(function)

    def bound(self, *functions: str, retries: int = 0) -> float:
        """How long one message may take to pass through `functions` (logical ids) here, from
        the stack's own timings: the inbound queue's delay, a poll, each function's timeout, and
        for each retry the wait before a failed record comes back and another run. What tests
        wait with, instead of numbers of their own."""
        runs = sum(self.pool(f).timeout_s for f in functions)
        comeback = self.config.retry_after_seconds if self.config.retry_after_seconds is not None else 360
        return self.config.debounce_seconds + 2.0 + runs * (1 + retries) + comeback * retries

    def wait_for(self, predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
        return self.activity.wait_for(predicate, timeout, interval)

    def what_happened(self, last: int = 8) -> str:
        """The latest invocations and the queues' depths: what a timed-out test reports."""
        return self.activity.what_happened(last)

    def wait_idle(self, timeout: float = 60.0, settle: float = 1.0) -> None:
        """Until every queue is empty and no function busy for `settle` s (StackActivity.wait_idle)."""
        self.activity.wait_idle(timeout, settle)
