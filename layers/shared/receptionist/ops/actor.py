"""Who an ops command acts as, in the appointments' history and the audit log."""

from __future__ import annotations

import getpass


def ops_actor(given: str | None) -> str:
    """'ops:<name>' (`given`, else the login name): the history and the audit log tell an ops
    change from staff's ('staff:<e-mail>', or the e-mail in the audit log) and the customer's."""
    name = (given or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no login name in this environment
            name = "cli"
    return name if name.startswith("ops:") else f"ops:{name}"
