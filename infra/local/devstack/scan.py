"""Everything a local stack stores, read whole, to search for what must not be there (the erasure
tests: tests/integration/privacy, tests/e2e/test_erasure.py).

- PostgreSQL: every row of every table of the public schema, each as its text (`row::text`: every
  column, jsonb and arrays included);
- DynamoDB: every item of each table (Scan), as JSON, with each binary value also decompressed
  (the checkpointer gzips its payloads);
- S3: every object's key and body (decompressed when gzipped);
- Langfuse: what a devstack.fakes.langfuse server keeps;
- logs: the lines of files, from a given offset on.

`Scan.hits(needles)` says which needle (a number, a name, a sentence, a media file's bytes) is in
which item, and `Scan.counts` how many items of each store were read."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql


@dataclass
class Scan:
    items: list[tuple[str, str, bytes]] = field(default_factory=list)  # (store, item's name, content)
    stores: list[str] = field(default_factory=list)  # the stores read, an empty one included

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(self.stores, 0)
        for store, _, _ in self.items:
            out[store] = out.get(store, 0) + 1
        return out

    def read(self, store: str) -> None:
        if store not in self.stores:
            self.stores.append(store)

    def add(self, store: str, name: str, content: bytes) -> None:
        self.items.append((store, name, content))

    def hits(self, needles: Mapping[str, bytes]) -> list[tuple[str, str, str]]:
        """(what, store, item) for each needle found; a needle is matched as bytes, and as text
        also case-insensitively."""
        found = []
        for store, name, content in self.items:
            lowered = content.lower()
            for what, needle in needles.items():
                if needle and (needle in content or needle.lower() in lowered):
                    found.append((what, store, name))
        return found


def postgres(scan: Scan, url: str) -> None:
    scan.read("postgres")
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select tablename from pg_tables where schemaname = 'public' order by tablename"
            ).fetchall()
        ]
        for table in tables:
            query = sql.SQL("select t::text from public.{} t").format(sql.Identifier(table))
            for (row,) in conn.execute(query):
                scan.add("postgres", table, str(row).encode())


def _unpacked(blob: bytes) -> bytes:
    for opener in (gzip.decompress, zlib.decompress):
        try:
            return blob + b"\n" + opener(blob)
        except (OSError, zlib.error, EOFError):
            continue
    return blob


def _binaries(value: Any) -> Iterator[bytes]:
    if isinstance(value, dict):
        for kind, inner in value.items():
            if kind == "B" and isinstance(inner, bytes | bytearray):
                yield bytes(inner)
            else:
                yield from _binaries(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _binaries(inner)


def dynamodb(scan: Scan, client: Any, tables: Iterable[str]) -> None:
    scan.read("dynamodb")
    for table in tables:
        kwargs: dict[str, Any] = {"TableName": table}
        while True:
            page = client.scan(**kwargs)
            for item in page.get("Items", []):
                text = json.dumps(item, default=lambda b: base64.b64encode(b).decode(), ensure_ascii=False)
                content = text.encode() + b"".join(b"\n" + _unpacked(b) for b in _binaries(item))
                scan.add("dynamodb", f"{table}:{json.dumps({k: item[k] for k in sorted(item)[:2]})}", content)
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def s3(scan: Scan, client: Any, bucket: str) -> None:
    scan.read("s3")
    kwargs: dict[str, Any] = {"Bucket": bucket}
    while True:
        page = client.list_objects_v2(**kwargs)
        for obj in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            scan.add("s3", obj["Key"], obj["Key"].encode() + b"\n" + _unpacked(body))
        if not page.get("IsTruncated"):
            break
        kwargs["ContinuationToken"] = page["NextContinuationToken"]


def langfuse(scan: Scan, kept: Mapping[str, Any]) -> None:
    scan.read("langfuse")
    for trace_id, trace in kept.items():
        scan.add("langfuse", trace_id, json.dumps(trace, ensure_ascii=False).encode())


def logs(scan: Scan, files: Mapping[Path, int]) -> None:
    """Each file's lines from its offset (what was written after it)."""
    scan.read("logs")
    for path, offset in files.items():
        with path.open("rb") as fh:
            fh.seek(offset)
            for number, line in enumerate(fh):
                scan.add("logs", f"{path.name}:+{number}", line)
