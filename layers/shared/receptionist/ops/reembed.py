"""Compute the catalogue's missing or stale embeddings (new rows, edited text, another model).

    DATABASE_URL=postgresql://... OPENAI_API_KEY=sk-... python -m receptionist.ops.reembed [--app ClinicaSonrisa]

Run it once after deploying the search (for the rows that existed before), after changing the
`EmbeddingsModel` parameter, and whenever a write could not reach the embeddings endpoint (the
search then still finds those rows by full text and trigrams). Safe to run again: only rows
without an up-to-date embedding are sent, and a row edited meanwhile is left for the next run.
Settings: OPENAI_BASE_URL (default OpenAI's), OPENAI_API_KEY, EMBEDDINGS_MODEL (default
text-embedding-3-small). DATABASE_URL is the tables' owner: it sees every business, and resolves
--app (neither function role may do both: docs/security.md).
Exit status: 0 done, 1 the embeddings endpoint failed (nothing half-written), 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys

from receptionist.adapters.embeddings import DEFAULT_EMBEDDINGS_MODEL, EmbeddingsUnavailable, OpenAIEmbeddings
from receptionist.catalogue_writer import EmbedReport, embed_pending
from receptionist.crm import catalogue_embeddings, organizations
from receptionist.crm.connection import Database


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.reembed",
        description="Embed the catalogue rows (services, knowledge entries) whose embedding is missing or stale.",
    )
    parser.add_argument("--app", action="append", help="only this Gupshup app's business (repeatable)")
    args = parser.parse_args(argv)
    url, key = os.environ.get("DATABASE_URL"), os.environ.get("OPENAI_API_KEY")
    if not url or not key:
        parser.error("DATABASE_URL and OPENAI_API_KEY must be set")
    embedder = OpenAIEmbeddings(
        os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1"),
        key,
        os.environ.get("EMBEDDINGS_MODEL", DEFAULT_EMBEDDINGS_MODEL),
    )
    db = Database(url)
    try:
        if args.app:
            found = {app: organizations.resolve_by_app(db, app) for app in args.app}
            unknown = [app for app, org in found.items() if org is None]
            if unknown:
                parser.error(f"no active Gupshup app named {', '.join(unknown)}")
            ids = [org.id for org in found.values() if org is not None]
        else:
            ids = catalogue_embeddings.organizations_with_catalogue(db)
        total = EmbedReport()
        for organization_id in ids:
            done = embed_pending(db, embedder, organization_id)
            total.embedded += done.embedded
            total.changed_meanwhile += done.changed_meanwhile
    except EmbeddingsUnavailable as exc:
        print(f"{exc}; run again once the endpoint answers", file=sys.stderr)
        return 1
    finally:
        db.close()
    print(
        f"{total.embedded} rows embedded with {embedder.model} in {len(ids)}"
        f" {'business' if len(ids) == 1 else 'businesses'}"
        + (f"; {total.changed_meanwhile} edited meanwhile (next run)" if total.changed_meanwhile else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
