"""The WhatsApp templates staff may send a customer (table message_templates), and their preview.

A template is what a business may send when the customer's 24-hour window is closed: Gupshup
sends it by its id with the parameters in order; `body` is its approved text, with {{1}}, {{2}}...
where the parameters go, so a person (and the conversation's history) can see what was said.
"""

from __future__ import annotations

import re

from receptionist.crm.connection import Database, Row
from receptionist.crm.models import MessageTemplate

_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
# Gupshup's template ids as a business's settings may name one (the escalation notice, reminders),
# and the most values a template a setting names may take.
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")
MAX_PARAMS = 10

_COLUMNS = "template_id, label, body, param_count"


def _template(row: Row) -> MessageTemplate:
    return MessageTemplate(
        template_id=row["template_id"], label=row["label"], body=row["body"], param_count=row["param_count"]
    )


def list_templates(db: Database, organization_id: str) -> list[MessageTemplate]:
    """The organization's templates, by label. One round trip."""
    rows = db.fetch_all(
        f"select {_COLUMNS} from message_templates where organization_id = %s order by label, template_id",
        (organization_id,),
    )
    return [_template(r) for r in rows]


def get_template(db: Database, organization_id: str, template_id: str) -> MessageTemplate | None:
    """One of the organization's templates by Gupshup's id (None when it has no such template)."""
    row = db.fetch_one(
        f"select {_COLUMNS} from message_templates where organization_id = %s and template_id = %s",
        (organization_id, template_id),
    )
    return _template(row) if row else None


def placeholder_count(body: str) -> int:
    """How many parameters a template body takes: its highest {{n}} (0 without placeholders)."""
    return max((int(m.group(1)) for m in _PLACEHOLDER.finditer(body)), default=0)


def render_template(body: str, params: list[str]) -> str:
    """The template's text with {{n}} replaced by params[n-1] (a parameter's own text is never
    read for placeholders). Raises ValueError unless exactly as many parameters as it takes are
    given."""
    expected = placeholder_count(body)
    if len(params) != expected:
        raise ValueError(f"this template takes {expected} parameter{'' if expected == 1 else 's'}, {len(params)} given")
    if any(int(m.group(1)) < 1 for m in _PLACEHOLDER.finditer(body)):
        raise ValueError("template placeholders are numbered from {{1}}")
    return _PLACEHOLDER.sub(lambda m: params[int(m.group(1)) - 1], body)
