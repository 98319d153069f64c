"""The Docker-free local stack: embedded Postgres + moto (with the template deployed into its
CloudFormation) + the runner that plays API Gateway, Lambda and the SQS event sources."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from devstack.aws import moto_client
from devstack.cloudformation import DeployedStack, ScheduledRule, TranslatedTemplate, deploy
from devstack.migrate import apply_migrations, apply_seed
from devstack.postgres import LocalPostgres, free_port
from devstack.runner import (
    FunctionPool,
    HttpApiServer,
    Invocation,
    Scheduler,
    SqsPoller,
    base_worker_env,
)
from devstack.stopping import signals_held

ROOT = Path(__file__).resolve().parents[3]
STACK_NAME = "receptionist-local"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


@dataclass
class LocalConfig:
    """Everything the local stack takes from the environment (see README, "Local stack")."""

    debounce_seconds: int = 10
    webhook_secret: str = "local-webhook-secret"  # noqa: S105 - local-only default: every seeded app's
    webhook_secrets: dict[str, str] = field(default_factory=dict)  # per app, over the default
    gupshup_api_url: str = "http://127.0.0.1:9/gupshup-not-configured"
    gupshup_api_key: str = "local-gupshup-key"  # FakeGupshup's default key
    openai_base_url: str = "http://127.0.0.1:9/openai-not-configured"
    openai_api_key: str = "local-openai-key"
    openai_model: str = "gpt-4.1-mini"
    gemini_base_url: str = "http://127.0.0.1:9/gemini-not-configured"
    gemini_api_key: str = "local-gemini-key"
    # Langfuse (tracing on): its base URL (e.g. a devstack.fakes.langfuse server) and project keys,
    # put in SSM as the template names them; empty: tracing off, as the template's default.
    langfuse_url: str = ""
    langfuse_public_key: str = "pk-lf-local"
    langfuse_secret_key: str = "sk-lf-local"  # noqa: S105 - FakeLangfuse's default key
    # The staff console: one owner account per seeded business, this password (local only).
    console_password: str = "Consola-Local-2026"  # noqa: S105 - local-only default
    console_secret: str = "local-console-secret"  # noqa: S105 - local-only CSRF signing key
    port: int = 3000
    # Fixed defaults so events/env.local.json (sam local invoke) can point at them; tests use 0 (any free port).
    moto_port: int = 4566
    postgres_port: int = 54322
    state_dir: Path = field(default_factory=lambda: ROOT / ".local")
    region: str = "us-east-1"
    stage: str = "dev"
    concurrency: int = 2
    # None: failed SQS records wait out the queue's own visibility timeout, as in AWS.
    retry_after_seconds: int | None = None
    # None: scheduled functions run at their rule's rate (the sweeper every minute).
    schedule_seconds: float | None = None
    # The reminders' rule alone (issue 17: its own clock); None: schedule_seconds, then the rate.
    reminders_seconds: float | None = None
    # The retention's rule alone; None: its own nightly cron, whatever schedule_seconds says (it
    # removes data by age: a stack that speeds up the sweeper must not also run it every second).
    retention_seconds: float | None = None
    # Per function (logical id): a Lambda timeout other than the template's (tests: shorter).
    function_timeouts: dict[str, int] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    # False: moto (template deployed) and PostgreSQL only, no function workers and no HTTP API
    # (the bench's in-process measurements wire the code themselves).
    runner: bool = True

    @classmethod
    def ephemeral(cls, state_dir: Path, **overrides: Any) -> LocalConfig:
        """A stack for tests and the bench: free ports, its own state, no debounce, the sweeper
        every 2 s, failed records back after 2 s (not the queue's minutes); `overrides` on top."""
        settings: dict[str, Any] = {
            "debounce_seconds": 0,
            "port": 0,
            "moto_port": 0,
            "postgres_port": 0,
            "state_dir": state_dir,
            "schedule_seconds": 2,
            "retry_after_seconds": 2,
        }
        return cls(**(settings | overrides))

    @classmethod
    def from_env(cls) -> LocalConfig:
        d = cls()
        retry = os.environ.get("LOCAL_RETRY_AFTER_SECONDS")
        schedule = os.environ.get("LOCAL_SCHEDULE_SECONDS")
        reminders = os.environ.get("LOCAL_REMINDERS_SECONDS")
        retention = os.environ.get("LOCAL_RETENTION_SECONDS")
        return cls(
            debounce_seconds=_env_int("DEBOUNCE_SECONDS", d.debounce_seconds),
            webhook_secret=os.environ.get("WEBHOOK_SECRET") or d.webhook_secret,
            webhook_secrets=parse_app_secrets(os.environ.get("WEBHOOK_SECRETS", "")),
            gupshup_api_url=os.environ.get("GUPSHUP_API_URL") or d.gupshup_api_url,
            gupshup_api_key=os.environ.get("GUPSHUP_API_KEY") or d.gupshup_api_key,
            openai_base_url=os.environ.get("OPENAI_BASE_URL") or d.openai_base_url,
            openai_api_key=os.environ.get("OPENAI_API_KEY") or d.openai_api_key,
            openai_model=os.environ.get("OPENAI_MODEL") or d.openai_model,
            gemini_base_url=os.environ.get("GEMINI_BASE_URL") or d.gemini_base_url,
            gemini_api_key=os.environ.get("GEMINI_API_KEY") or d.gemini_api_key,
            console_password=os.environ.get("CONSOLE_PASSWORD") or d.console_password,
            port=_env_int("LOCAL_PORT", d.port),
            moto_port=_env_int("MOTO_PORT", d.moto_port),
            postgres_port=_env_int("POSTGRES_PORT", d.postgres_port),
            state_dir=Path(os.environ.get("LOCAL_STATE_DIR") or d.state_dir),
            concurrency=_env_int("LOCAL_CONCURRENCY", d.concurrency),
            retry_after_seconds=int(retry) if retry else None,
            schedule_seconds=float(schedule) if schedule else None,
            reminders_seconds=float(reminders) if reminders else None,
            retention_seconds=float(retention) if retention else None,
        )


def parse_app_secrets(value: str) -> dict[str, str]:
    """WEBHOOK_SECRETS: "appA=s1,appB=s2" -> {"appA": "s1", "appB": "s2"}."""
    out: dict[str, str] = {}
    for pair in value.split(","):
        app, sep, secret = pair.strip().partition("=")
        if not pair.strip():
            continue
        if not sep or not app.strip() or not secret.strip():
            raise ValueError(f"WEBHOOK_SECRETS takes app=secret pairs separated by commas, not {pair.strip()!r}")
        out[app.strip()] = secret.strip()
    return out


class MotoServer:
    def __init__(self, port: int, log: IO[str]) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "devstack.moto_server", str(self.port), str(os.getpid())],  # ends with this one
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError("moto server exited; see .local/logs/moto.log")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto server did not start in time")

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


