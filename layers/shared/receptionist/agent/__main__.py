"""Run one turn for an organization and a customer, without WhatsApp (the seed's POST /invoke):

    DATABASE_URL=postgresql://... OPENAI_API_KEY=... python -m receptionist.agent \\
        --app ClinicaSonrisa --customer 34600111222 "¿Cuánto cuesta una limpieza?"

Prints the reply and the tool calls. Memory is in-process unless CHECKPOINTS_TABLE and
MEDIA_BUCKET are set (then DynamoDB + S3, e.g. the local stack's, with AWS_ENDPOINT_URL).
CATALOGUE_PROMPT_TOKENS (default 1500; 0 = always search), EMBEDDINGS_MODEL ("" = no vectors) and
TURN_HISTORY_TOKENS (default 3000) work as in the processor.
With --local, the database URL and AWS endpoint come from the running local stack (.local/stack.json).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver

from receptionist.adapters.embeddings import DEFAULT_EMBEDDINGS_MODEL, OpenAIEmbeddings
from receptionist.agent.catalogue_prompt import DEFAULT_BUDGET_TOKENS, CatalogueBlocks
from receptionist.agent.context import DEFAULT_HISTORY_TOKENS, Conversation, GraphLimits
from receptionist.agent.knowledge import KnowledgeSearch
from receptionist.agent.memory import dynamodb_checkpointer
from receptionist.agent.model import DEFAULT_MODEL, ModelSettings, chat_model
from receptionist.agent.runner import TurnRunner
from receptionist.crm import chats
from receptionist.crm.connection import Database
from receptionist.crm.organizations import resolve_by_app


def invoke(
    database_url: str, app: str, customer: str, text: str, *, model: ModelSettings, saver: Any
) -> dict[str, Any]:
    budget = int(os.environ.get("CATALOGUE_PROMPT_TOKENS", DEFAULT_BUDGET_TOKENS))
    limits = GraphLimits(history_tokens=int(os.environ.get("TURN_HISTORY_TOKENS", DEFAULT_HISTORY_TOKENS)))
    embeddings_model = os.environ.get("EMBEDDINGS_MODEL", DEFAULT_EMBEDDINGS_MODEL)
    knowledge = (
        KnowledgeSearch(OpenAIEmbeddings(model.base_url, model.api_key, embeddings_model)) if embeddings_model else None
    )
    """One turn; returns the reply, the tool calls and the turn's cost."""
    db = Database(database_url)
    try:
        org = resolve_by_app(db, app)
        if org is None:
            raise SystemExit(f"no organization uses the Gupshup app {app!r}")
        identity = chats.touch_identity(db, org.id, customer, None, datetime.now(UTC))
        conv = Conversation(db, org, identity, turn_id=f"cli-{uuid.uuid4().hex[:12]}", now=lambda: datetime.now(UTC))
        runner = TurnRunner(
            chat_model(model), saver, limits=limits, catalogue=CatalogueBlocks(budget), knowledge=knowledge
        )
        result = runner.run(conv, text)
        return {
            "reply": result.reply,
            "tool_calls": result.stats.tool_calls,
            "model_calls": result.stats.model_calls,
            "escalations": result.escalations,
        }
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one receptionist turn (debugging without WhatsApp).")
    parser.add_argument("text")
    parser.add_argument("--app", required=True, help="the organization's Gupshup app name")
    parser.add_argument("--customer", required=True, help="the customer's number, digits only")
    parser.add_argument("--local", action="store_true", help="use the running local stack (.local/stack.json)")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if args.local:
        info = json.loads((Path.cwd() / ".local" / "stack.json").read_text())
        database_url = info["database_url"]
        os.environ.setdefault("AWS_ENDPOINT_URL", info["aws_endpoint_url"])
    if not database_url:
        parser.error("set DATABASE_URL or use --local")
    model = ModelSettings(
        base_url=os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1"),
        api_key=os.environ.get("OPENAI_API_KEY", ""),
        model=os.environ.get("OPENAI_MODEL", DEFAULT_MODEL),
    )
    table, bucket = os.environ.get("CHECKPOINTS_TABLE"), os.environ.get("MEDIA_BUCKET")
    saver: Any = dynamodb_checkpointer(table, bucket) if table and bucket else InMemorySaver()
    out = invoke(database_url, args.app, args.customer, args.text, model=model, saver=saver)
    for call in out["tool_calls"]:
        print(f"  [tool] {call['name']}({json.dumps(call['args'], ensure_ascii=False)}) ok={call['ok']}")
    print(out["reply"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
