"""Where the console leaves a customer's export for the owner's browser: the media bucket, under
exports/ (the bucket's lifecycle rule ExpireExports deletes it after a day), fetched through a
presigned link that works for a few minutes. Keys: exports/<organization>/<conversation or
contact id>/<random>.zip (no number), so erasing a customer finds an archive made that day.

Why not the response itself: a Lambda behind API Gateway answers at most 6 MB (less once base64
encoded), and one voice note may be 16 MB."""

from __future__ import annotations

import uuid
from typing import IO, TYPE_CHECKING

import boto3
from botocore.config import Config

from receptionist.adapters.aws import bounded_client_config
from receptionist.privacy.keys import export_prefix

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

LINK_SECONDS = 300  # the owner's browser follows the link at once; after this it no longer works


class ExportStore:
    def __init__(self, bucket: str, client: S3Client | None = None) -> None:
        self.bucket = bucket
        # Presigned links are signed with SigV4 (what S3 requires of new regions and of KMS objects).
        config = bounded_client_config().merge(Config(signature_version="s3v4"))
        self._s3: S3Client = client if client is not None else boto3.client("s3", config=config)

    def put(self, organization_id: str, subject: str, archive: IO[bytes]) -> str:
        """Upload an archive of `subject` (a conversation's or contact's id: what erasing the
        customer finds it by) from its start, multipart when large; its key."""
        key = f"{export_prefix(organization_id, subject)}{uuid.uuid4().hex}.zip"
        archive.seek(0)
        self._s3.upload_fileobj(archive, self.bucket, key, ExtraArgs={"ContentType": "application/zip"})
        return key

    def link(self, key: str, filename: str, seconds: int = LINK_SECONDS) -> str:
        """A link that downloads the archive as `filename` for `seconds`."""
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": "application/zip",
            },
            ExpiresIn=seconds,
        )
