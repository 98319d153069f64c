"""The notifier's domain modules stay free of AWS SDK and database driver imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _modules_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module",
    [
        "receptionist.notifier.service",
        "receptionist.notifier.ports",
        "receptionist.notifier.window",
        "receptionist.notifier.splitting",
        "receptionist.notifier.retry",
    ],
)
def test_domain_modules_import_neither_boto3_nor_psycopg(module: str) -> None:
    loaded = _modules_after(f"import {module}")
    assert module in loaded
    assert not {m.split(".")[0] for m in loaded} & {"boto3", "botocore", "psycopg"}


def test_the_check_would_notice() -> None:
    loaded = _modules_after("import receptionist.notifier.store")
    assert "psycopg" in loaded
