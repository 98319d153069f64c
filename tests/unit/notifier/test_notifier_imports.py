"""The notifier's domain modules stay free of AWS SDK and database driver imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.lambda_context import modules_after

ROOT = Path(__file__).resolve().parents[3]


def _modules_after(code: str) -> set[str]:
    return modules_after(code)


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
