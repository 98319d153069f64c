"""Move dead-lettered tickets or jobs back to their queue, once the cause is fixed.

    python -m receptionist.ops.redrive --queue inbound [--stage dev] [--max 100] [--dry-run]
    python -m receptionist.ops.redrive --queue outbound --stage prod

Each message keeps its FIFO group (its conversation, so order within it holds) and is sent with
the deduplication id "redrive#<its DLQ message id>", then deleted from the DLQ. Safe to run
again, even after a crash half-way: a message sent but not yet deleted is sent again with the
same deduplication id (SQS drops it within 5 minutes), and past that the consumers are
idempotent anyway (a ticket's turn is recorded once, a job is delivered once per job id).
A body that is not a ticket or a job (for that queue) is left in the DLQ and reported.

Queues are found by name (receptionist-<stage>-<queue>.fifo and its -dlq), or given with
--dlq-url / --target-url. AWS settings come from the environment as for the AWS CLI
(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL for the local stack).
Exit status: 0 done (also when the DLQ was empty), 1 some messages were left, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

import boto3
from pydantic import BaseModel, ValidationError

from receptionist.messages import InboundTicket, OutboundJob, fifo_id

DOCUMENTS: dict[str, type[BaseModel]] = {"inbound": InboundTicket, "outbound": OutboundJob}


@dataclass
class RedriveReport:
    moved: int = 0
    seen: int = 0
    left: list[str] = field(default_factory=list)  # DLQ message ids kept (unreadable bodies)


def queue_urls(sqs: Any, stage: str, queue: str) -> tuple[str, str]:
    """(dead-letter queue, its source queue) of the template's naming."""
    dlq = sqs.get_queue_url(QueueName=f"receptionist-{stage}-{queue}-dlq.fifo")["QueueUrl"]
    target = sqs.get_queue_url(QueueName=f"receptionist-{stage}-{queue}.fifo")["QueueUrl"]
    return str(dlq), str(target)


def redrive(
    sqs: Any, dlq_url: str, target_url: str, document: type[BaseModel], *, limit: int = 1000, dry_run: bool = False
) -> RedriveReport:
    report = RedriveReport()
    held: list[str] = []  # receipt handles kept invisible while we go (dry run, unreadable)
    while report.seen < limit:
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=min(10, limit - report.seen),
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
            AttributeNames=["MessageGroupId"],
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            report.seen += 1
            try:
                document.model_validate_json(message["Body"])
            except ValidationError:
                report.left.append(message["MessageId"])
                held.append(message["ReceiptHandle"])
                continue
            if dry_run:
                held.append(message["ReceiptHandle"])
                report.moved += 1
                continue
            group = message.get("Attributes", {}).get("MessageGroupId") or "redrive"
            sqs.send_message(
                QueueUrl=target_url,
                MessageBody=message["Body"],
                MessageGroupId=group,
                MessageDeduplicationId=fifo_id(f"redrive#{message['MessageId']}"),
            )
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            report.moved += 1
    for handle in held:  # visible again at once for the next run
        sqs.change_message_visibility(QueueUrl=dlq_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m receptionist.ops.redrive",
        description="Move dead-lettered tickets (inbound) or jobs (outbound) back to their queue, idempotently.",
    )
    parser.add_argument("--queue", required=True, choices=sorted(DOCUMENTS), help="which queue's DLQ to redrive")
    parser.add_argument("--stage", default="dev", help="the deployment stage (queue names), default dev")
    parser.add_argument("--dlq-url", help="the dead-letter queue's URL (instead of finding it by name)")
    parser.add_argument("--target-url", help="the queue to send to (instead of finding it by name)")
    parser.add_argument("--max", type=int, default=1000, help="at most this many messages (default 1000)")
    parser.add_argument("--dry-run", action="store_true", help="only count what would be moved")
    args = parser.parse_args(argv)
    if bool(args.dlq_url) != bool(args.target_url):
        parser.error("give both --dlq-url and --target-url, or neither")
    sqs = boto3.client("sqs")
    dlq, target = (args.dlq_url, args.target_url) if args.dlq_url else queue_urls(sqs, args.stage, args.queue)
    report = redrive(sqs, dlq, target, DOCUMENTS[args.queue], limit=args.max, dry_run=args.dry_run)
    verb = "would move" if args.dry_run else "moved"
    print(f"{args.queue}: {verb} {report.moved} of {report.seen} dead-lettered message(s)")
    if report.left:
        print(f"left in the DLQ (not a valid {args.queue} document): {', '.join(report.left)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
