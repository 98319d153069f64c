"""boto3 clients for moto: fixed test credentials, whatever the developer's AWS profile says."""

from __future__ import annotations

from typing import Any

import boto3


def moto_client(service: str, endpoint_url: str, region: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's conventional fake credentials
    )
