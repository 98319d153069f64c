"""The owner's download of one customer's data (GDPR Art. 15 and 20) from a conversation's page:
the archive of receptionist.privacy.export, built in the console, left in the bucket under
exports/ and handed to the browser as a short-lived presigned link (a Lambda behind API Gateway
answers at most 6 MB; one voice note may be 16 MB).

One conversation of the owner's own business (another's is not found), every export audited
(`customer_exported`, target the conversation's id, counts in the details, never the number)
before its link exists."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Protocol

from receptionist.console.errors import NotFound, TooLarge
from receptionist.crm import inbox
from receptionist.crm.connection import Database
from receptionist.crm.export import CrmCustomerData
from receptionist.crm.inbox import StaffAccount
from receptionist.privacy.export import AUDIT_ACTION, CustomerExporter, ExportPlan, MediaStore

# What the console builds at most: the archive is spooled to the function's /tmp (512 MB) and
# copied from S3 and back within the function's 15 s. Larger ones: ops' `receptionist.ops.export`.
MAX_MEDIA_BYTES = 100 * 1024 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # an archive up to this size never touches the disk


class ArchiveStore(Protocol):
    def put(self, organization_id: str, subject: str, archive: IO[bytes]) -> str:
        """Keep the archive of `subject` (the audit line's target); its key."""
        ...

    def link(self, key: str, filename: str) -> str:
        """A short-lived link that downloads it as `filename`."""
        ...


@dataclass(frozen=True)
class ConsoleExports:
    """What the console exports with: the media copies and where archives are left."""

    media: MediaStore
    store: ArchiveStore
    max_media_bytes: int = MAX_MEDIA_BYTES


@dataclass
class ExportService:
    db: Database  # acting for the owner's organization
    owner: StaffAccount
    exports: ConsoleExports
    now: Callable[[], datetime]

    def export(self, identity_id: str) -> str:
        """Build, keep and audit the export of one conversation's customer; the link to download it."""
        db, org = self.db, self.owner.organization_id
        summary = inbox.conversation(db, org, identity_id)
        if summary is None:  # another business's, or none: the same answer
            raise NotFound("not_found")
        exporter = CustomerExporter(CrmCustomerData(db), self.exports.media, self.now)
        plan = exporter.plan(org, summary.customer_number)
        if plan is None:  # erased meanwhile
            raise NotFound("not_found")
        if plan.media_bytes > self.exports.max_media_bytes:
            raise TooLarge("export_too_large")
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as archive:
            exporter.write(plan, archive)
            key = self.exports.store.put(org, plan.records.subject, archive)
        # Audited before the link exists: no archive reaches anyone without its line. A failure here
        # leaves an archive nobody has a link to (the lifecycle rule deletes it).
        inbox.record_audit(db, org, self.owner.email, AUDIT_ACTION, identity_id, plan.audit_details("console"))
        return self.exports.store.link(key, archive_name(plan))


def archive_name(plan: ExportPlan) -> str:
    """The download's file name: the day and the conversation's short id, never the number."""
    return f"datos-{plan.exported_at:%Y%m%d}-{plan.records.subject[:8]}.zip"
