"""Which Gupshup app a business's read receipts go through, and where its token is
(platform_connections.gupshup_app_id and app_token_ref, migration 20261211030000): read on the
turn's thread, as the conversation's organization (row level security), and kept for CACHE_SECONDS
per container so a warm turn makes no database round trip for it.

The token itself is an SSM SecureString, read (and cached) by the caller, and only under the
stage's Gupshup keys prefix, as the notifier and the template sync read the apps' API keys.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from receptionist.crm.connection import Database
from receptionist.crm.models import AppToken, Organization

logger = logging.getLogger(__name__)

CACHE_SECONDS = 300.0


@dataclass
class ReadReceiptApps:
    db: Database
    keys_prefix: str  # tokens are read only under it
    cache_seconds: float = CACHE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, AppToken | None]] = field(default_factory=dict, repr=False)

    def __call__(self, organization: Organization) -> AppToken | None:
        """The app's id and token parameter; None: the app has no read receipts configured."""
        app = organization.connection.app_name
        held = self._cache.get(app)
        if held is not None and self.clock() - held[0] < self.cache_seconds:
            return held[1]
        row = self.db.fetch_one(
            "select gupshup_app_id, app_token_ref from platform_connections"
            " where provider = 'gupshup' and app_name = %s and active",
            (app,),
        )
        found: AppToken | None = None
        if row and row["gupshup_app_id"] and row["app_token_ref"]:
            ref = str(row["app_token_ref"])
            if self.keys_prefix and ref.startswith(self.keys_prefix):
                found = AppToken(str(row["gupshup_app_id"]), ref)
            else:
                logger.warning("read receipts: the app's token is not under the stage's Gupshup keys prefix")
        self._cache[app] = (self.clock(), found)
        return found