class LocalStack:
    """Start with start(), stop with stop() (or use as a context manager)."""

    def __init__(self, config: LocalConfig | None = None) -> None:
        self.config = config or LocalConfig.from_env()
        self.invocations: list[Invocation] = []
        self._inv_lock = threading.Lock()
        self._pg: LocalPostgres | None = None
        self._moto: MotoServer | None = None
        self._pools: dict[str, FunctionPool] = {}
        self._pollers: list[SqsPoller] = []
        self._schedulers: list[Scheduler] = []
        self._http: HttpApiServer | None = None
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
            template = self._translate()
            self.stack = deploy(
                template,
                stack_name=STACK_NAME,
                endpoint_url=self._moto.url,
                region=cfg.region,
                parameters=self._parameters(),
            )
            self._put_secrets()
            self.console_users = self._seed_console_users()
            self.template = template
            self.startup_seconds["moto+template"] = time.monotonic() - t1
            t2 = time.monotonic()
            if cfg.runner:
                self._start_runner(template)
            self.startup_seconds["runner"] = time.monotonic() - t2
        except BaseException:
            self.stop()
            raise
        self.startup_seconds["total"] = time.monotonic() - t0
        self._write_info(template)

    def stop(self) -> None:
        """Stops every server start() started (a second signal meanwhile waits: devstack.stopping)."""
        with signals_held():
            self._stop()

    def _stop(self) -> None:
        if self._http:
            self._http.stop()
            self._http = None
        for scheduler in self._schedulers:
            scheduler.stop()
        self._schedulers = []
        # Each part told to stop first, then waited for: their waits overlap instead of adding up.
        for poller in self._pollers:
            poller.close()
        for poller in self._pollers:
            poller.stop()
        self._pollers = []
        for pool in self._pools.values():
            pool.close()
        for pool in self._pools.values():
            pool.stop()
        self._pools = {}
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

    # -- steps -----------------------------------------------------------------------------
    def _parameters(self) -> dict[str, str]:
        return {
            "Stage": self.config.stage,
            "DebounceSeconds": str(self.config.debounce_seconds),
            "OpenAIModel": self.config.openai_model,
            "OpenAIBaseUrl": self.config.openai_base_url,
            "GupshupApiUrl": self.config.gupshup_api_url,
        }

    def _translate(self) -> TranslatedTemplate:
        built = ROOT / ".aws-sam" / "build" / "template.yaml"
        source = built if built.exists() else ROOT / "template.yaml"
        sam_python = ROOT / ".venv-sam" / "bin" / "python"
        return TranslatedTemplate.from_sam(source, sam_python, self._parameters(), self.config.region)

    @property
    def secrets_path(self) -> str:
        return f"/receptionist/{self.config.stage}"

    def _put_secrets(self) -> None:
        assert self._moto and self._pg
        ssm = moto_client("ssm", self._moto.url, self.config.region)
        values = {
            "database-url": self._pg.app_url,  # the message functions connect as their own role (RLS)
            "console-database-url": self._pg.console_url,  # the console as its own
            "retention-database-url": self._pg.retention_url,  # the retention function as its own
            "openai-api-key": self.config.openai_api_key,
            "gemini-api-key": self.config.gemini_api_key,
            "console-secret": self.config.console_secret,
        }
        for name, value in values.items():
            ssm.put_parameter(Name=f"{self.secrets_path}/{name}", Value=value, Type="SecureString", Overwrite=True)
        # The key of the traces' user id (docs/tracing.md): random, never shown, kept once there.
        with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
            ssm.put_parameter(
                Name=f"{self.secrets_path}/trace-user-key",
                Value=secrets.token_urlsafe(32),
                Type="SecureString",
                Overwrite=False,
            )
        if self.config.langfuse_url:
            for name, value in (
                ("langfuse-public-key", self.config.langfuse_public_key),
                ("langfuse-secret-key", self.config.langfuse_secret_key),
            ):
                ssm.put_parameter(Name=f"{self.secrets_path}/{name}", Value=value, Type="SecureString", Overwrite=True)
        # Each seeded Gupshup app's API key, where its platform connection says (api_key_ref).
        for ref in self._gupshup_key_refs():
            ssm.put_parameter(Name=ref, Value=self.config.gupshup_api_key, Type="SecureString", Overwrite=True)
        # Each seeded app's webhook secret (WEBHOOK_SECRETS per app, else WEBHOOK_SECRET).
        for app, secret in self.webhook_secrets().items():
            ssm.put_parameter(
                Name=f"{self.secrets_path}/webhook-secrets/{app}", Value=secret, Type="SecureString", Overwrite=True
            )

    def _seed_console_users(self) -> list[dict[str, str]]:
        """The console's accounts in the template's user pool (moto's Cognito, which issues real
        signed tokens), all with the local console password: one owner per seeded business and
        one operator (of no business), created and linked in console_users on the first start.

        moto's user pool is new at every start while PostgreSQL keeps console_users, so on a
        later start on the same data every account it kept (seeded, or created since from the
        console or ops.onboard) is created again and its row pointed at the new user's `sub`,
        never inserted twice. The `sub` is the only thing keyed by the Cognito user: audit_log,
        chat_messages.sent_by and appointment_history name people by e-mail."""
        assert self._moto and self._pg and self.stack
        pool = next(
            (pid for lid, pid in self.stack.physical.items() if self.stack.types.get(lid) == "AWS::Cognito::UserPool"),
            None,
        )
        apps = self.demo_identity().get("apps", {})
        if pool is None or not apps:
            return []
        import psycopg

        from receptionist.adapters.cognito import StaffPool

        staff = StaffPool(pool, moto_client("cognito-idp", self._moto.url, self.config.region))
        password = self.config.console_password
        app_of: dict[str | None, str] = {}  # organization -> its first app
        for app, seeded in apps.items():
            app_of.setdefault(seeded["organization_id"], app)
        # email -> (its row's sub, None: no row yet; organization; role; app): the seeded accounts first.
        accounts: dict[str, tuple[str | None, str | None, str, str]] = {
            f"owner@{app.lower()}.example": (None, seeded["organization_id"], "owner", app)
            for app, seeded in apps.items()
        }
        accounts["operator@local.example"] = (None, None, "operator", "-")
        users = []
        with psycopg.connect(self._pg.url) as conn:  # one transaction: every row linked, or none
            kept = conn.execute(
                "select sub, organization_id::text, email, role from console_users order by created_at, email"
            ).fetchall()
            relinked: set[str] = set()
            for sub, organization, email, role in kept:
                if email in relinked:  # one Cognito user per e-mail: only its first row can sign in
                    print(
                        f"[devstack] {email} is a console user of more than one business; only the first row is linked",
                        file=sys.stderr,
                    )
                    continue
                relinked.add(email)
                app = accounts[email][3] if email in accounts else app_of.get(organization, "-")
                accounts[email] = (sub, organization, role, app)
            for email, (old_sub, organization, role, app) in accounts.items():
                sub = staff.existing_sub(email) or staff.create_user(email, password)
                staff.set_password(email, password)
                if old_sub is None:
                    conn.execute(
                        "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, %s)",
                        (sub, organization, email, role),
                    )
                elif old_sub != sub:
                    conn.execute("update console_users set sub = %s where sub = %s", (sub, old_sub))
                users.append(
                    {
                        "app": app,
                        "organization_id": organization or "",
                        "email": email,
                        "password": password,
                        "role": role,
                    }
                )
        return users

    def webhook_secrets(self) -> dict[str, str]:
        """Every seeded app's webhook secret."""
        apps = self.demo_identity().get("apps", {})
        return {app: self.config.webhook_secrets.get(app, self.config.webhook_secret) for app in apps}

    def _gupshup_key_refs(self) -> list[str]:
        assert self._pg
        import psycopg

        try:
            with psycopg.connect(self._pg.url) as conn:
                rows = conn.execute(
                    "select distinct api_key_ref from platform_connections where provider = 'gupshup' and active"
                ).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
        return sorted(str(r[0]) for r in rows)

    def function_env(self, template: TranslatedTemplate, logical_id: str) -> dict[str, str]:
        """The function's environment as Lambda would set it, pointed at the local stack."""
        assert self.stack and self._moto
        props = template.functions[logical_id]
        env = base_worker_env(self._moto.url, self.config.region)
        for key, value in props.get("Environment", {}).get("Variables", {}).items():
            env[key] = str(self.stack.resolve(value))
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": str(self.stack.resolve(props.get("FunctionName", logical_id))),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", 128)),
                "LOCAL_FUNCTION_TIMEOUT": str(self.function_timeout(template, logical_id)),
                # Third-party edges are configurable so tests and the demo can point at fakes.
                "GUPSHUP_API_URL": self.config.gupshup_api_url,
                "OPENAI_BASE_URL": self.config.openai_base_url,
                "OPENAI_MODEL": self.config.openai_model,
                "GEMINI_BASE_URL": self.config.gemini_base_url,
                # The local Gupshup stand-in serves media over http on loopback.
                "MEDIA_HOSTS": "127.0.0.1,localhost",
                "MEDIA_ALLOW_HTTP": "true",
            }
        )
        if self.config.langfuse_url and "LANGFUSE_HOST" in env:  # the template allows https only
            env["LANGFUSE_HOST"] = self.config.langfuse_url
        if "USER_POOL_ID" in env:  # the console verifies tokens with moto's keys for the pool
            env["COGNITO_JWKS_URL"] = f"{self._moto.url}/{env['USER_POOL_ID']}/.well-known/jwks.json"
        env.update(self.config.extra_env)
        return env

    def function_timeout(self, template: TranslatedTemplate, logical_id: str) -> int:
        return self.config.function_timeouts.get(logical_id) or int(template.functions[logical_id].get("Timeout", 3))

    def _start_runner(self, template: TranslatedTemplate) -> None:
        assert self.stack and self._moto
        names = {
            "WebhookFunction": "webhook",
            "ProcessorFunction": "processor",
            "NotifierFunction": "notifier",
            "SweeperFunction": "sweeper",
            "ConsoleFunction": "console",
            "RemindersFunction": "reminders",
            "RetentionFunction": "retention",
        }
        for logical_id, props in template.functions.items():
            code_dir = ROOT / "functions" / names.get(logical_id, logical_id)
            size = self.config.concurrency
            if logical_id == "WebhookFunction":
                size = max(2, self.config.concurrency)
            elif any(rule.function == logical_id for rule in template.schedules):
                size = 1  # a schedule invokes one at a time
            with signals_held():
                self._pools[logical_id] = FunctionPool(
                    logical_id,
                    code_dir,
                    props["Handler"],
                    self.function_env(template, logical_id),
                    size,
                    self._log(names.get(logical_id, logical_id)),
                    timeout_s=self.function_timeout(template, logical_id),
                )
        for pool in self._pools.values():
            pool.wait_ready()
        for mapping in template.mappings:
            queue_id = mapping.queue_logical_id
            poller = SqsPoller(
                mapping,
                queue_url=self.stack.physical[queue_id],
                queue_arn=self.stack.arns[queue_id],
                pool=self._pools[mapping.function],
                concurrency=min(mapping.maximum_concurrency, self.config.concurrency),
                endpoint_url=self._moto.url,
                region=self.config.region,
                record=self._record,
                retry_after_seconds=self.config.retry_after_seconds,
            )
            self._pollers.append(poller)
            poller.start()
        for rule in template.schedules:
            period = self.schedule_period(rule)
            # A rule played at its own schedule waits for it (a nightly cron, its hour); a faster one, its period.
            first = rule.first_delay(datetime.now(UTC)) if period == rule.period_seconds else period
            scheduler = Scheduler(rule, self._pools[rule.function], self.config.region, self._record, period, first)
            self._schedulers.append(scheduler)
            scheduler.start()
        self._http = HttpApiServer("127.0.0.1", self.config.port, template.routes, self._pools, self._record)
        self._http.start()

    def schedule_period(self, rule: ScheduledRule) -> float:
        """How often a schedule rule fires here: LOCAL_REMINDERS_SECONDS for the reminders' rule,
        LOCAL_RETENTION_SECONDS for the retention's (else its own nightly rule, never the shared
        one), LOCAL_SCHEDULE_SECONDS for every other rule, else the rule's own rate."""
        if rule.function == "RemindersFunction" and self.config.reminders_seconds:
            return self.config.reminders_seconds
        if rule.function == "RetentionFunction":
            return self.config.retention_seconds or rule.period_seconds
        return self.config.schedule_seconds or rule.period_seconds

    def scheduler(self, function: str) -> Scheduler:
        """The running scheduler of a function's rule (tests fire it instead of waiting a night)."""
        return next(s for s in self._schedulers if s.rule.function == function)

    def _record(self, inv: Invocation) -> None:
        with self._inv_lock:
            self.invocations.append(inv)
        path = self.config.state_dir / "invocations.jsonl"
        with self._inv_lock, open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(asdict(inv)) + "\n")

    def _write_info(self, template: TranslatedTemplate) -> None:
        assert self.stack and self._moto and self._pg
        by_type: dict[str, dict[str, str]] = {"queues": {}, "tables": {}, "buckets": {}, "topics": {}}
        kinds = {
            "AWS::SQS::Queue": "queues",
            "AWS::DynamoDB::Table": "tables",
            "AWS::S3::Bucket": "buckets",
            "AWS::SNS::Topic": "topics",
        }
        for lid, kind in self.stack.types.items():
            if kind in kinds:
                by_type[kinds[kind]][lid] = self.stack.physical[lid]
        routes = [r for r in template.routes if r.path == "/webhooks/gupshup"]
        path = routes[0].path if routes else "/webhooks/gupshup"
        self.info = {
            "webhook_url": f"http://127.0.0.1:{self._http.port}{path}" if self._http else None,
            "webhook_secret": self.config.webhook_secret,
            "webhook_secrets": self.webhook_secrets(),
            "aws_endpoint_url": self._moto.url,
            "region": self.config.region,
            "database_url": self._pg.url,  # the owner: ops, tests, the demo's read-outs
            "app_database_url": self._pg.app_url,  # the message functions' role (row level security)
            "console_database_url": self._pg.console_url,  # the console's role (row level security)
            "retention_database_url": self._pg.retention_url,  # the retention function's role
            "stack_name": STACK_NAME,
            "secrets_path": self.secrets_path,
            "debounce_seconds": self.config.debounce_seconds,
            **by_type,
            "functions": sorted(self._pools),
            "logs_dir": str(self.config.state_dir / "logs"),
            "console_url": f"http://127.0.0.1:{self._http.port}/console" if self._http else None,
            "console_users": self.console_users,
            "langfuse_host": self.config.langfuse_url or None,  # tracing on: where the traces go
        }
        self.publish(**self.demo_identity())

    def publish(self, **extra: Any) -> None:
        """Add entries to `info` and (re)write stack.json, e.g. the stand-ins `make local` started."""
        self.info.update(extra)
        (self.config.state_dir / "stack.json").write_text(json.dumps(self.info, indent=2) + "\n")

    def demo_identity(self) -> dict[str, Any]:
        """Every seeded Gupshup app (`apps`: app -> business number, organization id) and the demo
        clinic's (`demo_app`, `demo_number`: the first seeded), once the CRM seed has them."""
        assert self._pg
        import psycopg

        try:
            with psycopg.connect(self._pg.url) as conn:
                rows = conn.execute(
                    "select app_name, business_number, organization_id::text from platform_connections"
                    " where provider = 'gupshup' and active order by created_at, app_name"
                ).fetchall()
        except psycopg.errors.UndefinedTable:
            return {}
        if not rows:
            return {}
        apps = {app: {"business_number": number, "organization_id": org} for app, number, org in rows}
        return {"apps": apps, "demo_app": rows[0][0], "demo_number": rows[0][1]}

    # -- helpers for tests and the demo ----------------------------------------------------
    def bound(self, *functions: str, retries: int = 0) -> float:
        """How long one message may take to pass through `functions` (logical ids) here, from
        the stack's own timings: the inbound queue's delay, a poll, each function's timeout, and
        for each retry the wait before a failed record comes back and another run. What tests
        wait with, instead of numbers of their own."""
        runs = sum(self._pools[f].timeout_s for f in functions)
        comeback = self.config.retry_after_seconds if self.config.retry_after_seconds is not None else 360
        return self.config.debounce_seconds + 2.0 + runs * (1 + retries) + comeback * retries

    def wait_for(self, predicate: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        raise TimeoutError(f"condition not met in {timeout:.0f} s; {self.what_happened()}")

    def what_happened(self, last: int = 8) -> str:
        """The latest invocations and the queues' depths: what a timed-out test reports."""
        with self._inv_lock:
            recent = self.invocations[-last:]
        lines = [
            f"{i.function} {i.source} ok={i.ok} failed={len(i.failed_ids)} {i.duration_ms:.0f} ms"
            + (f" error={i.error[:200]}" if i.error else "")
            for i in recent
        ]
        return "latest invocations: " + ("; ".join(lines) or "none") + f"; queues: {self._queue_depths()}"

    def _queue_depths(self) -> dict[str, str]:
        if not self._moto:
            return {}
        sqs = moto_client("sqs", self._moto.url, self.config.region)
        depths = {}
        for name, url in self.info.get("queues", {}).items():
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            depths[name] = "/".join(
                attrs.get(k, "0")
                for k in (
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                )
            )
        return depths

    def wait_idle(self, timeout: float = 60.0, settle: float = 1.0) -> None:
        """Until nothing is left to do: every queue empty (visible, in flight and delayed) and no
        function busy, for `settle` seconds in a row. What a test waits on before it checks that
        nothing more happened (instead of sleeping a fixed time)."""
        assert self._moto
        sqs = moto_client("sqs", self._moto.url, self.config.region)
        names = (
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        )
        urls = list(self.info.get("queues", {}).values())
        quiet_since: float | None = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = any(pool.busy for pool in self._pools.values())
            for url in urls if not busy else []:
                attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names))["Attributes"]
                if any(int(attrs.get(n, "0")) for n in names):
                    busy = True
                    break
            now = time.monotonic()
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= settle:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the local stack did not go idle in {timeout:.0f} s; {self.what_happened()}")

    def invocations_of(self, function: str) -> list[Invocation]:
        with self._inv_lock:
            return [i for i in self.invocations if i.function == function]

    def pool(self, function: str) -> FunctionPool:
        """A function's warm workers (chaos tests kill them with `kill_busy`)."""
        return self._pools[function]


