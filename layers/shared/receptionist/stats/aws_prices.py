"""AWS list prices and the bench's measured use per inbound message: the one price model the bench
(bench/costs.py, "Price per 1,000 inbound messages" in bench/results.md) and the daily roll-up's
AWS estimate (docs/stats.md) read.

Prices: USD, us-east-1 (N. Virginia), on-demand, no free tier, written down on 2026-11-30 from the
pages named in each entry as last read (this machine has no internet, so they were not re-fetched
that day: check them before relying on a figure).

USE_PER_MESSAGE: what one inbound WhatsApp message costs in AWS units, as the bench measured it
(bench/results.md of 2026-12-07: per 1,000 messages, 1,732 API requests (the message and its
reply's delivery statuses), 3,708 Lambda invocations, 643.9 GB-s (the model's latency waited for,
1.5 s a call), 5,928 SQS requests, 10,636 DynamoDB write and 2,732 read units, 2.1 MB of logs).
Regenerate it from the bench when the pipeline changes (`make bench`). Fixed monthly costs (the
event source mappings' empty polls, schedules, alarms, metrics) are not per message and left out:
the estimate is what a business's traffic adds, not a share of the deployment's floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

PRICES_DATE: Final = "2026-11-30"


@dataclass(frozen=True)
class AwsPrice:
    usd: Decimal
    per: int
    source: str

    @property
    def unit(self) -> Decimal:
        return self.usd / self.per


PRICES: Final[dict[str, AwsPrice]] = {
    "api_gateway_http_request": AwsPrice(
        Decimal("1.00"),
        1_000_000,
        "https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs, first 300 million requests a month)",
    ),
    "lambda_request": AwsPrice(Decimal("0.20"), 1_000_000, "https://aws.amazon.com/lambda/pricing/"),
    "lambda_arm64_gb_second": AwsPrice(
        Decimal("0.0000133334"), 1, "https://aws.amazon.com/lambda/pricing/ (Arm, first 7.5 billion GB-s a month)"
    ),
    "sqs_fifo_request": AwsPrice(
        Decimal("0.50"), 1_000_000, "https://aws.amazon.com/sqs/pricing/ (FIFO queues; a request is up to 64 KB)"
    ),
    "dynamodb_write_request_unit": AwsPrice(
        Decimal("0.625"),
        1_000_000,
        "https://aws.amazon.com/dynamodb/pricing/on-demand/ (after the November 2024 price reduction)",
    ),
    "dynamodb_read_request_unit": AwsPrice(
        Decimal("0.125"), 1_000_000, "https://aws.amazon.com/dynamodb/pricing/on-demand/"
    ),
    "s3_put_request": AwsPrice(
        Decimal("0.005"), 1_000, "https://aws.amazon.com/s3/pricing/ (S3 Standard PUT, COPY, POST, LIST)"
    ),
    "s3_get_request": AwsPrice(
        Decimal("0.0004"), 1_000, "https://aws.amazon.com/s3/pricing/ (S3 Standard GET, SELECT)"
    ),
    "cloudwatch_logs_ingested_gb": AwsPrice(
        Decimal("0.50"), 1, "https://aws.amazon.com/cloudwatch/pricing/ (Logs, standard ingestion)"
    ),
}

# Units one inbound message uses, by price (see the module's docstring: bench/results.md / 1,000).
USE_PER_MESSAGE: Final[dict[str, Decimal]] = {
    "api_gateway_http_request": Decimal("1.732"),
    "lambda_request": Decimal("3.708"),
    "lambda_arm64_gb_second": Decimal("0.6439"),
    "sqs_fifo_request": Decimal("5.928"),
    "dynamodb_write_request_unit": Decimal("10.636"),
    "dynamodb_read_request_unit": Decimal("2.732"),
    "cloudwatch_logs_ingested_gb": Decimal("0.0000021"),
}


def unit_price(key: str) -> float:
    """USD per one unit of `key` (a request, a GB-s, a GB): what the bench multiplies its counts by."""
    return float(PRICES[key].unit)


def per_message_usd() -> Decimal:
    """What one inbound message adds to the AWS bill (USE_PER_MESSAGE at PRICES)."""
    return sum((PRICES[key].unit * units for key, units in USE_PER_MESSAGE.items()), Decimal(0))


def aws_cost_usd(inbound_messages: int) -> Decimal:
    """The AWS estimate of a day's inbound messages, in USD (6 decimals, as stored)."""
    return (per_message_usd() * inbound_messages).quantize(Decimal("0.000001"))
