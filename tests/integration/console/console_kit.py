"""What the console tests share: the console app in process (FastAPI's test client over
HTTPS, so Secure cookies travel) on its real parts: Cognito in moto (real signed tokens, its
JWKS), PostgreSQL with the demo seed as the functions' role (row level security), the
outbound queue in moto."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi.testclient import TestClient

from devstack import authenticator
from receptionist.crm import chats
from receptionist.crm.connection import Database

CLINIC = "00000000-0000-4000-8000-000000000001"
SALON = "00000000-0000-4000-9000-000000000001"
PASSWORD = "Consola-Prueba-2026"
# The audit log's lines of changes, leaving out its access lines (sign-in, sign-out, transcript
# reads: test_access_audit.py) and those of an account's own credentials (its second factor set up
# as it signs in, a password chosen or changed: test_staff_accounts.py), as SQL to add to a query's
# conditions.
ACCOUNT_LINES = ("mfa_enabled", "password_set", "password_changed")
CHANGES = f"action <> all('{{sign_in,sign_out,transcript_opened,{','.join(ACCOUNT_LINES)}}}'::text[])"


@dataclass
class Console:
    app: Any
    idp: Any
    pool: str
    sqs: Any
    queue_url: str
    owner_url: str
    # Another warm console container on the same parts (its own database connection), whose SSM
    # calls go through the given client: two of them are two Lambdas serving at once.
    container: Callable[[Any], Any]
    users: dict[str, str] = field(default_factory=dict)  # organization -> email
    s3: Any = None  # the media bucket's client (customers' exports)
    bucket: str = ""
    stores: Any = None  # privacy_kit.Stores: the tables and bucket an owner's erasure reaches

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="https://testserver", follow_redirects=False)

    @contextmanager
    def parts_changed(self, **changes: Any) -> Iterator[None]:
        """The app on its parts with `changes` (ConsoleParts is frozen: a changed copy, the built
        one put back after)."""
        built = self.app.state.parts
        self.app.state.parts = dataclasses.replace(built, **changes)
        try:
            yield
        finally:
            self.app.state.parts = built

    def user(self, organization: str | None, role: str = "owner") -> str:
        """A new account (Cognito user + console_users row): an owner or a staff member of
        `organization`, or an operator (organization None)."""
        email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        created = self.idp.admin_create_user(
            UserPoolId=self.pool,
            Username=email,
            UserAttributes=[{"Name": "email", "Value": email}],
            MessageAction="SUPPRESS",
        )["User"]
        self.idp.admin_set_user_password(UserPoolId=self.pool, Username=email, Password=PASSWORD, Permanent=True)
        sub = next(a["Value"] for a in created["Attributes"] if a["Name"] == "sub")
        with psycopg.connect(self.owner_url) as conn:
            conn.execute(
                "insert into console_users (sub, organization_id, email, role) values (%s, %s, %s, %s)",
                (sub, organization, email, role),
            )
        return email

    def signed_in(self, organization: str | None, role: str = "owner") -> TestClient:
        client = self.client()
        email = self.user(organization, role)
        answer = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)})
        assert answer.status_code == 303, answer.text
        finish_sign_in(client, answer.headers["location"])
        return client

    def conversation(self, organization: str, *, last_inbound: datetime | None = None, text: str = "Hola") -> str:
        """A customer of `organization` who wrote `text`: their chat identity's id."""
        number = f"346{uuid.uuid4().int % 10**8:08d}"
        db = Database(self.owner_url)
        try:
            identity = chats.touch_identity(db, organization, number, "Lucía", last_inbound or datetime.now(UTC))
            chats.record_inbound(
                db,
                organization,
                identity.id,
                provider_message_id=f"wamid.{uuid.uuid4().hex}",
                kind="text",
                raw={"type": "text", "payload": {"text": text}},
                processed_text=text,
            )
        finally:
            db.close()
        return identity.id

    def jobs(self, *identity_ids: str) -> list[dict[str, Any]]:
        """The queued jobs (read and removed); with identities, only those conversations': the queue
        is the session's, and another module's test may have left its own there."""
        out = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            for m in got:
                out.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
        if not identity_ids:
            return out
        with psycopg.connect(self.owner_url) as conn:
            rows = conn.execute(
                "select customer_number from chat_identities where id = any(%s::uuid[])", (list(identity_ids),)
            ).fetchall()
        assert len(rows) == len(set(identity_ids))
        numbers = {f"#{number}" for (number,) in rows}
        return [job for job in out if any(str(job.get("conversation", "")).endswith(n) for n in numbers)]

    def bot_enabled(self, identity_id: str) -> bool:
        with psycopg.connect(self.owner_url) as conn:
            row = conn.execute("select bot_enabled from chat_identities where id = %s", (identity_id,)).fetchone()
        assert row is not None
        return bool(row[0])

    def audit(self, identity_id: str) -> list[tuple[str, str]]:
        """The changes made to a conversation: (actor, action), oldest first."""
        with psycopg.connect(self.owner_url) as conn:
            rows = conn.execute(
                f"select actor, action from audit_log where target = %s and {CHANGES} order by id",  # noqa: S608 - constants
                (identity_id,),
            )
            return [(str(a), str(b)) for a, b in rows.fetchall()]


def finish_sign_in(client: TestClient, location: str) -> str:
    """The steps after a password, as a person with an authenticator app does them: an account
    that must have a second factor enrols (the page's secret, a code from it), one that has it
    types its code. Where the sign-in landed."""
    if location == "/console/mfa/setup":
        page = client.get(location)
        secret = re.search(r'id="mfa-secret">([^<]+)<', page.text)
        assert secret, page.text[:500]
        answer = client.post(
            location, data={"code": authenticator.code(secret.group(1)), "csrf_token": csrf(client, location)}
        )
        assert answer.status_code == 303, answer.text
        return str(answer.headers["location"])
    return location


def csrf(client: TestClient, path: str = "/console/login") -> str:
    """The CSRF token of a page's forms (the page also sets the cookie it is bound to)."""
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)
