"""What the deployed stack is given from the seeded CRM: the functions' secrets in SSM (database
roles, model keys, each seeded app's Gupshup key and webhook secret) and the console's accounts in
moto's Cognito user pool."""

from __future__ import annotations

import contextlib
import secrets
import sys
from typing import Any

from devstack.aws import moto_client
from devstack.cloudformation import DeployedStack
from devstack.config import LocalConfig
from devstack.postgres import LocalPostgres


class SecretsAndAccounts:
    """Reads the seeded businesses from PostgreSQL (as the owner) and writes what the functions and
    the console need into moto: SSM parameters under `secrets_path`, Cognito users."""

    def __init__(self, config: LocalConfig, postgres: LocalPostgres, moto_url: str, stack: DeployedStack) -> None:
        self.config = config
        self._pg = postgres
        self._moto_url = moto_url
        self._stack = stack

    @property
    def secrets_path(self) -> str:
        return secrets_path(self.config)

    def seeded_apps(self) -> dict[str, Any]:
        """Every seeded Gupshup app (`apps`: app -> business number, organization id) and the demo
        clinic's (`demo_app`, `demo_number`: the first seeded), once the CRM seed has them."""
        return seeded_apps(self._pg.url)

    def webhook_secrets(self) -> dict[str, str]:
        """Every seeded app's webhook secret."""
        apps = self.seeded_apps().get("apps", {})
        return {app: self.config.webhook_secrets.get(app, self.config.webhook_secret) for app in apps}

    def put_secrets(self) -> None:
        ssm = moto_client("ssm", self._moto_url, self.config.region)
        values = {
            "database-url": self._pg.app_url,  # the message functions connect as their own role (RLS)
            "console-database-url": self._pg.console_url,  # the console as its own
            "retention-database-url": self._pg.retention_url,  # the retention function as its own
            "openai-api-key": self.config.openai_api_key,
            "gemini-api-key": self.config.gemini_api_key,
            "console-secret": self.config.console_secret,
            "google-client-secret": self.config.google_client_secret,  # the Google stand-in's client
        }
        for name, value in values.items():
            ssm.put_parameter(Name=f"{self.secrets_path}/{name}", Value=value, Type="SecureString", Overwrite=True)
        # The key of the traces' user id (docs/tracing.md) and of the calendar push channels' tokens
        # (docs/calendar.md): random, never shown, kept once there.
        for name in ("trace-user-key", "calendar-channel-key"):
            with contextlib.suppress(ssm.exceptions.ParameterAlreadyExists):
                ssm.put_parameter(
                    Name=f"{self.secrets_path}/{name}",
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
        # And its Partner App Token (read receipts), where the connection says (app_token_ref).
        for ref in self._gupshup_key_refs("app_token_ref"):
            ssm.put_parameter(Name=ref, Value=self.config.gupshup_app_token, Type="SecureString", Overwrite=True)
        # Each seeded app's webhook secret (WEBHOOK_SECRETS per app, else WEBHOOK_SECRET).
        for app, secret in self.webhook_secrets().items():
            ssm.put_parameter(
                Name=f"{self.secrets_path}/webhook-secrets/{app}", Value=secret, Type="SecureString", Overwrite=True
            )

    def seed_console_users(self) -> list[dict[str, str]]:
        """The console's accounts in the template's user pool (moto's Cognito, which issues real
        signed tokens), all with the local console password: one owner per seeded business and
        one operator (of no business), created and linked in console_users on the first start.

        moto's user pool is new at every start while PostgreSQL keeps console_users, so on a
        later start on the same data every account it kept (seeded, or created since from the
        console or ops.onboard) is created again and its row pointed at the new user's `sub`,
        never inserted twice. The `sub` is the only thing keyed by the Cognito user: audit_log,
        chat_messages.sent_by and appointment_history name people by e-mail."""
        stack = self._stack
        pool = next(
            (pid for lid, pid in stack.physical.items() if stack.types.get(lid) == "AWS::Cognito::UserPool"),
            None,
        )
        apps = self.seeded_apps().get("apps", {})
        if pool is None or not apps:
            return []
        import psycopg

        from receptionist.adapters.cognito import StaffPool

        staff = StaffPool(pool, moto_client("cognito-idp", self._moto_url, self.config.region))
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

    def _gupshup_key_refs(self, column: str = "api_key_ref") -> list[str]:
        import psycopg

        try:
            with psycopg.connect(self._pg.url) as conn:
                rows = conn.execute(
                    f"select distinct {column} from platform_connections"  # noqa: S608 - one of two column names
                    f" where provider = 'gupshup' and active and {column} is not null"
                ).fetchall()
        except psycopg.errors.UndefinedTable:
            return []
        return sorted(str(r[0]) for r in rows)


def secrets_path(config: LocalConfig) -> str:
    """Where the functions read their secrets (the template's SECRETS_PATH for the stage)."""
    return f"/receptionist/{config.stage}"


def seeded_apps(owner_url: str) -> dict[str, Any]:
    """Every seeded Gupshup app (`apps`: app -> business number, organization id) and the demo
    clinic's (`demo_app`, `demo_number`: the first seeded), once the CRM seed has them."""
    import psycopg

    try:
        with psycopg.connect(owner_url) as conn:
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
