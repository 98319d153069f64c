"""The deployed template's functions, run here: a warm pool of workers per function, a poller per
SQS event source mapping, a scheduler per schedule rule and the HTTP API in front of the routes
(the parts themselves are in devstack.runner)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from devstack.cloudformation import DeployedStack, ScheduledRule, TranslatedTemplate
from devstack.config import LocalConfig
from devstack.runner import FunctionPool, HttpApiServer, Recorder, Scheduler, SqsPoller, base_worker_env
from devstack.stopping import signals_held

# Logical id -> its code under functions/ (and its log's name).
CODE_DIRS = {
    "WebhookFunction": "webhook",
    "ProcessorFunction": "processor",
    "NotifierFunction": "notifier",
    "SweeperFunction": "sweeper",
    "ConsoleFunction": "console",
    "RemindersFunction": "reminders",
    "RetentionFunction": "retention",
    "CalendarFunction": "calendar",
    "CalendarPushFunction": "calendar_push",
}


class FunctionRunner:
    """Plays Lambda and its event sources for one deployed template; `start()` starts them all,
    `stop()` stops whatever had started."""

    def __init__(
        self,
        config: LocalConfig,
        template: TranslatedTemplate,
        stack: DeployedStack,
        moto_url: str,
        root: Path,
        log: Callable[[str], IO[str]],
        record: Recorder,
    ) -> None:
        self.config = config
        self.template = template
        self._stack = stack
        self._moto_url = moto_url
        self._root = root
        self._log = log
        self._record = record
        self.pools: dict[str, FunctionPool] = {}
        self._pollers: list[SqsPoller] = []
        self._schedulers: list[Scheduler] = []
        self.http: HttpApiServer | None = None  # set once it serves
        self._http_port = config.port  # the HTTP API's port, known once it is bound (start)
        self._paused = False

    def function_env(self, logical_id: str) -> dict[str, str]:
        """The function's environment as Lambda would set it, pointed at the local stack."""
        props = self.template.functions[logical_id]
        env = base_worker_env(self._moto_url, self.config.region)
        for key, value in props.get("Environment", {}).get("Variables", {}).items():
            # The HTTP API is not deployed into moto (this runner serves it): its address is ours.
            local = key in ("CALENDAR_PUSH_URL", "CALENDAR_REDIRECT_URI")
            env[key] = "" if local else str(self._stack.resolve(value))
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": str(self._stack.resolve(props.get("FunctionName", logical_id))),
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(props.get("MemorySize", 128)),
                "LOCAL_FUNCTION_TIMEOUT": str(self.function_timeout(logical_id)),
                # Third-party edges are configurable so tests and the demo can point at fakes.
                "GUPSHUP_API_URL": self.config.gupshup_api_url,
                "GUPSHUP_PARTNER_API_URL": self.config.gupshup_partner_api_url,
                "OPENAI_BASE_URL": self.config.openai_base_url,
                "OPENAI_MODEL": self.config.openai_model,
                "GEMINI_BASE_URL": self.config.gemini_base_url,
                "GOOGLE_OAUTH_URL": self.config.google_oauth_url,
                "GOOGLE_TOKEN_URL": self.config.google_token_url,
                "GOOGLE_CALENDAR_API_URL": self.config.google_calendar_api_url,
                "GOOGLE_CLIENT_ID": self.config.google_client_id,
                # The local Gupshup stand-in serves media over http on loopback.
                "MEDIA_HOSTS": "127.0.0.1,localhost",
                "MEDIA_ALLOW_HTTP": "true",
            }
        )
        if "CALENDAR_PUSH_URL" in env:  # Google's pushes reach this stack's HTTP API, not API Gateway's
            env["CALENDAR_PUSH_URL"] = f"http://127.0.0.1:{self._http_port}/calendar/google/notifications"
        if "CALENDAR_REDIRECT_URI" in env:  # and the consent comes back to this stack's console
            env["CALENDAR_REDIRECT_URI"] = f"http://127.0.0.1:{self._http_port}/console/calendar/callback"
        if self.config.langfuse_url and "LANGFUSE_HOST" in env:  # the template allows https only
            env["LANGFUSE_HOST"] = self.config.langfuse_url
        if "USER_POOL_ID" in env:  # the console verifies tokens with moto's keys for the pool
            env["COGNITO_JWKS_URL"] = f"{self._moto_url}/{env['USER_POOL_ID']}/.well-known/jwks.json"
        env.update(self.config.extra_env)
        return env

    def function_timeout(self, logical_id: str) -> int:
        return self.config.function_timeouts.get(logical_id) or int(
            self.template.functions[logical_id].get("Timeout", 3)
        )

    def start(self) -> None:
        template = self.template
        # Bound first (it serves once started, below): the functions' environment names its port.
        http = HttpApiServer("127.0.0.1", self.config.port, template.routes, self.pools, self._record)
        self._http_port = http.port
        try:
            self._start_functions()
        except BaseException:
            http.httpd.server_close()  # never served: nothing to shut down
            raise
        self.http = http
        self.http.start()

    def _start_functions(self) -> None:
        template = self.template
        for logical_id, props in template.functions.items():
            name = CODE_DIRS.get(logical_id, logical_id)
            size = self.config.concurrency
            if logical_id == "WebhookFunction":
                size = max(2, self.config.concurrency)
            elif any(rule.function == logical_id for rule in template.schedules):
                size = 1  # a schedule invokes one at a time
            with signals_held():
                self.pools[logical_id] = FunctionPool(
                    logical_id,
                    self._root / "functions" / name,
                    props["Handler"],
                    self.function_env(logical_id),
                    size,
                    self._log(name),
                    timeout_s=self.function_timeout(logical_id),
                )
        for pool in self.pools.values():
            pool.wait_ready()
        self._start_event_sources()

    def _start_event_sources(self) -> None:
        template = self.template
        for mapping in template.mappings:
            queue_id = mapping.queue_logical_id
            poller = SqsPoller(
                mapping,
                queue_url=self._stack.physical[queue_id],
                queue_arn=self._stack.arns[queue_id],
                pool=self.pools[mapping.function],
                concurrency=min(mapping.maximum_concurrency, self.config.concurrency),
                endpoint_url=self._moto_url,
                region=self.config.region,
                record=self._record,
                retry_after_seconds=self.config.retry_after_seconds,
            )
            self._pollers.append(poller)
            poller.start()
        for rule in template.schedules:
            period = schedule_period(self.config, rule)
            # A rule played at its own schedule waits for it (a nightly cron, its hour); a faster one, its period.
            first = rule.first_delay(datetime.now(UTC)) if period == rule.period_seconds else period
            scheduler = Scheduler(rule, self.pools[rule.function], self.config.region, self._record, period, first)
            self._schedulers.append(scheduler)
            scheduler.start()

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """No more polls and no more schedules until resume(); the warm workers, the HTTP API and
        the queues' messages stay. A stack shared by many tests idles this way between them
        instead of running its every-second schedules and polls for nobody."""
        self._stop_event_sources()
        self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._start_event_sources()

    def scheduler(self, function: str) -> Scheduler:
        """The running scheduler of a function's rule (tests fire it instead of waiting a night):
        its plain schedule, not one that invokes it with an Input of its own (the waitlist's)."""
        rules = [s for s in self._schedulers if s.rule.function == function]
        return next((s for s in rules if s.rule.input is None), rules[0])

    @property
    def busy(self) -> bool:
        """Some function is inside an invocation."""
        return any(pool.busy for pool in self.pools.values())

    def stop(self) -> None:
        if self.http:
            self.http.stop()
            self.http = None
        self._stop_event_sources()
        for pool in self.pools.values():
            pool.close()
        for pool in self.pools.values():
            pool.stop()
        self.pools = {}

    def _stop_event_sources(self) -> None:
        for scheduler in self._schedulers:
            scheduler.stop()
        self._schedulers = []
        # Each part told to stop first, then waited for: their waits overlap instead of adding up.
        for poller in self._pollers:
            poller.close()
        for poller in self._pollers:
            poller.stop()
        self._pollers = []


def schedule_period(config: LocalConfig, rule: ScheduledRule) -> float:
    """How often a schedule rule fires here: LOCAL_REMINDERS_SECONDS for the reminders' rule,
    LOCAL_RETENTION_SECONDS for the retention's (else its own nightly rule, never the shared
    one), LOCAL_STATS_SECONDS for the daily roll-up's (else its own hourly rate), LOCAL_SCHEDULE_SECONDS
    for every other rule, else the rule's own rate."""
    if is_stats_rule(rule):
        return config.stats_seconds or rule.period_seconds
    if rule.function == "RemindersFunction" and config.reminders_seconds:
        return config.reminders_seconds
    if rule.function == "RetentionFunction":
        return config.retention_seconds or rule.period_seconds
    return config.schedule_seconds or rule.period_seconds


def is_stats_rule(rule: ScheduledRule) -> bool:
    """The reminders function's hourly roll-up rule (its Input names the "stats" pass)."""
    if rule.function != "RemindersFunction" or not rule.input:
        return False
    try:
        event = json.loads(rule.input)
    except ValueError:
        return False
    return isinstance(event, dict) and event.get("pass") == "stats"