def describe(info: dict[str, Any]) -> str:
    lines = ["Local stack is up.", ""]
    lines.append(f"  Webhook URL       {info['webhook_url']}?token=<WEBHOOK_SECRET>")
    lines.append(f"  AWS endpoint      {info['aws_endpoint_url']} (moto, region {info['region']})")
    lines.append(f"  Database          {info['database_url']} (owner)")
    lines.append(f"  Functions' role   {info['app_database_url']} (row level security)")
    lines.append(f"  Console's role    {info['console_database_url']} (row level security)")
    lines.append(f"  Retention's role  {info['retention_database_url']} (its retention functions only)")
    lines.append(f"  Debounce          {info['debounce_seconds']} s")
    for group in ("queues", "tables", "buckets"):
        for lid, name in sorted(info.get(group, {}).items()):
            lines.append(f"  {lid:<24} {name}")
    for app, seeded in sorted(info.get("apps", {}).items()):
        lines.append(f"  App {app:<14} number {seeded['business_number']}, organization {seeded['organization_id']}")
    if info.get("console_url"):
        lines.append(f"  Staff console     {info['console_url']}")
        for user in info.get("console_users", []):
            lines.append(f"    {user['app']:<16} {user['email']} / {user['password']}")
    lines.append(f"  Logs              {info['logs_dir']}")
    return "\n".join(lines)
